import type { RunningReconciler } from '../../../src/reconciler/manager';
import { parseWorkspace } from '../../../src/api';
import { planWorkspace } from '../../../src/plan';
import { nodePoolName, renderWorkspace } from '../../../src/render';
import { apiPath, type KubeObject } from '../support';
import {
  CapturedLog,
  createNamespace,
  createWorkspace,
  seed,
  waitForCondition,
  workspaceEvents,
} from '../reconciler/support/cluster';
import { admin, childrenOf, gone, installWorkspaceCrd, podsOf, startReconciler, workspacePath } from './support';

/*
 * The karpenter-nodepool provisioner on the whole control plane: the reconciler applies one NodePool of
 * static replicas per workspace, real Karpenter (StaticCapacity on, kwok provider) makes its NodeClaims and
 * nodes, the scheduler binds the pods there; deleting the workspace takes the pool, its claims and nodes.
 */

let namespace: string;
let reconciler: RunningReconciler;
const log = new CapturedLog();

beforeAll(async () => {
  await installWorkspaceCrd();
  namespace = await createNamespace('cp-nodepool');
  reconciler = await startReconciler(namespace, { provisioner: 'karpenter-nodepool', log: log.logger });
});

afterAll(async () => {
  // The waiting bring-your-own workload would take any free GPU node a later suite makes.
  await admin.delete(apiPath('apps/v1', 'statefulsets', { namespace, name: 'byo-waiting' })).catch(() => undefined);
  await reconciler?.stop();
});

interface Pool {
  metadata: { labels?: Record<string, string> };
  spec: { replicas: number; template: { spec: { nodeClassRef: Record<string, string> } } };
}

const byPool = (pool: string) => ({ labelSelector: `karpenter.sh/nodepool=${pool}` });

async function claimsOf(pool: string) {
  const list = await admin.list<{
    metadata: { name: string; labels: Record<string, string> };
    status?: { nodeName?: string; conditions?: Array<{ type: string; status: string }> };
  }>(apiPath('karpenter.sh/v1', 'nodeclaims'), byPool(pool));
  return list.body.items;
}

async function nodesOfPool(pool: string) {
  const list = await admin.list<{ metadata: { name: string; labels: Record<string, string> } }>(
    '/api/v1/nodes',
    byPool(pool),
  );
  return list.body.items;
}

describe('karpenter-nodepool on a real control plane (Karpenter with StaticCapacity)', () => {
  const name = 'phi-3-mini-inference';
  const pool = () => nodePoolName(namespace, name);

  test('a seed workspace becomes Ready, its pod on a node Karpenter launched for its NodePool', async () => {
    // A bring-your-own workload with the same selector (apps: phi-3), rendered by `kaito render`, is already
    // waiting for a node: the pool's node is not for it (it carries only Kaito's NodePool labels).
    const byoWs = {
      ...parseWorkspace(seed(`${name}.yaml`, 'byo-waiting')),
      resource: { labelSelector: { matchLabels: { apps: 'phi-3' } } },
    };
    const byo = renderWorkspace({ ...byoWs, metadata: { ...byoWs.metadata, namespace } }, planWorkspace(byoWs), {
      nodeProvisioner: 'byo',
    }).find((o) => o.kind === 'StatefulSet')!;
    await admin.create(apiPath('apps/v1', 'statefulsets', { namespace }), byo);
    await admin.waitFor(async () => (await podsOf(namespace, 'byo-waiting')).length === 1, 60_000);
    await createWorkspace(namespace, seed(`${name}.yaml`, name));
    await waitForCondition(namespace, name, 'WorkspaceReady', 'True', undefined, 100_000).catch(async (e: unknown) => {
      const ws = await admin.get<{ status?: unknown }>(workspacePath(namespace, name));
      console.error(
        JSON.stringify(
          {
            status: ws.body.status,
            claims: await claimsOf(pool()),
            nodes: await nodesOfPool(pool()),
            log: log.lines.slice(-80),
          },
          null,
          1,
        ),
      );
      throw e;
    });
    const np = await admin.get<Pool>(apiPath('karpenter.sh/v1', 'nodepools', { name: pool() }));
    expect([np.body.spec.replicas, np.body.spec.template.spec.nodeClassRef, np.body.metadata.labels]).toEqual([
      1,
      { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' },
      {
        'karpenter.kaito.sh/managed-by': 'kaito',
        'karpenter.kaito.sh/workspace-name': name,
        'karpenter.kaito.sh/workspace-namespace': namespace,
      },
    ]);
    const claims = await claimsOf(pool());
    expect(claims).toHaveLength(1);
    expect(claims[0]!.metadata.labels['karpenter.kaito.sh/workspace-name']).toBe(name);
    const nodes = await nodesOfPool(pool());
    expect(nodes.map((n) => n.metadata.name)).toEqual([claims[0]!.status?.nodeName]);
    expect(nodes[0]!.metadata.labels['node.kubernetes.io/instance-type']).toBe('Standard_NC6s_v3');
    const pods = await podsOf(namespace, name);
    expect(pods.map((p) => p.nodeName)).toEqual([nodes[0]!.metadata.name]);
    expect((await podsOf(namespace, 'byo-waiting')).map((p) => p.nodeName)).toEqual([undefined]);
    // Applying the pool is logged, becoming Ready is the status: no event.
    expect(await workspaceEvents(namespace, name)).toEqual([]);
  });

  test('two planned nodes (resource.count is immutable, so no resize): replicas 2, one pod on each node', async () => {
    const two = 'two-nodes';
    await createWorkspace(namespace, {
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: { name: two },
      resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'qwen' } } },
      inference: { preset: { name: 'qwen2.5-coder-7b-instruct' } },
    } as KubeObject);
    await waitForCondition(namespace, two, 'WorkspaceReady', 'True', undefined, 120_000);
    const twoPool = nodePoolName(namespace, two);
    const np = await admin.get<Pool>(apiPath('karpenter.sh/v1', 'nodepools', { name: twoPool }));
    expect(np.body.spec.replicas).toBe(2);
    const nodes = (await nodesOfPool(twoPool)).map((n) => n.metadata.name).sort();
    expect(nodes).toHaveLength(2);
    expect((await podsOf(namespace, two)).map((p) => p.nodeName).sort()).toEqual(nodes);
    await admin.delete(workspacePath(namespace, two));
    await admin.waitFor(() => gone(workspacePath(namespace, two)), 90_000);
    await admin.waitFor(async () => (await nodesOfPool(twoPool)).length === 0, 60_000);
    expect([await gone(apiPath('karpenter.sh/v1', 'nodepools', { name: twoPool })), await claimsOf(twoPool)]).toEqual([
      true,
      [],
    ]);
  });

  test('deleting the workspace removes its NodePool, its NodeClaims, nodes and children: no orphan', async () => {
    expect((await childrenOf(namespace, name)).length).toBeGreaterThan(2);
    await admin.delete(workspacePath(namespace, name));
    await admin.waitFor(() => gone(workspacePath(namespace, name)), 90_000);
    expect(await gone(apiPath('karpenter.sh/v1', 'nodepools', { name: pool() }))).toBe(true);
    await admin.waitFor(async () => (await claimsOf(pool())).length === 0, 60_000);
    await admin.waitFor(async () => (await nodesOfPool(pool())).length === 0, 60_000);
    await admin.waitFor(async () => (await childrenOf(namespace, name)).length === 0, 60_000);
    expect([await claimsOf(pool()), await nodesOfPool(pool()), await childrenOf(namespace, name)]).toEqual([
      [],
      [],
      [],
    ]);
  });
});
