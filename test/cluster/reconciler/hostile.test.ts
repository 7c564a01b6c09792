import { renderWorkspaceCrd } from '../../../src/render';
import { MAX_NODE_CREATES_PER_PASS } from '../../../src/reconciler/decide';
import type { RunningReconciler } from '../../../src/reconciler/manager';
import type { KubeObject } from '../support';
import {
  admin,
  deleteNamespaceAndWait,
  installWorkspaceCrd,
  nodeClaimsOf,
  nodesOf,
  startReconciler,
} from '../control-plane/support';
import {
  conditions,
  createNamespace,
  createWorkspace,
  nodeClaimNames,
  seed,
  waitForCondition,
  waitForEvent,
} from './support/cluster';

/**
 * Workspaces that try to take more than their share, on the whole control plane: a huge node count beside a
 * good workspace, and names taken by objects that are not the workspace's. The good workspace goes Ready;
 * the foreign objects are left as they were. The huge workspaces are named `fault-notready-…`: Karpenter
 * launches their nodes and KWOK never makes them Ready (test/cluster/kwok/stages.yaml), as when the cloud's
 * nodes never initialize, so their claims stay in flight.
 */

let namespace: string;
let reconciler: RunningReconciler;

beforeAll(async () => {
  await installWorkspaceCrd();
  namespace = await createNamespace('rec-hostile');
  reconciler = await startReconciler(namespace);
});

afterAll(async () => {
  await deleteNamespaceAndWait(namespace, reconciler);
  await reconciler?.stop();
});

/** The largest `resource.count` the CRD stores (100000 while its schema sets no maximum). */
function hugeCount(): number {
  const crd = renderWorkspaceCrd() as unknown as {
    spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: Record<string, unknown> } }> };
  };
  const schema = crd.spec.versions.find((v) => v.name === 'v1beta1')!.schema.openAPIV3Schema as {
    properties: { resource: { properties: { count: { maximum?: number } } } };
  };
  return schema.properties.resource.properties.count.maximum ?? 100_000;
}

test(`a workspace with count ${hugeCount()} (the schema's largest, or 100000 without one) beside a good one: the good one is Ready, the huge one has ${MAX_NODE_CREATES_PER_PASS} NodeClaims in flight`, async () => {
  const count = hugeCount();
  const name = 'fault-notready-huge';
  const huge = seed('phi-3-mini-inference.yaml', name);
  await createWorkspace(namespace, { ...huge, resource: { ...(huge.resource as object), count } });
  await admin.waitFor(async () => (await nodeClaimNames(namespace, name)).length === MAX_NODE_CREATES_PER_PASS, 30_000);
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', 'good'));
  await waitForCondition(namespace, 'good', 'WorkspaceReady', 'True', undefined, 120_000);

  const all = await conditions(namespace, name);
  expect([all.ResourceReady?.status, all.ResourceReady?.reason]).toEqual(['False', 'workspaceResourceStatusNotReady']);
  expect(all.NodeClaimReady?.message).toBe(`0/${count} node claims are ready`);
  // Karpenter launched them, their nodes registered and never became Ready: no more claims were created.
  const claims = await admin.waitFor(async () => {
    const all = await nodeClaimsOf(namespace, name);
    return all.every((c) => c.conditions.Registered === 'True') && all;
  }, 60_000);
  expect(claims).toHaveLength(MAX_NODE_CREATES_PER_PASS);
  expect((await nodesOf(namespace, name)).map((n) => n.name).sort()).toEqual(claims.map((c) => c.nodeName).sort());
  expect(claims.filter((c) => c.conditions.Ready === 'True')).toEqual([]);
  expect((await nodesOf(namespace, name)).filter((n) => n.ready === 'True')).toEqual([]);
});

/** Objects of a workspace's names made by someone else: a Service, a ConfigMap, a StatefulSet. */
const FOREIGN: Array<[string, string, (name: string) => KubeObject]> = [
  [
    'Service',
    '/api/v1/namespaces/NS/services',
    (name) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels: { app: 'api' } },
      spec: { type: 'ClusterIP', selector: { app: 'api' }, ports: [{ port: 8443, targetPort: 8443 }] },
    }),
  ],
  [
    'ConfigMap',
    '/api/v1/namespaces/NS/configmaps',
    (name) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${name}-inference-config` },
      data: { 'inference_config.yaml': 'mine: true\n' },
    }),
  ],
  [
    'StatefulSet',
    '/apis/apps/v1/namespaces/NS/statefulsets',
    (name) => ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, labels: { app: 'db' } },
      spec: {
        replicas: 1,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'db', image: 'registry.example/db:1' }] },
        },
      },
    }),
  ],
];

/** An object without its status and without what the controller-manager's status writes change. */
function untouched(object: KubeObject): object {
  const { status: _status, metadata, ...rest } = object as KubeObject & { status?: unknown };
  const { resourceVersion: _rv, managedFields, ...meta } = metadata ?? {};
  const fields = (managedFields ?? []) as Array<{ manager: string; operation: string; subresource?: string }>;
  const writers = fields.filter((f) => f.subresource !== 'status').map((f) => `${f.manager} ${f.operation}`);
  return { ...rest, metadata: meta, writers };
}

test.each(FOREIGN)(
  'a %s of the same name that is not the workspace’s: refused with ObjectConflict, the object untouched, no NodeClaim',
  async (kind, collection, make) => {
    const name = `taken-${kind.toLowerCase()}`;
    const object = make(name);
    const path = collection.replace('NS', namespace);
    const before = (await admin.create<KubeObject>(path, object)).body;
    await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', name));

    const refused = await waitForCondition(namespace, name, 'ResourceReady', 'False', 'ObjectConflict');
    expect(refused.message).toBe(
      `${kind} ${object.metadata!.name} exists and is not this workspace's (no owner reference to it, no kaito.sh/workspace label naming it): it is left as it is; delete or rename it, or give the workspace another name`,
    );
    expect((await conditions(namespace, name)).WorkspaceReady?.reason).toBe('ObjectConflict');
    await waitForEvent(namespace, name, {
      type: 'Warning',
      reason: 'ObjectConflict',
      message: `ResourceReady is False: ${refused.message}`,
    });
    // Retried with backoff: give it a few more passes.
    await new Promise((r) => setTimeout(r, 1500));
    const after = (await admin.get<KubeObject>(`${path}/${object.metadata!.name}`)).body;
    // What the owner wrote is as it was; only the controller-manager writes a StatefulSet's status.
    expect(untouched(after)).toEqual(untouched(before));
    expect(await nodeClaimNames(namespace, name)).toEqual([]);
  },
);

test('once the foreign object is gone, the workspace proceeds', async () => {
  const name = 'taken-later';
  const path = `/api/v1/namespaces/${namespace}/services`;
  await admin.create(path, { metadata: { name }, spec: { ports: [{ port: 80 }] } });
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', name));
  await waitForCondition(namespace, name, 'ResourceReady', 'False', 'ObjectConflict');
  await admin.delete(`${path}/${name}`);
  await waitForCondition(namespace, name, 'WorkspaceReady', 'True', undefined, 90_000);
  const service = await admin.get<KubeObject>(`${path}/${name}`);
  expect(service.body.metadata?.labels?.['kaito.sh/workspace']).toBe(name);
});

test('a workspace with count 1e15 stored before any maximum: its status is written, with 10 NodeClaims at most', async () => {
  const name = 'fault-notready-huger';
  const huge = seed('phi-3-mini-inference.yaml', name);
  const created = await admin
    .create(`/apis/kaito.sh/v1alpha1/namespaces/${namespace}/workspaces`, {
      ...huge,
      resource: { ...(huge.resource as object), count: 1e15 },
    })
    .then(
      () => true,
      () => false,
    );
  if (!created) return; // the schema has a maximum: the API server refuses it, which is the point
  const ready = await waitForCondition(namespace, name, 'NodeClaimReady', 'False');
  expect(ready.message).toBe('0/1000000000000000 node claims are ready');
  expect(await nodeClaimNames(namespace, name)).toHaveLength(MAX_NODE_CREATES_PER_PASS);
});
