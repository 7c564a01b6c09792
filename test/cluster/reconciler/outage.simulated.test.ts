import type { RunningReconciler } from '../../../src/reconciler/manager';
import {
  CapturedLog,
  admin,
  adminApi,
  adminConnection,
  createNamespace,
  createWorkspace,
  installCrds,
  seed,
  startInProcess,
  waitForCondition,
} from './support/cluster';
import { FaultyProxy } from './support/proxy';
import { Simulator } from './support/simulator';

/**
 * The API server goes away under a running reconciler, and its connections stall. The test cluster has no
 * command to restart kube-apiserver alone, so a proxy between the reconciler and the API server plays it:
 * every connection drops and new ones are refused for a while (what clients see during a restart), or the
 * open connections silently stop carrying data. The reconciler recovers by itself and converges.
 */

let namespace: string;
let proxy: FaultyProxy;
let reconciler: RunningReconciler;
let simulator: Simulator;
const log = new CapturedLog();

beforeAll(async () => {
  await installCrds();
  namespace = await createNamespace('rec-outage');
  simulator = new Simulator({ api: await adminApi(), namespace });
  await simulator.start();
  const direct = await adminConnection();
  proxy = await FaultyProxy.start(direct.server);
  reconciler = await startInProcess(namespace, {
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
  await reconciler?.stop();
  await proxy?.close();
  await simulator?.stop();
});

const restarts = async (reason: string) =>
  (await reconciler.metrics.watchRestarts.get()).values
    .filter((v) => v.labels.reason === reason)
    .reduce((sum, v) => sum + v.value, 0);

test('the API server is unreachable for a while: watches reconnect, work done meanwhile converges', async () => {
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', 'before'));
  await waitForCondition(namespace, 'before', 'WorkspaceReady', 'True');

  const failedBefore = await restarts('error');
  proxy.cut();
  // Changes while the reconciler cannot see them.
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', 'during'));
  await createWorkspace(namespace, seed('phi-3-mini-4k-qlora-tuning.yaml', 'during-tuning'));
  // It notices: its watches fail and are retried with backoff.
  await admin.waitFor(async () => (await restarts('error')) >= failedBefore + 16, 20_000);
  proxy.restore();

  await waitForCondition(namespace, 'during', 'WorkspaceReady', 'True');
  await waitForCondition(namespace, 'during-tuning', 'WorkspaceReady', 'True');
  expect((await reconciler.metrics.apiRequests.get()).values.some((v) => v.labels.code === '0')).toBe(true);
});

test('open connections stall without closing: watches that go quiet are restarted and catch up', async () => {
  const accepted = proxy.accepted;
  proxy.freeze();
  await createWorkspace(namespace, seed('phi-3-mini-inference-with-adapters.yaml', 'after-stall'));
  await waitForCondition(namespace, 'after-stall', 'WorkspaceReady', 'True', undefined, 60_000);
  expect(await restarts('stalled')).toBeGreaterThan(0);
  expect(proxy.accepted).toBeGreaterThan(accepted);
  expect(simulator.errors).toEqual([]);
});
