import { nodeClaimName } from '../../../src/render';
import type { Workspace } from '../../../src/api';
import type { RunningReconciler } from '../../../src/reconciler/manager';
import {
  admin,
  adminApi,
  createNamespace,
  createWorkspace,
  installCrds,
  nodeClaimNames,
  seed,
  startInProcess,
  waitForCondition,
} from './support/cluster';
import { spawnReconciler } from './support/child';
import { Simulator } from './support/simulator';

/**
 * Restarts and concurrency never make more NodeClaims than planned: claim names are deterministic and
 * counts come from the API server's state, so a reconciler killed mid-flight, or two running at once,
 * leave exactly the planned claims.
 */

let namespace: string;
let simulator: Simulator;
const COUNT = 8;

/** A two-node workspace (phi-3-mini with count 2). */
function twoNodes(name: string) {
  const ws = seed('phi-3-mini-inference.yaml', name);
  return { ...ws, resource: { ...(ws.resource as object), count: 2 } };
}

const claimsOf = (name: string) =>
  [0, 1].map((i) => nodeClaimName({ metadata: { name, namespace } } as Workspace, i)).sort();

beforeAll(async () => {
  await installCrds();
  namespace = await createNamespace('rec-restart');
  // Claims wait, as if the cloud were slow: the reconciler is restarted while they are pending.
  simulator = new Simulator({ api: await adminApi(), namespace, fulfilClaims: false });
  await simulator.start();
});

afterAll(async () => {
  await simulator?.stop();
});

test('a reconciler killed mid-flight (SIGKILL) and started again makes no duplicate NodeClaims', async () => {
  const names = Array.from({ length: COUNT }, (_, i) => `killed-${i}`);
  const first = spawnReconciler([`--namespace=${namespace}`]);
  await first.waitForLog((l) => l.msg === 'workers started');
  await Promise.all(names.map((n) => createWorkspace(namespace, twoNodes(n))));
  // Kill it as soon as it has created some claims, before it can have finished.
  await admin.waitFor(async () => (await nodeClaimNames(namespace, names[0]!)).length > 0, 30_000);
  first.process.kill('SIGKILL');
  expect((await first.exited).signal).toBe('SIGKILL');

  const second = spawnReconciler([`--namespace=${namespace}`]);
  try {
    await second.waitForLog((l) => l.msg === 'workers started');
    for (const n of names) {
      await admin.waitFor(async () => (await nodeClaimNames(namespace, n)).length === 2, 30_000);
    }
    simulator.release();
    for (const n of names) await waitForCondition(namespace, n, 'WorkspaceReady', 'True', undefined, 60_000);
    for (const n of names) expect(await nodeClaimNames(namespace, n)).toEqual(claimsOf(n));
    expect(second.lines.filter((l) => l.level === 'error')).toEqual([]);
  } finally {
    second.process.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  }
});

test('two reconcilers at once (no leader election) still make exactly the planned NodeClaims', async () => {
  const names = Array.from({ length: COUNT }, (_, i) => `twice-${i}`);
  const running: RunningReconciler[] = [await startInProcess(namespace), await startInProcess(namespace)];
  try {
    await Promise.all(names.map((n) => createWorkspace(namespace, twoNodes(n))));
    for (const n of names) await waitForCondition(namespace, n, 'WorkspaceReady', 'True', undefined, 60_000);
    for (const n of names) expect(await nodeClaimNames(namespace, n)).toEqual(claimsOf(n));
    // Both worked on them.
    for (const r of running) expect(await r.metrics.reconcileCount()).toBeGreaterThan(0);
  } finally {
    await Promise.all(running.map((r) => r.stop()));
  }
  expect(simulator.errors).toEqual([]);
});
