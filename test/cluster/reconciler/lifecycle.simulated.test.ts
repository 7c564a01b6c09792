import type { RunningReconciler } from '../../../src/reconciler/manager';
import { KubeApiError } from '../support';
import {
  admin,
  adminApi,
  conditions,
  createNamespace,
  createWorkspace,
  installCrds,
  nodeClaimNames,
  seed,
  startInProcess,
  waitForCondition,
  waitForEvent,
  workspacePath,
} from './support/cluster';
import { Simulator } from './support/simulator';

/**
 * A workspace's life beyond the happy path, where the real parts cannot produce it (failed tuning and pods
 * in CrashLoopBackOff run on the real control plane, control-plane/failures.test.ts): tuning that completes
 * on cue, a NodeClaim the cloud cannot launch, and deletion (NodeClaims released first, then the finalizer).
 */

let namespace: string;
let reconciler: RunningReconciler;
let simulator: Simulator;

beforeAll(async () => {
  await installCrds();
  namespace = await createNamespace('rec-life');
  // Workloads become ready or fail on cue only.
  simulator = new Simulator({ api: await adminApi(), namespace, autoReadyWorkloads: false });
  await simulator.start();
  reconciler = await startInProcess(namespace);
});

afterAll(async () => {
  await reconciler?.stop();
  await simulator?.stop();
});

const get = (path: string) => admin.get(path).then((r) => r.body);
const job = (name: string) => get(`/apis/batch/v1/namespaces/${namespace}/jobs/${name}`);

test('tuning that succeeds on cue: pending until its Job completes, then Succeeded', async () => {
  await createWorkspace(namespace, seed('phi-3-mini-128k-qlora-tuning.yaml', 'tuning-ok'));
  const created = await admin.waitFor(() => job('tuning-ok').catch(() => undefined), 30_000);
  await waitForCondition(namespace, 'tuning-ok', 'WorkspaceSucceeded', 'False', 'workspacePending');
  await simulator.completeJob(created);
  await waitForCondition(namespace, 'tuning-ok', 'WorkspaceSucceeded', 'True', 'workspaceSucceeded');
  const ws = await admin.get<{ status: { state: string } }>(workspacePath(namespace, 'tuning-ok'));
  expect(ws.body.status.state).toBe('Succeeded');
});

test('a NodeClaim the cloud cannot launch is surfaced with its reason', async () => {
  const name = 'no-capacity';
  simulator.heldWorkspaces.add(name);
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', name));
  const [claim] = await admin.waitFor(async () => {
    const names = await nodeClaimNames(namespace, name);
    return names.length === 1 && names;
  }, 30_000);
  const message = 'all requested instance types were unavailable during launch';
  await simulator.failClaim(claim!, 'InsufficientCapacity', message);
  const failed = await waitForCondition(namespace, name, 'NodeClaimReady', 'False', 'InsufficientCapacity');
  expect(failed.message).toBe(message);
  const all = await conditions(namespace, name);
  expect([all.ResourceReady?.status, all.ResourceReady?.reason]).toEqual(['False', 'InsufficientCapacity']);
  expect([all.WorkspaceReady?.status, all.WorkspaceReady?.reason]).toEqual(['False', 'InsufficientCapacity']);
  await waitForEvent(namespace, name, {
    type: 'Warning',
    reason: 'InsufficientCapacity',
    message: `NodeClaimReady is False: ${message}`,
  });
});

test('deleting a workspace deletes its NodeClaims, waits for them to go, then removes the finalizer', async () => {
  const name = 'deleted';
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', name));
  const [claim] = await admin.waitFor(async () => {
    const names = await nodeClaimNames(namespace, name);
    return names.length === 1 && names;
  }, 30_000);
  const node = `aks-${claim}-vmss000000`;
  await waitForCondition(namespace, name, 'ResourceReady', 'True');
  // Something else holds the claim too: the workspace must wait for it.
  const claimPath = `/apis/karpenter.sh/v1/nodeclaims/${claim}`;
  const current = await admin.get<{ metadata: { finalizers: string[] } }>(claimPath);
  await admin.mergePatch(claimPath, {
    metadata: { finalizers: [...current.body.metadata.finalizers, 'example.com/hold'] },
  });
  await admin.delete(workspacePath(namespace, name));

  const deleting = await waitForCondition(namespace, name, 'WorkspaceDeleting', 'True', 'workspaceDeleted');
  expect(deleting.message).toBe('waiting for 1 node claim(s) to go');
  const held = await admin.get<{ metadata: { finalizers: string[]; deletionTimestamp?: string } }>(claimPath);
  expect(held.body.metadata.deletionTimestamp).toBeDefined();
  const ws = await admin.get<{ metadata: { finalizers: string[] } }>(workspacePath(namespace, name));
  expect(ws.body.metadata.finalizers).toEqual(['workspace.finalizer.kaito.sh']);

  await admin.waitFor(async () => {
    const c = await admin.get<{ metadata: { finalizers?: string[] } }>(claimPath);
    return (c.body.metadata.finalizers ?? []).join() === 'example.com/hold';
  }, 30_000);
  await admin.mergePatch(claimPath, { metadata: { finalizers: [] } });
  await admin.waitFor(async () => (await nodeClaimNames(namespace, name)).length === 0, 30_000);
  const gone = await admin.waitFor(
    () =>
      admin.get(workspacePath(namespace, name)).then(
        () => false,
        (e: unknown) => e instanceof KubeApiError && e.status === 404,
      ),
    30_000,
  );
  expect(gone).toBe(true);
  await expect(admin.get(`/api/v1/nodes/${node}`)).rejects.toMatchObject({ status: 404 });
  expect(simulator.errors).toEqual([]);
});
