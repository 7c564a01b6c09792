import { nodeClaimName } from '../../../src/render';
import type { Workspace } from '../../../src/api';
import type { RunningReconciler } from '../../../src/reconciler/manager';
import { apiPath } from '../support';
import {
  admin,
  deleteNamespaceAndWait,
  installWorkspaceCrd,
  nodeClaimsOf,
  nodesOf,
  startReconciler,
} from '../control-plane/support';
import { createNamespace, createWorkspace, nodeClaimNames, seed, waitForCondition } from './support/cluster';
import { spawnReconciler } from './support/child';

/**
 * Restarts and concurrency never make more NodeClaims than planned, on the whole control plane: claim names
 * are deterministic and counts come from the API server's state, so a reconciler killed mid-flight, or two
 * running at once, leave exactly the planned claims, each launched by Karpenter as exactly one node.
 */

let namespace: string;
const COUNT = 8;
const KWOK_CLASS = 'karpenter.kwok.sh/KWOKNodeClass/default';

/** A two-node workspace (phi-3-mini with count 2). */
function twoNodes(name: string) {
  const ws = seed('phi-3-mini-inference.yaml', name);
  return { ...ws, resource: { ...(ws.resource as object), count: 2 } };
}

const claimsOf = (name: string) =>
  [0, 1].map((i) => nodeClaimName({ metadata: { name, namespace } } as Workspace, i)).sort();

beforeAll(async () => {
  await installWorkspaceCrd();
  namespace = await createNamespace('rec-restart');
});

afterAll(async () => {
  await deleteNamespaceAndWait(namespace);
});

/** The planned claims of `name`, each backing one node of it. */
async function expectPlannedClaimsAndNodes(name: string): Promise<void> {
  expect(await nodeClaimNames(namespace, name)).toEqual(claimsOf(name));
  const nodes = (await nodesOf(namespace, name)).map((n) => n.name).sort();
  expect(nodes).toEqual((await nodeClaimsOf(namespace, name)).map((c) => c.nodeName).sort());
}

test('a reconciler killed mid-flight (SIGKILL) and started again makes no duplicate NodeClaims', async () => {
  const names = Array.from({ length: COUNT }, (_, i) => `killed-${i}`);
  const args = [`--namespace=${namespace}`, '--node-provisioner=karpenter', `--node-class=${KWOK_CLASS}`];
  const first = spawnReconciler(args);
  await first.waitForLog((l) => l.msg === 'workers started');
  await Promise.all(names.map((n) => createWorkspace(namespace, twoNodes(n))));
  // Kill it as soon as it has created some claims, before it can have finished.
  await admin.waitFor(async () => (await nodeClaimNames(namespace, names[0]!)).length > 0, 30_000);
  first.process.kill('SIGKILL');
  expect((await first.exited).signal).toBe('SIGKILL');

  const second = spawnReconciler(args);
  try {
    await second.waitForLog((l) => l.msg === 'workers started');
    for (const n of names) {
      await admin.waitFor(async () => (await nodeClaimNames(namespace, n)).length === 2, 30_000);
    }
    for (const n of names) await waitForCondition(namespace, n, 'WorkspaceReady', 'True', undefined, 120_000);
    for (const n of names) await expectPlannedClaimsAndNodes(n);
    expect(second.lines.filter((l) => l.level === 'error')).toEqual([]);
  } finally {
    second.process.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  }
});

test('two reconcilers at once (no leader election) still make exactly the planned NodeClaims', async () => {
  const names = Array.from({ length: COUNT }, (_, i) => `twice-${i}`);
  const running: RunningReconciler[] = [await startReconciler(namespace), await startReconciler(namespace)];
  try {
    await Promise.all(names.map((n) => createWorkspace(namespace, twoNodes(n))));
    for (const n of names) await waitForCondition(namespace, n, 'WorkspaceReady', 'True', undefined, 120_000);
    for (const n of names) await expectPlannedClaimsAndNodes(n);
    // Both worked on them.
    for (const r of running) expect(r.metrics.reconcileCount()).toBeGreaterThan(0);
  } finally {
    await Promise.all(running.map((r) => r.stop()));
  }
});

test('restarted once all are Ready, the reconciler applies nothing again but the one object someone else wrote meanwhile', async () => {
  // The two tests above left 16 Ready workspaces. While no reconciler runs, another client annotates one Service.
  const service = apiPath('v1', 'services', { namespace, name: 'killed-0' });
  await admin.apply(
    service,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'killed-0', namespace, annotations: { 'example.com/note': 'x' } },
    },
    { fieldManager: 'someone-else' },
  );
  const writes: string[] = [];
  const restarted = await startReconciler(namespace, {
    onRequest: (r) => void (['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.verb) && writes.push(`${r.verb} ${r.path}`)),
  });
  try {
    await admin.waitFor(async () => restarted.metrics.reconcileCount() >= 2 * COUNT, 30_000);
    await new Promise((r) => setTimeout(r, 3000));
    expect(writes).toEqual([`PATCH ${service}`]);
    const live = await admin.get<{ metadata: { annotations: Record<string, string> } }>(service);
    expect(live.body.metadata.annotations['example.com/note']).toBe('x');
  } finally {
    await restarted.stop();
  }
});
