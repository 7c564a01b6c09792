import { admin, deleteNamespaceAndWait, installWorkspaceCrd } from '../control-plane/support';
import { createNamespace, createWorkspace, seed, waitForCondition } from './support/cluster';
import { localGet, metricValue, spawnReconciler, type ChildReconciler } from './support/child';

/**
 * Two replicas of the `kaito-reconciler` command with leader election: exactly one reconciles; when it is
 * killed, the other takes over within the lease duration; on SIGTERM the leader releases the lease and a
 * standby takes over at once; the command exits 0.
 */

const LEASE = 'kaito-reconciler';
const LEASE_MS = 4000;
const RETRY_MS = 500;

let namespace: string;
const children: ChildReconciler[] = [];

function replica(): ChildReconciler {
  const child = spawnReconciler([
    `--namespace=${namespace}`,
    '--node-provisioner=karpenter',
    '--node-class=karpenter.kwok.sh/KWOKNodeClass/default',
    '--leader-elect',
    `--leader-election-namespace=${namespace}`,
    `--leader-elect-lease-duration=${LEASE_MS}ms`,
    '--leader-elect-renew-deadline=3s',
    `--leader-elect-retry-period=${RETRY_MS}ms`,
  ]);
  children.push(child);
  return child;
}

const identityOf = async (child: ChildReconciler) =>
  String((await child.waitForLog((l) => l.msg === 'starting')).identity);
const becameLeader = (child: ChildReconciler, timeoutMs?: number) =>
  child.waitForLog((l) => l.msg === 'became the leader', timeoutMs);
const holder = async () =>
  (
    await admin.get<{ spec: { holderIdentity?: string } }>(
      `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${LEASE}`,
    )
  ).body.spec.holderIdentity;
const metrics = async (child: ChildReconciler) => (await localGet((await child.ports()).metrics, '/metrics')).body;

beforeAll(async () => {
  await installWorkspaceCrd();
  namespace = await createNamespace('rec-leader');
});

afterAll(async () => {
  for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  await deleteNamespaceAndWait(namespace);
});

test('one replica leads and reconciles, the standby waits; a killed leader is replaced within the lease duration; SIGTERM hands over at once', async () => {
  const a = replica();
  await becameLeader(a);
  const b = replica();
  await b.waitForLog((l) => l.msg === 'waiting for the leader lease');
  await b.waitForLog((l) => l.msg === 'caches synced');
  expect(await holder()).toBe(await identityOf(a));

  // The standby is alive and ready (warm caches) but does no work.
  const bPorts = await b.ports();
  expect(await localGet(bPorts.health, '/healthz')).toEqual({ status: 200, body: 'ok' });
  expect(await localGet(bPorts.health, '/readyz')).toEqual({ status: 200, body: 'ok' });
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', 'first'));
  await waitForCondition(namespace, 'first', 'WorkspaceReady', 'True', undefined, 120_000);
  expect(metricValue(await metrics(a), 'kaito_leader')).toBe(1);
  expect(metricValue(await metrics(a), 'kaito_reconcile_total', 'result="success"')).toBeGreaterThan(0);
  expect(metricValue(await metrics(b), 'kaito_leader')).toBe(0);
  expect(metricValue(await metrics(b), 'kaito_reconcile_total', 'result="success"')).toBe(0);
  expect(b.lines.some((l) => l.msg === 'workers started')).toBe(false);

  // The leader dies without releasing the lease: the standby takes over once the lease runs out.
  const killed = Date.now();
  a.process.kill('SIGKILL');
  await becameLeader(b, 15_000);
  const takeover = Date.now() - killed;
  expect(takeover).toBeLessThanOrEqual(LEASE_MS + 2 * RETRY_MS + 1000);
  expect(await holder()).toBe(await identityOf(b));
  await createWorkspace(namespace, seed('phi-3-mini-4k-qlora-tuning.yaml', 'second'));
  await waitForCondition(namespace, 'second', 'WorkspaceReady', 'True', undefined, 120_000);

  // SIGTERM: the leader finishes, releases the lease and exits 0; a standby takes over at once.
  const c = replica();
  await c.waitForLog((l) => l.msg === 'waiting for the leader lease');
  const terminated = Date.now();
  b.process.kill('SIGTERM');
  expect(await b.exited).toEqual({ code: 0, signal: null });
  expect(b.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['released the leader lease', 'stopped']));
  await becameLeader(c, 10_000);
  expect(Date.now() - terminated).toBeLessThan(LEASE_MS);
  expect(await holder()).toBe(await identityOf(c));

  c.process.kill('SIGTERM');
  expect(await c.exited).toEqual({ code: 0, signal: null });
  expect(await holder()).toBe('');
  for (const child of [a, b, c]) expect(child.lines.filter((l) => l.level === 'error')).toEqual([]);
});
