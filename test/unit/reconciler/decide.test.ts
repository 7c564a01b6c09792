import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MAX_NODE_COUNT, type WorkspaceStatus } from '../../../src/api';
import { nodeClaimName } from '../../../src/render';
import {
  decide,
  decideOrFail,
  MAX_NODE_CREATES_PER_PASS,
  WORKSPACE_FINALIZER,
  type Observation,
} from '../../../src/reconciler/decide';
import type { RawObject } from '../../../src/reconciler/observe';

const NOW = '2026-11-22T10:00:00Z';
const LATER = '2026-11-22T10:05:00Z';
const seed = (file: string) => parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'seed', file), 'utf8'));

/** A stored workspace: served as v1beta1, with uid, generation and (optionally) the finalizer and a status. */
function stored(
  file: string,
  extra: { finalizer?: boolean; status?: WorkspaceStatus; deleting?: boolean } = {},
): RawObject {
  const ws = seed(file);
  return {
    ...ws,
    apiVersion: 'kaito.sh/v1beta1',
    metadata: {
      ...ws.metadata,
      namespace: 'default',
      uid: 'uid-1',
      generation: 1,
      ...(extra.finalizer === false ? {} : { finalizers: [WORKSPACE_FINALIZER] }),
      ...(extra.deleting ? { deletionTimestamp: NOW } : {}),
    },
    ...(extra.status ? { status: extra.status } : {}),
  };
}

const claim = (name: string, conditions: Array<Record<string, string>>, nodeName?: string): RawObject => ({
  apiVersion: 'karpenter.sh/v1',
  kind: 'NodeClaim',
  metadata: { name },
  status: { conditions, ...(nodeName ? { nodeName } : {}) },
});

const node = (name: string, labels: Record<string, string>, gpus = '1', ready = 'True'): RawObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels },
  status: { capacity: { 'nvidia.com/gpu': gpus }, conditions: [{ type: 'Ready', status: ready }] },
});

const sts = (replicas: number, readyReplicas: number): RawObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'workspace-phi-3-mini', namespace: 'default' },
  spec: { replicas },
  status: { readyReplicas },
});

const INFERENCE = 'phi-3-mini-inference.yaml';
const wsRef = { metadata: { name: 'workspace-phi-3-mini', namespace: 'default' } } as Parameters<
  typeof nodeClaimName
>[0];
const CLAIM = nodeClaimName(wsRef, 0);
const gpuNode = node('aks-ws-0', {
  'node.kubernetes.io/instance-type': 'Standard_NC6s_v3',
  'kaito.sh/workspace': 'workspace-phi-3-mini',
  'kaito.sh/workspacenamespace': 'default',
});

function observe(workspace: RawObject, rest: Partial<Observation> = {}): Observation {
  return { workspace, nodeClaims: [], nodes: [], pods: [], ...rest };
}

const conditionsOf = (status: WorkspaceStatus | undefined) =>
  Object.fromEntries((status?.conditions ?? []).map((c) => [c.type, [c.status, c.reason]]));

describe('decide: inference on provisioned nodes', () => {
  test.each([
    ['whose claim is not Ready yet (Karpenter has not registered it)', 'aks-ws-0'],
    ["with the workspace labels while a claim has no node yet (it may be that claim's)", undefined],
  ])('a Ready node %s is not used until the claim is Ready', (_case, nodeName) => {
    const launching = claim(CLAIM, [{ type: 'Launched', status: 'True' }], nodeName);
    const early = decide(observe(stored(INFERENCE), { nodeClaims: [launching], nodes: [gpuNode] }), {
      provisioner: 'karpenter',
      now: NOW,
    });
    expect(early.apply).toEqual([]);
    expect(conditionsOf(early.status).ResourceReady).toEqual(['False', 'workspaceResourceStatusNotReady']);
    const registered = claim(CLAIM, [{ type: 'Ready', status: 'True' }], nodeName);
    const later = decide(observe(stored(INFERENCE), { nodeClaims: [registered], nodes: [gpuNode] }), {
      provisioner: 'karpenter',
      now: NOW,
    });
    expect(later.apply.map((o) => o.kind)).toContain('StatefulSet');
    expect(conditionsOf(later.status).ResourceReady).toEqual(['True', 'workspaceResourceStatusSuccess']);
  });

  test.each([
    [{ provisioner: 'gpu-provisioner' as const }, { group: 'kaito.sh', kind: 'KaitoNodeClass', name: 'default' }],
    [{ provisioner: 'karpenter' as const }, { group: 'karpenter.azure.com', kind: 'AKSNodeClass', name: 'default' }],
    [
      {
        provisioner: 'karpenter' as const,
        nodeClass: { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' },
      },
      { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' },
    ],
  ])('%j: the NodeClaim names node class %j and never expires', (options, nodeClass) => {
    const d = decide(observe(stored(INFERENCE, { finalizer: false })), { ...options, now: NOW });
    const spec = d.create[0]?.spec as { nodeClassRef: unknown; expireAfter: string };
    expect([spec.nodeClassRef, spec.expireAfter]).toEqual([nodeClass, 'Never']);
  });

  test('a new workspace gets the finalizer and exactly its NodeClaims; nothing is applied before nodes exist', () => {
    const d = decide(observe(stored(INFERENCE, { finalizer: false })), { provisioner: 'gpu-provisioner', now: NOW });
    expect(d.finalizer).toBe('add');
    expect(d.create.map((o) => [o.kind, o.metadata.name])).toEqual([['NodeClaim', CLAIM]]);
    expect(d.apply).toEqual([]);
    expect(d.status).toEqual({
      state: 'Pending',
      workerNodes: [],
      targetNodeCount: 1,
      conditions: [
        {
          type: 'NodeClaimReady',
          status: 'False',
          reason: 'NodeClaimNotReady',
          message: '0/1 node claims are ready',
          observedGeneration: 1,
          lastTransitionTime: NOW,
        },
        {
          type: 'ResourceReady',
          status: 'False',
          reason: 'workspaceResourceStatusNotReady',
          message: '0/1 ready GPU nodes',
          observedGeneration: 1,
          lastTransitionTime: NOW,
        },
        {
          type: 'InferenceReady',
          status: 'False',
          reason: 'WorkspaceInferenceStatusPending',
          message: 'waiting for GPU nodes',
          observedGeneration: 1,
          lastTransitionTime: NOW,
        },
        {
          type: 'WorkspaceSucceeded',
          status: 'False',
          reason: 'workspacePending',
          message: '0/1 node claims are ready',
          observedGeneration: 1,
          lastTransitionTime: NOW,
        },
        {
          type: 'WorkspaceReady',
          status: 'False',
          reason: 'NodeClaimNotReady',
          message: '0/1 node claims are ready',
          observedGeneration: 1,
          lastTransitionTime: NOW,
        },
      ],
    });
    // Waiting is in the status; no user acts on it, so it is no event.
    expect(d.events).toEqual([]);
  });

  test('never more NodeClaims than planned, whatever their names', () => {
    const foreign = claim('wsother1', []);
    expect(
      decide(observe(stored(INFERENCE), { nodeClaims: [claim(CLAIM, [])] }), { provisioner: 'karpenter', now: NOW })
        .create,
    ).toEqual([]);
    expect(
      decide(observe(stored(INFERENCE), { nodeClaims: [foreign] }), { provisioner: 'karpenter', now: NOW }).create,
    ).toEqual([]);
  });

  test('a launch failure on the NodeClaim is surfaced with its reason', () => {
    const failed = claim(CLAIM, [
      {
        type: 'Launched',
        status: 'False',
        reason: 'InsufficientCapacity',
        message: 'all requested instance types were unavailable during launch',
      },
    ]);
    const d = decide(observe(stored(INFERENCE), { nodeClaims: [failed] }), {
      provisioner: 'gpu-provisioner',
      now: NOW,
    });
    expect(conditionsOf(d.status)).toMatchObject({
      NodeClaimReady: ['False', 'InsufficientCapacity'],
      ResourceReady: ['False', 'InsufficientCapacity'],
      WorkspaceReady: ['False', 'InsufficientCapacity'],
    });
    expect(d.events.filter((e) => e.type === 'Warning').map((e) => e.message)).toContain(
      'NodeClaimReady is False: all requested instance types were unavailable during launch',
    );
  });

  test('ready nodes: the workload is applied, owned by the workspace', () => {
    const d = decide(
      observe(stored(INFERENCE), {
        nodeClaims: [claim(CLAIM, [{ type: 'Ready', status: 'True' }], 'aks-ws-0')],
        nodes: [gpuNode],
      }),
      { provisioner: 'gpu-provisioner', now: NOW },
    );
    expect(d.apply.map((o) => [o.kind, o.metadata.name])).toEqual([
      ['ConfigMap', 'workspace-phi-3-mini-inference-config'],
      ['Service', 'workspace-phi-3-mini'],
      ['Service', 'workspace-phi-3-mini-headless'],
      ['StatefulSet', 'workspace-phi-3-mini'],
    ]);
    for (const o of d.apply) {
      expect(o.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'kaito.sh/v1beta1',
          kind: 'Workspace',
          name: 'workspace-phi-3-mini',
          uid: 'uid-1',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    expect(conditionsOf(d.status)).toMatchObject({
      NodeClaimReady: ['True', 'NodeClaimsReady'],
      ResourceReady: ['True', 'workspaceResourceStatusSuccess'],
    });
    expect(d.status?.workerNodes).toEqual(['aks-ws-0']);
  });

  test('a node without GPUs reported yet does not count', () => {
    const noGpu = node('aks-ws-0', gpuNode.metadata!.labels as Record<string, string>, '0');
    const d = decide(
      observe(stored(INFERENCE), {
        nodeClaims: [claim(CLAIM, [{ type: 'Ready', status: 'True' }], 'aks-ws-0')],
        nodes: [noGpu],
      }),
      {
        provisioner: 'gpu-provisioner',
        now: NOW,
      },
    );
    expect(conditionsOf(d.status).ResourceReady).toEqual(['False', 'workspaceResourceStatusNotReady']);
    expect(d.apply).toEqual([]);
  });

  test('ready StatefulSet: WorkspaceReady; a second pass writes nothing and keeps transition times', () => {
    const obs = {
      nodeClaims: [claim(CLAIM, [{ type: 'Ready', status: 'True' }], 'aks-ws-0')],
      nodes: [gpuNode],
      workload: sts(1, 1),
    };
    const first = decide(observe(stored(INFERENCE), obs), { provisioner: 'gpu-provisioner', now: NOW });
    expect(first.status?.state).toBe('Ready');
    expect(conditionsOf(first.status)).toEqual({
      NodeClaimReady: ['True', 'NodeClaimsReady'],
      ResourceReady: ['True', 'workspaceResourceStatusSuccess'],
      InferenceReady: ['True', 'WorkspaceInferenceStatusSuccess'],
      WorkspaceSucceeded: ['True', 'workspaceSucceeded'],
      WorkspaceReady: ['True', 'WorkspaceReady'],
    });
    const second = decide(observe(stored(INFERENCE, { status: first.status }), obs), {
      provisioner: 'gpu-provisioner',
      now: LATER,
    });
    expect(second.status).toBeUndefined();
    expect(second.events).toEqual([]);
  });

  /** The API server stores a custom resource's JSON with sorted keys: the order of keys is no change. */
  const sortedKeys = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sortedKeys)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, v]) => [k, sortedKeys(v)]),
          )
        : value;

  test.each([
    ['waiting for nodes', {}],
    [
      'ready',
      {
        nodeClaims: [claim(CLAIM, [{ type: 'Ready', status: 'True' }], 'aks-ws-0')],
        nodes: [gpuNode],
        workload: sts(1, 1),
      },
    ],
  ])('%s: a status read back with sorted keys is unchanged', (_name, obs: Partial<Observation>) => {
    const first = decide(observe(stored(INFERENCE), obs), { provisioner: 'gpu-provisioner', now: NOW });
    const readBack = sortedKeys(first.status) as WorkspaceStatus;
    expect(JSON.stringify(readBack)).not.toBe(JSON.stringify(first.status));
    const second = decide(observe(stored(INFERENCE, { status: readBack }), obs), {
      provisioner: 'gpu-provisioner',
      now: LATER,
    });
    expect(second.status).toBeUndefined();
  });

  test('a crash-looping pod shows in InferenceReady, and a workspace that was Ready becomes NotReady', () => {
    const obs = {
      nodeClaims: [claim(CLAIM, [{ type: 'Ready', status: 'True' }], 'aks-ws-0')],
      nodes: [gpuNode],
      workload: sts(1, 1),
    };
    const ready = decide(observe(stored(INFERENCE), obs), { provisioner: 'gpu-provisioner', now: NOW }).status;
    const pod: RawObject = {
      metadata: { name: 'workspace-phi-3-mini-0' },
      status: {
        containerStatuses: [
          {
            name: 'workspace-phi-3-mini',
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s' } },
          },
        ],
      },
    };
    const d = decide(observe(stored(INFERENCE, { status: ready }), { ...obs, workload: sts(1, 0), pods: [pod] }), {
      provisioner: 'gpu-provisioner',
      now: LATER,
    });
    const inference = d.status?.conditions?.find((c) => c.type === 'InferenceReady');
    expect(inference).toEqual({
      type: 'InferenceReady',
      status: 'False',
      reason: 'ContainerCrashLoopBackOff',
      message: 'workspace-phi-3-mini-0/workspace-phi-3-mini: CrashLoopBackOff after 4 restarts: back-off 1m20s',
      observedGeneration: 1,
      lastTransitionTime: LATER,
    });
    expect(d.status?.conditions?.find((c) => c.type === 'ResourceReady')?.lastTransitionTime).toBe(NOW);
    expect(d.status?.state).toBe('NotReady');
    expect(d.events).toEqual([
      {
        type: 'Warning',
        reason: 'ContainerCrashLoopBackOff',
        message: `InferenceReady is False: ${inference?.message}`,
      },
    ]);
  });

  test.each([
    [{ state: { waiting: { reason: 'ImagePullBackOff', message: 'pull access denied' } } }, 'ImagePullError'],
    [
      { state: { running: {} }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } },
      'ContainerOOMKilled',
    ],
  ])('pod problem %j -> %s', (containerStatus, reason) => {
    const obs = {
      nodeClaims: [claim(CLAIM, [{ type: 'Ready', status: 'True' }], 'aks-ws-0')],
      nodes: [gpuNode],
      workload: sts(1, 0),
    };
    const pod: RawObject = {
      metadata: { name: 'p' },
      status: { containerStatuses: [{ name: 'c', ...containerStatus }] },
    };
    const d = decide(observe(stored(INFERENCE), { ...obs, pods: [pod] }), { provisioner: 'gpu-provisioner', now: NOW });
    expect(conditionsOf(d.status).InferenceReady).toEqual(['False', reason]);
  });

  test('an unschedulable pod is surfaced', () => {
    const pod: RawObject = {
      metadata: { name: 'p' },
      status: {
        conditions: [
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' },
        ],
      },
    };
    const obs = {
      nodeClaims: [claim(CLAIM, [{ type: 'Ready', status: 'True' }], 'aks-ws-0')],
      nodes: [gpuNode],
      workload: sts(1, 0),
      pods: [pod],
    };
    expect(
      conditionsOf(decide(observe(stored(INFERENCE), obs), { provisioner: 'gpu-provisioner', now: NOW }).status)
        .InferenceReady,
    ).toEqual(['False', 'Unschedulable']);
  });

  test('machine mode creates a legacy Machine', () => {
    const d = decide(observe(stored(INFERENCE)), { provisioner: 'machine', now: NOW });
    expect(d.create.map((o) => [o.apiVersion, o.kind])).toEqual([['karpenter.sh/v1alpha5', 'Machine']]);
  });
});

describe('decide: bring-your-own nodes', () => {
  const byo = (): RawObject => {
    const ws = stored(INFERENCE);
    const resource = { labelSelector: { matchLabels: { pool: 'gpu' } } };
    return { ...ws, resource };
  };

  test('no NodeClaims; matching Ready GPU nodes make it ready; the plan reads the node GPU labels', () => {
    const labels = {
      pool: 'gpu',
      'nvidia.com/gpu.count': '2',
      'nvidia.com/gpu.memory': '24576',
      'nvidia.com/gpu.product': 'NVIDIA-A10',
      'nvidia.com/cuda.compute.major': '8',
      'nvidia.com/cuda.compute.minor': '6',
    };
    const d = decide(observe(byo(), { nodes: [node('byo-1', labels, '2'), node('other', { pool: 'cpu' }, '0')] }), {
      provisioner: 'gpu-provisioner',
      now: NOW,
    });
    expect(d.create).toEqual([]);
    expect(d.plan?.gpusPerNode).toBe(2);
    expect(d.plan?.dtype).toBe('bfloat16');
    expect(conditionsOf(d.status)).toEqual({
      ResourceReady: ['True', 'workspaceResourceStatusSuccess'],
      InferenceReady: ['False', 'WorkspaceInferenceStatusPending'],
      WorkspaceSucceeded: ['False', 'workspacePending'],
      WorkspaceReady: ['False', 'WorkspaceInferenceStatusPending'],
    });
    expect(d.status?.workerNodes).toEqual(['byo-1']);
  });

  test('no matching node: waits', () => {
    const d = decide(observe(byo(), { nodes: [node('other', { pool: 'cpu' }, '0')] }), {
      provisioner: 'byo',
      now: NOW,
    });
    expect(conditionsOf(d.status).ResourceReady).toEqual(['False', 'workspaceResourceStatusNotReady']);
  });
});

describe('decide: tuning', () => {
  const TUNING = 'phi-3-mini-4k-qlora-tuning.yaml';
  const ready = { nodeClaims: [claim(CLAIM, [{ type: 'Ready', status: 'True' }], 'aks-ws-0')], nodes: [gpuNode] };
  const job = (status: Record<string, unknown>): RawObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'workspace-phi-3-mini' },
    status,
  });

  test.each([
    [
      undefined,
      'Pending',
      { JobStarted: ['False', 'WorkspaceTuningJobStatusPending'], WorkspaceSucceeded: ['False', 'workspacePending'] },
    ],
    [
      { active: 1 },
      'Running',
      { JobStarted: ['True', 'WorkspaceTuningJobStatusStarted'], WorkspaceSucceeded: ['False', 'workspacePending'] },
    ],
    [
      { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] },
      'Succeeded',
      {
        JobStarted: ['True', 'WorkspaceTuningJobStatusStarted'],
        WorkspaceSucceeded: ['True', 'workspaceSucceeded'],
        WorkspaceReady: ['True', 'workspaceSucceeded'],
      },
    ],
    [
      {
        failed: 1,
        conditions: [{ type: 'Failed', status: 'True', message: 'Job has reached the specified backoff limit' }],
      },
      'Failed',
      {
        JobStarted: ['False', 'WorkspaceTuningJobStatusFailed'],
        WorkspaceSucceeded: ['False', 'workspaceFailed'],
        WorkspaceReady: ['False', 'workspaceFailed'],
      },
    ],
  ])('job status %j -> state %s', (status, state, conditions) => {
    const d = decide(observe(stored(TUNING), { ...ready, ...(status ? { workload: job(status) } : {}) }), {
      provisioner: 'gpu-provisioner',
      now: NOW,
    });
    expect(d.status?.state).toBe(state);
    expect(conditionsOf(d.status)).toMatchObject(conditions);
    expect(d.apply.map((o) => o.kind)).toEqual(['ConfigMap', 'NetworkPolicy', 'Job']);
  });
});

describe('decide: deletion and invalid workspaces', () => {
  test('deleting: NodeClaims are deleted, the finalizer stays until they are gone', () => {
    const ws = stored(INFERENCE, { deleting: true });
    const waiting = decide(observe(ws, { nodeClaims: [claim(CLAIM, [])] }), {
      provisioner: 'gpu-provisioner',
      now: NOW,
    });
    expect([waiting.finalizer, waiting.delete]).toEqual([
      'keep',
      [{ apiVersion: 'karpenter.sh/v1', kind: 'NodeClaim', name: CLAIM }],
    ]);
    expect(conditionsOf(waiting.status)).toEqual({ WorkspaceDeleting: ['True', 'workspaceDeleted'] });
    const done = decide(observe(ws), { provisioner: 'gpu-provisioner', now: NOW });
    expect([done.finalizer, done.delete, done.status]).toEqual(['remove', [], undefined]);
  });

  test('a workspace whose explicit count does not fit is reported, nothing is created', () => {
    const ws = stored(INFERENCE);
    const tooSmall = {
      ...ws,
      resource: { ...(ws.resource as object), count: 1 },
      inference: { preset: { name: 'phi-3-medium-128k-instruct' } },
    };
    const d = decide(observe(tooSmall), { provisioner: 'gpu-provisioner', now: NOW });
    expect(d.create).toEqual([]);
    expect(conditionsOf(d.status)).toEqual({
      ResourceReady: ['False', 'InsufficientGPUMemory'],
      WorkspaceReady: ['False', 'InsufficientGPUMemory'],
    });
  });
});

describe('decide: bring-your-own nodes of another workspace', () => {
  const byo = (): RawObject => ({
    ...stored(INFERENCE),
    resource: { labelSelector: { matchLabels: { pool: 'gpu' } } },
  });
  const mine = { 'kaito.sh/workspace': 'workspace-phi-3-mini', 'kaito.sh/workspacenamespace': 'default' };

  test.each([
    [
      'another workspace of another namespace',
      { 'kaito.sh/workspace': 'other', 'kaito.sh/workspacenamespace': 'team-b' },
      false,
    ],
    [
      'a workspace of the same name in another namespace',
      { 'kaito.sh/workspace': 'workspace-phi-3-mini', 'kaito.sh/workspacenamespace': 'team-b' },
      false,
    ],
    ['another workspace, no namespace label', { 'kaito.sh/workspace': 'other' }, false],
    ['this workspace', mine, true],
    ['no workspace', {}, true],
  ])('a matching node labelled for %s counts: %s', (_what, labels, counts) => {
    const d = decide(observe(byo(), { nodes: [node('n1', { pool: 'gpu', ...labels })] }), {
      provisioner: 'byo',
      now: NOW,
    });
    expect(conditionsOf(d.status).ResourceReady).toEqual(
      counts ? ['True', 'workspaceResourceStatusSuccess'] : ['False', 'workspaceResourceStatusNotReady'],
    );
    expect(d.status?.workerNodes).toEqual(counts ? ['n1'] : []);
  });

  test("the plan does not read the GPUs of another workspace's node", () => {
    const gfd = (count: string) => ({ 'nvidia.com/gpu.count': count, 'nvidia.com/gpu.memory': '24576' });
    const other = node(
      'a-other',
      { pool: 'gpu', ...gfd('4'), 'kaito.sh/workspace': 'x', 'kaito.sh/workspacenamespace': 'b' },
      '4',
    );
    const own = node('b-own', { pool: 'gpu', ...gfd('2') }, '2');
    const d = decide(observe(byo(), { nodes: [other, own] }), { provisioner: 'byo', now: NOW });
    expect(d.plan?.gpusPerNode).toBe(2);
    expect(d.status?.workerNodes).toEqual(['b-own']);
  });
});

describe('decide: bounded work per pass', () => {
  const withCount = (count: number, nodeClaims: RawObject[] = []) => {
    const ws = stored(INFERENCE);
    return observe({ ...ws, resource: { ...(ws.resource as object), count } }, { nodeClaims });
  };
  const names = (n: number, from = 0) => Array.from({ length: n }, (_, i) => nodeClaimName(wsRef, from + i));

  const READY = [{ type: 'Ready', status: 'True' }];
  test.each([
    [3, 0, 0, names(3)],
    [25, 0, 0, names(MAX_NODE_CREATES_PER_PASS)],
    [25, 10, 0, names(10, 10)],
    [25, 20, 0, names(5, 20)],
    [25, 6, 4, names(6, 10)],
    [25, 0, 10, []],
    [MAX_NODE_COUNT, 0, 0, names(MAX_NODE_CREATES_PER_PASS)],
    [MAX_NODE_COUNT, 990, 0, names(MAX_NODE_CREATES_PER_PASS, 990)],
  ])('count %d with %d Ready and %d pending claims: creates %j', (count, ready, pending, expected) => {
    const existing = names(ready + pending).map((n, i) => claim(n, i < ready ? READY : []));
    const d = decide(withCount(count, existing), { provisioner: 'gpu-provisioner', now: NOW });
    expect(d.create.map((o) => o.metadata.name)).toEqual(expected);
    expect(d.status?.targetNodeCount).toBe(count);
  });

  test('a claim missing in the middle is created again, within the cap', () => {
    const existing = [...names(3), ...names(12, 4)];
    const d = decide(
      withCount(
        30,
        existing.map((n) => claim(n, READY)),
      ),
      { provisioner: 'gpu-provisioner', now: NOW },
    );
    expect(d.create.map((o) => o.metadata.name)).toEqual([nodeClaimName(wsRef, 3), ...names(9, 16)]);
  });

  test.each([[100_000], [1e15]])(
    'count %d, stored before the schema had a maximum, creates nothing and says why, in bounded time and memory',
    (count) => {
      const before = process.memoryUsage().heapUsed;
      const started = performance.now();
      const d = decide(withCount(count), { provisioner: 'gpu-provisioner', now: NOW });
      expect(d.create).toEqual([]);
      expect(d.apply).toEqual([]);
      expect(conditionsOf(d.status).ResourceReady).toEqual(['False', 'InvalidWorkspace']);
      expect(d.status?.conditions?.find((c) => c.type === 'ResourceReady')?.message).toContain(
        `resource.count: must be less than or equal to ${MAX_NODE_COUNT}, got ${count}`,
      );
      expect(performance.now() - started).toBeLessThan(1000);
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(20 * 1024 * 1024);
    },
  );

  test('the workload is applied only once every node of the plan exists, with the replicas of the plan', () => {
    const existing = names(12);
    const nodes = existing.map((_n, i) =>
      node(`node-${i}`, {
        'node.kubernetes.io/instance-type': 'Standard_NC6s_v3',
        'kaito.sh/workspace': 'workspace-phi-3-mini',
        'kaito.sh/workspacenamespace': 'default',
      }),
    );
    const ready = (n: string, i: number) => claim(n, [{ type: 'Ready', status: 'True' }], `node-${i}`);
    const partial = decide(
      { ...withCount(12, existing.slice(0, 1).map(ready)), nodes },
      { provisioner: 'gpu-provisioner', now: NOW },
    );
    // All 12 nodes are there (labelled), but only one claim: the window is 11 of 12.
    expect(conditionsOf(partial.status).ResourceReady).toEqual(['True', 'workspaceResourceStatusSuccess']);
    expect(partial.apply).toEqual([]);
    expect(partial.create).toHaveLength(10);
    const full = decide({ ...withCount(12, existing.map(ready)), nodes }, { provisioner: 'gpu-provisioner', now: NOW });
    const statefulSet = full.apply.find((o) => o.kind === 'StatefulSet') as { spec: { replicas: number } } | undefined;
    expect(statefulSet?.spec.replicas).toBe(12);
    expect(full.create).toEqual([]);
  });
});

describe('decide: objects that are not the workspace’s', () => {
  test('a conflict is reported on ResourceReady and WorkspaceReady; nothing is created or applied', () => {
    const d = decide(
      observe(stored(INFERENCE), {
        conflicts: [
          { kind: 'Service', name: 'workspace-phi-3-mini' },
          { kind: 'ConfigMap', name: 'workspace-phi-3-mini-inference-config', owner: 'workspace other' },
        ],
      }),
      { provisioner: 'gpu-provisioner', now: NOW },
    );
    expect([d.create, d.apply, d.delete]).toEqual([[], [], []]);
    const message =
      "Service workspace-phi-3-mini exists and is not this workspace's (no owner reference to it, no kaito.sh/workspace label naming it): it is left as it is; " +
      "ConfigMap workspace-phi-3-mini-inference-config exists and is not this workspace's (it belongs to workspace other): it is left as it is; " +
      'delete or rename it, or give the workspace another name';
    expect(d.status?.conditions).toEqual([
      {
        type: 'ResourceReady',
        status: 'False',
        reason: 'ObjectConflict',
        message,
        observedGeneration: 1,
        lastTransitionTime: NOW,
      },
      {
        type: 'WorkspaceReady',
        status: 'False',
        reason: 'ObjectConflict',
        message,
        observedGeneration: 1,
        lastTransitionTime: NOW,
      },
    ]);
    expect(d.status?.state).toBe('Pending');
    // One Warning for the reason both conditions carry.
    expect(d.events.map((e) => [e.type, e.reason])).toEqual([['Warning', 'ObjectConflict']]);
  });

  test('every decision names the namespaced objects the workspace will own, for the check', () => {
    const d = decide(observe(stored(INFERENCE)), { provisioner: 'gpu-provisioner', now: NOW });
    expect(d.objects?.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/workspace-phi-3-mini-inference-config',
      'Service/workspace-phi-3-mini',
      'Service/workspace-phi-3-mini-headless',
      'StatefulSet/workspace-phi-3-mini',
    ]);
  });
});

describe('decide: a workspace that makes deciding throw', () => {
  test.each([['conditions that are not a list', { ...stored(INFERENCE), status: { conditions: 'bad' } }]])(
    '%s: ResourceReady False ReconcileError, nothing done',
    (_what, workspace) => {
      const { decision, error } = decideOrFail(observe(workspace as RawObject), {
        provisioner: 'gpu-provisioner',
        now: NOW,
      });
      expect(error).toBeInstanceOf(Error);
      expect([decision.finalizer, decision.create, decision.apply, decision.delete]).toEqual(['keep', [], [], []]);
      expect(conditionsOf(decision.status)).toEqual({
        ResourceReady: ['False', 'ReconcileError'],
        WorkspaceReady: ['False', 'ReconcileError'],
      });
      expect(decision.status?.conditions?.[0]?.message).toMatch(/^could not reconcile this workspace: TypeError: /);
    },
  );

  test('the message of a huge error is bounded', () => {
    const { decision } = decideOrFail(observe(stored(INFERENCE)), {
      provisioner: 'gpu-provisioner',
      now: NOW,
      get registry(): string {
        throw new Error('x'.repeat(40_000));
      },
    });
    const message = decision.status?.conditions?.[0]?.message ?? '';
    expect(Buffer.byteLength(message)).toBe(32_768);
    expect(message.endsWith('… [truncated: 40043 bytes in all]')).toBe(true);
  });
});

describe('decide: karpenter-nodepool provisioner', () => {
  const OPTIONS = { provisioner: 'karpenter-nodepool', now: NOW } as const;
  const POOL = 'default-workspace-phi-3-mini';
  const poolLabels = {
    'karpenter.kaito.sh/managed-by': 'kaito',
    'karpenter.kaito.sh/workspace-name': 'workspace-phi-3-mini',
    'karpenter.kaito.sh/workspace-namespace': 'default',
  };
  const livePool = (replicas: number, deleting = false): RawObject => ({
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: POOL, labels: poolLabels, ...(deleting ? { deletionTimestamp: NOW } : {}) },
    spec: { replicas },
  });
  const poolNode = node('kwok-0', {
    'node.kubernetes.io/instance-type': 'Standard_NC6s_v3',
    'karpenter.kaito.sh/workspace-name': 'workspace-phi-3-mini',
    'karpenter.kaito.sh/workspace-namespace': 'default',
  });
  const READY = [{ type: 'Ready', status: 'True' }];

  test('first pass: the NodePool (of the default AKS node class) is applied, no NodeClaim is created', () => {
    const d = decide(observe(stored(INFERENCE)), OPTIONS);
    expect([d.create, d.apply, d.delete]).toEqual([[], [], []]);
    expect(d.provision?.map((o) => [o.kind, o.metadata.name, (o.spec as { replicas: number }).replicas])).toEqual([
      ['NodePool', POOL, 1],
    ]);
    const template = (d.provision![0]!.spec as { template: { spec: { nodeClassRef: unknown } } }).template;
    expect(template.spec.nodeClassRef).toEqual({ group: 'karpenter.azure.com', kind: 'AKSNodeClass', name: 'default' });
    expect(conditionsOf(d.status).NodeClaimReady).toEqual(['False', 'NodeClaimNotReady']);
  });

  test("Karpenter's claim Ready and its node up: the workload is applied, the pool stays as it is", () => {
    const d = decide(
      observe(stored(INFERENCE), {
        nodePool: livePool(1),
        nodeClaims: [claim('default-workspace-phi-3-mini-abcde', READY, 'kwok-0')],
        nodes: [poolNode],
      }),
      OPTIONS,
    );
    expect(conditionsOf(d.status).ResourceReady).toEqual(['True', 'workspaceResourceStatusSuccess']);
    expect(d.apply.map((o) => o.kind)).toEqual(['ConfigMap', 'Service', 'Service', 'StatefulSet']);
    expect((d.provision![0]!.spec as { replicas: number }).replicas).toBe(1);
    expect(d.status?.workerNodes).toEqual(['kwok-0']);
  });

  test('never shrinks a pool: replicas stay at the larger live count', () => {
    const d = decide(observe(stored(INFERENCE), { nodePool: livePool(3) }), OPTIONS);
    expect((d.provision![0]!.spec as { replicas: number }).replicas).toBe(3);
  });

  test('a NodePool name taken by another workspace: nothing is provisioned, ObjectConflict', () => {
    const d = decide(
      observe(stored(INFERENCE), {
        conflicts: [{ kind: 'NodePool', name: POOL, owner: 'workspace default-workspace/phi-3-mini' }],
      }),
      OPTIONS,
    );
    expect([d.create, d.provision, d.apply]).toEqual([[], undefined, []]);
    expect(conditionsOf(d.status).ResourceReady).toEqual(['False', 'ObjectConflict']);
  });

  test('deletion: the NodePool first (not its claims), then claims left once it goes, then the finalizer', () => {
    const deleting = stored(INFERENCE, { deleting: true });
    const claims = [claim('c-1', READY, 'kwok-0')];
    const first = decide(observe(deleting, { nodePool: livePool(1), nodeClaims: claims }), OPTIONS);
    expect([first.finalizer, first.delete]).toEqual([
      'keep',
      [{ apiVersion: 'karpenter.sh/v1', kind: 'NodePool', name: POOL }],
    ]);
    expect(first.status?.conditions?.find((c) => c.type === 'WorkspaceDeleting')?.message).toBe(
      `waiting for NodePool ${POOL} and 1 node claim(s) to go`,
    );
    const going = decide(observe(deleting, { nodePool: livePool(1, true), nodeClaims: claims }), OPTIONS);
    expect([going.finalizer, going.delete]).toEqual([
      'keep',
      [{ apiVersion: 'karpenter.sh/v1', kind: 'NodeClaim', name: 'c-1' }],
    ]);
    const poolOnly = decide(observe(deleting, { nodePool: livePool(1, true) }), OPTIONS);
    expect([poolOnly.finalizer, poolOnly.delete]).toEqual(['keep', []]);
    expect(decide(observe(deleting), OPTIONS).finalizer).toBe('remove');
  });
});
