import type { RunningReconciler } from '../../../src/reconciler/manager';
import { admin, deleteNamespaceAndWait, installWorkspaceCrd, startReconciler } from '../control-plane/support';
import {
  CapturedLog,
  adminConnection,
  createNamespace,
  createWorkspace,
  seed,
  waitForCondition,
} from './support/cluster';
import { FaultyProxy } from './support/proxy';

/**
 * The network between the reconciler and the API server fails, on the whole control plane: a proxy between
 * them drops every connection and refuses new ones for a while (the partition a client sees, while the rest
 * of the cluster goes on), or the open connections silently stop carrying data (a stalled watch). The
 * reconciler recovers by itself and converges. The real API server restart is in control-plane/faults.
 */

let namespace: string;
let proxy: FaultyProxy;
let reconciler: RunningReconciler;
const log = new CapturedLog();

beforeAll(async () => {
  await installWorkspaceCrd();
  namespace = await createNamespace('rec-outage');
  const direct = await adminConnection();
  proxy = await FaultyProxy.start(direct.server);
  reconciler = await startReconciler(namespace, {
    connection: { ...direct, server: proxy.url },
    log: log.logger,
    watchIdleTimeoutMs: 3000,
    requestTimeoutMs: 3000,
    watchBackoff: { initialMs: 100, maxMs: 1000 },
    retry: { baseDelayMs: 100, maxDelayMs: 1000 },
  });
  await reconciler.controller.waitForSync();
});

afterAll(async () => {
  proxy?.restore();
  await deleteNamespaceAndWait(namespace, reconciler);
  await reconciler?.stop();
  await proxy?.close();
});

const restarts = async (reason: string) =>
  reconciler.metrics.watchRestarts
    .values()
    .filter((v) => v.labels.reason === reason)
    .reduce((sum, v) => sum + v.value, 0);

test('the API server is unreachable for a while: watches reconnect, work done meanwhile converges', async () => {
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', 'before'));
  await waitForCondition(namespace, 'before', 'WorkspaceReady', 'True', undefined, 120_000);

  const failedBefore = await restarts('error');
  proxy.cut();
  // Changes while the reconciler cannot see them.
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', 'during'));
  await createWorkspace(namespace, seed('phi-3-mini-4k-qlora-tuning.yaml', 'during-tuning'));
  // It notices: its watches fail and are retried with backoff.
  await admin.waitFor(async () => (await restarts('error')) >= failedBefore + 16, 20_000);
  proxy.restore();

  await waitForCondition(namespace, 'during', 'WorkspaceReady', 'True', undefined, 120_000);
  await waitForCondition(namespace, 'during-tuning', 'WorkspaceReady', 'True', undefined, 120_000);
  expect(reconciler.metrics.apiRequests.values().some((v) => v.labels.code === '0')).toBe(true);
});

test('open connections stall without closing: watches that go quiet are restarted and catch up', async () => {
  const accepted = proxy.accepted;
  proxy.freeze();
  await createWorkspace(namespace, seed('phi-3-mini-inference-with-adapters.yaml', 'after-stall'));
  await waitForCondition(namespace, 'after-stall', 'WorkspaceReady', 'True', undefined, 120_000);
  expect(await restarts('stalled')).toBeGreaterThan(0);
  expect(proxy.accepted).toBeGreaterThan(accepted);
});
