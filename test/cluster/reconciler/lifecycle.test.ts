import { KAITO_NODE_CLASS } from '../../../src/render/node-class';
import type { RunningReconciler } from '../../../src/reconciler/manager';
import {
  admin,
  deleteNamespaceAndWait,
  installWorkspaceCrd,
  nodeClaimsOf,
  nodesOf,
  podsOf,
  releaseHeldPods,
  startReconciler,
} from '../control-plane/support';
import {
  conditions,
  createNamespace,
  createWorkspace,
  gone,
  nodeClaimNames,
  seed,
  waitForCondition,
  waitForEvent,
  workspacePath,
} from './support/cluster';

/**
 * A workspace's life beyond the happy path, on the whole control plane: a tuning run that finishes on cue
 * (KWOK keeps the pods of a `hold-…` workspace running until released), a NodeClaim the cloud cannot launch
 * (played: no real part refuses a launch), and deletion (NodeClaims released first, then the finalizer).
 */

let namespace: string;
let reconciler: RunningReconciler;

beforeAll(async () => {
  await installWorkspaceCrd();
  namespace = await createNamespace('rec-life');
  reconciler = await startReconciler(namespace);
});

afterAll(async () => {
  await deleteNamespaceAndWait(namespace, reconciler);
  await reconciler?.stop();
});

test('tuning that succeeds on cue: pending while its pod runs, Succeeded once the Job completes', async () => {
  const name = 'hold-tuning';
  await createWorkspace(namespace, seed('phi-3-mini-128k-qlora-tuning.yaml', name));
  await admin.waitFor(async () => (await podsOf(namespace, name)).some((p) => p.phase === 'Running'), 120_000);
  await waitForCondition(namespace, name, 'WorkspaceSucceeded', 'False', 'workspacePending');
  // KWOK completes a Job's pod 200 ms after it is Ready; this one it holds.
  await new Promise((r) => setTimeout(r, 2000));
  expect((await podsOf(namespace, name)).map((p) => p.phase)).toEqual(['Running']);
  await releaseHeldPods(namespace, name);
  await waitForCondition(namespace, name, 'WorkspaceSucceeded', 'True', 'workspaceSucceeded', 60_000);
  const ws = await admin.get<{ status: { state: string } }>(workspacePath(namespace, name));
  expect(ws.body.status.state).toBe('Succeeded');
  expect((await podsOf(namespace, name)).map((p) => p.phase)).toEqual(['Succeeded']);
});

describe('a launch the cloud refuses (played by the test: Karpenter kwok launches every claim it manages)', () => {
  let other: string;
  let provisioner: RunningReconciler;
  beforeAll(async () => {
    // Claims of gpu-provisioner's node class, which Karpenter leaves alone: the test answers for the cloud.
    other = await createNamespace('rec-life-refused');
    provisioner = await startReconciler(other, { provisioner: 'gpu-provisioner', nodeClass: KAITO_NODE_CLASS });
  });
  afterAll(async () => {
    await deleteNamespaceAndWait(other, provisioner);
    await provisioner?.stop();
  });

  test('a NodeClaim whose launch failed is surfaced with its reason', async () => {
    const name = 'no-capacity';
    await createWorkspace(other, seed('phi-3-mini-inference.yaml', name));
    const [claim] = await admin.waitFor(async () => {
      const names = await nodeClaimNames(other, name);
      return names.length === 1 && names;
    }, 30_000);
    const message = 'all requested instance types were unavailable during launch';
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await admin.mergePatch(`/apis/karpenter.sh/v1/nodeclaims/${claim!}/status`, {
      status: {
        conditions: [
          { type: 'Launched', status: 'False', reason: 'InsufficientCapacity', message, lastTransitionTime: at },
        ],
      },
    });
    const failed = await waitForCondition(other, name, 'NodeClaimReady', 'False', 'InsufficientCapacity');
    expect(failed.message).toBe(message);
    const all = await conditions(other, name);
    expect([all.ResourceReady?.status, all.ResourceReady?.reason]).toEqual(['False', 'InsufficientCapacity']);
    expect([all.WorkspaceReady?.status, all.WorkspaceReady?.reason]).toEqual(['False', 'InsufficientCapacity']);
    await waitForEvent(other, name, {
      type: 'Warning',
      reason: 'InsufficientCapacity',
      message: `NodeClaimReady is False: ${message}`,
    });
    expect((await nodeClaimsOf(other, name)).map((c) => c.nodeClassRef)).toEqual([KAITO_NODE_CLASS]);
  });
});

test('deleting a workspace deletes its NodeClaims, waits for them to go, then removes the finalizer', async () => {
  const name = 'deleted';
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', name));
  await waitForCondition(namespace, name, 'WorkspaceReady', 'True', undefined, 120_000);
  const [claim] = await nodeClaimsOf(namespace, name);
  const [node] = await nodesOf(namespace, name);
  expect(node!.name).toBe(claim!.nodeName);
  // Something else holds the claim too: the workspace must wait for it.
  const claimPath = `/apis/karpenter.sh/v1/nodeclaims/${claim!.name}`;
  const current = await admin.get<{ metadata: { finalizers: string[] } }>(claimPath);
  expect(current.body.metadata.finalizers).toEqual(['karpenter.sh/termination']);
  await admin.mergePatch(claimPath, {
    metadata: { finalizers: [...current.body.metadata.finalizers, 'example.com/hold'] },
  });
  await admin.delete(workspacePath(namespace, name));

  const deleting = await waitForCondition(namespace, name, 'WorkspaceDeleting', 'True', 'workspaceDeleted');
  expect(deleting.message).toBe('waiting for 1 node claim(s) to go');
  const held = await admin.get<{ metadata: { deletionTimestamp?: string } }>(claimPath);
  expect(held.body.metadata.deletionTimestamp).toBeDefined();
  const ws = await admin.get<{ metadata: { finalizers: string[] } }>(workspacePath(namespace, name));
  expect(ws.body.metadata.finalizers).toEqual(['workspace.finalizer.kaito.sh']);

  // Karpenter terminates the node and drops its own finalizer; ours holds the claim until released.
  await admin.waitFor(async () => {
    const c = await admin.get<{ metadata: { finalizers?: string[] } }>(claimPath);
    return (c.body.metadata.finalizers ?? []).join() === 'example.com/hold';
  }, 60_000);
  await admin.waitFor(() => gone(`/api/v1/nodes/${node!.name}`), 60_000);
  expect(await gone(workspacePath(namespace, name))).toBe(false);
  await admin.mergePatch(claimPath, { metadata: { finalizers: [] } });
  await admin.waitFor(async () => (await nodeClaimNames(namespace, name)).length === 0, 30_000);
  expect(await admin.waitFor(() => gone(workspacePath(namespace, name)), 30_000)).toBe(true);
});
