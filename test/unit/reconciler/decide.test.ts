import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { WorkspaceStatus } from '../../../src/api';
import { nodeClaimName } from '../../../src/render';
import { decide, WORKSPACE_FINALIZER, type Observation } from '../../../src/reconciler/decide';
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
    expect(d.events.map((e) => [e.type, e.reason])).toEqual([
      ['Normal', 'NodeClaimNotReady'],
      ['Normal', 'workspaceResourceStatusNotReady'],
      ['Normal', 'WorkspaceInferenceStatusPending'],
      ['Normal', 'workspacePending'],
      ['Normal', 'NodeClaimNotReady'],
    ]);
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
    expect(d.events).toContainEqual({
      type: 'Warning',
      reason: 'ContainerCrashLoopBackOff',
      message: `InferenceReady is False: ${inference?.message}`,
    });
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
