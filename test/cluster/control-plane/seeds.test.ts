import type { RunningReconciler } from '../../../src/reconciler/manager';
import { apiPath, type KubeObject } from '../support';
import {
  SEEDS,
  createNamespace,
  createWorkspace,
  seed,
  tableRow,
  waitForCondition,
  workspaceEvents,
} from '../reconciler/support/cluster';
import {
  admin,
  childrenOf,
  gone,
  installWorkspaceCrd,
  nodeClaimsOf,
  nodesOf,
  podsOf,
  startReconciler,
  workspacePath,
} from './support';

/*
 * Every seed manifest and a multi-node workspace on the whole control plane: the reconciler creates
 * NodeClaims, Karpenter (kwok provider) launches nodes of the claimed instance type, the controller-manager
 * makes the pods, the scheduler binds them to those GPU nodes, KWOK runs them; deletion goes through
 * Karpenter's termination and the garbage collector.
 */

let namespace: string;
let reconciler: RunningReconciler;

beforeAll(async () => {
  await installWorkspaceCrd();
  namespace = await createNamespace('cp-seeds');
  reconciler = await startReconciler(namespace);
});

afterAll(async () => {
  await reconciler?.stop();
});

const KWOK_CLASS = { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' };
const LAUNCHED = { Launched: 'True', Registered: 'True', Initialized: 'True', Ready: 'True' };

/** Asserts what a Ready workspace of `nodes` nodes with `gpus` GPUs per pod has on the cluster. */
async function expectPlacedOnItsNodes(name: string, nodes: number, gpus: string, tuning: boolean): Promise<void> {
  // Karpenter marks a claim Initialized once its node is Ready and registered, which may trail the workspace.
  const claims = await admin.waitFor(async () => {
    const found = await nodeClaimsOf(namespace, name);
    return found.every((c) => c.conditions.Ready === 'True') && found;
  }, 30_000);
  expect(claims).toHaveLength(nodes);
  for (const c of claims) {
    expect([c.nodeClassRef, c.expireAfter]).toEqual([KWOK_CLASS, 'Never']);
    expect(c.conditions).toMatchObject(LAUNCHED);
  }
  const launched = await nodesOf(namespace, name);
  expect(launched.map((n) => n.name).sort()).toEqual(claims.map((c) => c.nodeName).sort());
  for (const n of launched) {
    expect([n.ready, n.capacityGpus, n.labels['node.kubernetes.io/instance-type']]).toEqual([
      'True',
      '1',
      'Standard_NC6s_v3',
    ]);
  }
  const pods = (await podsOf(namespace, name)).filter((p) => p.phase !== 'Succeeded' || tuning);
  expect(pods).toHaveLength(nodes);
  // Each pod on its own node of this workspace, with the GPUs it asked for.
  expect(pods.map((p) => p.nodeName).sort()).toEqual(launched.map((n) => n.name));
  for (const p of pods) expect(Object.values(p.gpus)).toEqual([gpus]);
  // The workload is applied only once its nodes are initialized, so no pod was ever unschedulable.
  const warnings = await admin.list<{ involvedObject: { name: string }; reason: string; message: string }>(
    apiPath('v1', 'events', { namespace }),
    { fieldSelector: 'involvedObject.kind=Pod,type=Warning' },
  );
  const podNames = new Set(pods.map((p) => p.name));
  expect(
    warnings.body.items.filter((e) => podNames.has(e.involvedObject.name)).map((e) => `${e.reason}: ${e.message}`),
  ).toEqual([]);
}

describe('seed examples on a real control plane (Karpenter, scheduler, controller-manager, KWOK)', () => {
  test.each(SEEDS)('%s: Ready, its pods bound to the GPU nodes Karpenter launched for it', async (file) => {
    const name = file.replace(/\.yaml$/, '');
    const tuning = file.includes('tuning');
    await createWorkspace(namespace, seed(file, name));
    await waitForCondition(namespace, name, 'WorkspaceReady', 'True', undefined, 120_000);
    const row = await tableRow(namespace, name);
    expect([row.Instance, row.ResourceReady, row.InferenceReady, row.WorkspaceReady]).toEqual([
      'Standard_NC6s_v3',
      'True',
      tuning ? null : 'True',
      'True',
    ]);
    await expectPlacedOnItsNodes(name, 1, '1', tuning);
    const ws = await admin.get<{ metadata: { finalizers?: string[] }; status: { state: string } }>(
      workspacePath(namespace, name),
    );
    expect([ws.body.metadata.finalizers, ws.body.status.state]).toEqual([
      ['workspace.finalizer.kaito.sh'],
      tuning ? 'Succeeded' : 'Ready',
    ]);
    // A good life records no event: creating claims and objects is logged, becoming Ready is the status (the
    // reconciler records an event right after the status write it goes with, many requests ago by now).
    expect(await workspaceEvents(namespace, name)).toEqual([]);
    if (tuning) {
      const job = await admin.get<{ status: { succeeded?: number } }>(apiPath('batch/v1', 'jobs', { namespace, name }));
      expect(job.body.status.succeeded).toBe(1);
    }
  });

  test('once converged, events that change nothing make no writes', async () => {
    const writes = reconciler.metrics.writes();
    const reconciles = reconciler.metrics.reconcileCount();
    // An annotation on each workspace: watched, reconciled, nothing to do.
    for (const file of SEEDS) {
      await admin.mergePatch(workspacePath(namespace, file.replace(/\.yaml$/, '')), {
        metadata: { annotations: { 'example.com/touched': 'yes' } },
      });
    }
    await admin.waitFor(async () => reconciler.metrics.reconcileCount() >= reconciles + SEEDS.length, 10_000);
    expect(reconciler.metrics.writes()).toBe(writes);
  });

  test('a two-node workspace (qwen2.5-coder-7b-instruct on Standard_NC6s_v3): one pod on each of its nodes', async () => {
    const name = 'two-nodes';
    await createWorkspace(namespace, {
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: { name },
      resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'qwen' } } },
      inference: { preset: { name: 'qwen2.5-coder-7b-instruct' } },
    } as KubeObject);
    await waitForCondition(namespace, name, 'WorkspaceReady', 'True', undefined, 120_000);
    await expectPlacedOnItsNodes(name, 2, '1', false);
  });

  test('a full GPU node takes no other GPU pod: the scheduler refuses it (Insufficient nvidia.com/gpu)', async () => {
    const [node] = await nodesOf(namespace, 'phi-3-mini-inference');
    expect(node).toBeDefined();
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'one-gpu-too-many' },
      spec: {
        nodeSelector: { 'kubernetes.io/hostname': node!.labels['kubernetes.io/hostname']! },
        tolerations: [{ key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
        containers: [{ name: 'c', image: 'registry.example/cuda:1', resources: { limits: { 'nvidia.com/gpu': '1' } } }],
      },
    };
    await admin.create(apiPath('v1', 'pods', { namespace }), pod);
    const scheduled = await admin.waitFor(async () => {
      const got = await admin.get<{
        status?: { conditions?: Array<{ type: string; reason?: string; message?: string }> };
      }>(apiPath('v1', 'pods', { namespace, name: 'one-gpu-too-many' }));
      return got.body.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable');
    }, 30_000);
    expect(scheduled.message).toContain('Insufficient nvidia.com/gpu');
    await admin.delete(apiPath('v1', 'pods', { namespace, name: 'one-gpu-too-many' }));
  });

  test('deleting a workspace removes its NodeClaims, its nodes and (garbage collector) every child', async () => {
    const name = 'phi-3-mini-inference-with-adapters';
    const nodes = await nodesOf(namespace, name);
    expect(nodes).toHaveLength(1);
    expect((await childrenOf(namespace, name)).length).toBeGreaterThan(2);
    await admin.delete(workspacePath(namespace, name));
    await admin.waitFor(() => gone(workspacePath(namespace, name)), 60_000);
    await admin.waitFor(async () => (await nodeClaimsOf(namespace, name)).length === 0, 60_000);
    await admin.waitFor(async () => (await nodesOf(namespace, name)).length === 0, 60_000);
    await admin.waitFor(async () => (await childrenOf(namespace, name)).length === 0, 60_000);
    expect(await childrenOf(namespace, name)).toEqual([]);
  });

  test('deleting the namespace completes: workspaces, claims, nodes and children all go', async () => {
    const names = [
      'phi-3-mini-inference',
      'two-nodes',
      ...SEEDS.filter((s) => s.includes('tuning')).map((s) => s.replace(/\.yaml$/, '')),
    ];
    await admin.delete(`/api/v1/namespaces/${namespace}`);
    await admin.waitFor(() => gone(`/api/v1/namespaces/${namespace}`), 120_000);
    for (const name of names) {
      expect(await nodeClaimsOf(namespace, name)).toEqual([]);
      expect(await nodesOf(namespace, name)).toEqual([]);
    }
  });
});
