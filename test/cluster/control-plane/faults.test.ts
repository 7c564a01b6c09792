import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunningReconciler } from '../../../src/reconciler/manager';
import { REPO_ROOT, apiPath } from '../support';
import { spawnReconciler, type ChildReconciler } from '../reconciler/support/child';
import { createNamespace, createWorkspace, seed, waitForCondition } from '../reconciler/support/cluster';
import {
  admin,
  childrenOf,
  deleteNamespaceAndWait,
  gone,
  installWorkspaceCrd,
  nodeClaimsOf,
  nodesOf,
  podsOf,
  startReconciler,
  workspacePath,
} from './support';

/*
 * Faults on the whole control plane, each ending in a converged workspace with exactly the NodeClaims it
 * needs (no duplicate, no orphan): the reconciler killed while Karpenter launches, the real API server
 * restarted, Karpenter restarted, a second client overwriting the workload, deletion while nodes launch,
 * and leader failover between two reconciler processes.
 */

const run = promisify(execFile);
const cluster = (...args: string[]) =>
  run('bash', [join(REPO_ROOT, 'scripts/test-cluster.sh'), ...args], { cwd: REPO_ROOT, timeout: 180_000 });
const KWOK_CLASS = 'karpenter.kwok.sh/KWOKNodeClass/default';

let namespace: string;

beforeAll(async () => {
  await installWorkspaceCrd();
  namespace = await createNamespace('cp-faults');
});

afterAll(async () => {
  // The namespace goes once a reconciler has released every workspace's nodes.
  await deleteNamespaceAndWait(namespace);
});

/** Every NodeClaim of the workspace is launched and backs exactly one Node of it; returns the claim count. */
async function expectOneNodePerClaim(name: string): Promise<number> {
  const claims = await nodeClaimsOf(namespace, name);
  const nodes = await nodesOf(namespace, name);
  expect(nodes.map((n) => n.name).sort()).toEqual(claims.map((c) => c.nodeName).sort());
  return claims.length;
}

test('the reconciler killed (SIGKILL) while Karpenter launches: a new one adopts the claim, no second claim', async () => {
  const name = 'killed-mid-launch';
  const first = spawnReconciler([
    `--namespace=${namespace}`,
    '--node-provisioner=karpenter',
    `--node-class=${KWOK_CLASS}`,
  ]);
  await first.waitForLog((l) => l.msg === 'caches synced', 60_000);
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', name));
  await admin.waitFor(async () => (await nodeClaimsOf(namespace, name)).length === 1, 60_000);
  first.process.kill('SIGKILL');
  expect((await first.exited).signal).toBe('SIGKILL');

  const second = spawnReconciler([
    `--namespace=${namespace}`,
    '--node-provisioner=karpenter',
    `--node-class=${KWOK_CLASS}`,
  ]);
  try {
    await waitForCondition(namespace, name, 'WorkspaceReady', 'True', undefined, 120_000);
    expect(await expectOneNodePerClaim(name)).toBe(1);
    expect(second.other).toEqual([]);
  } finally {
    second.process.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }
});

describe('with the reconciler in-process', () => {
  let reconciler: RunningReconciler;
  beforeAll(async () => {
    reconciler = await startReconciler(namespace);
  });
  afterAll(async () => {
    await reconciler?.stop();
  });

  test('the API server restarted for real (same etcd) while a workspace provisions: it converges', async () => {
    const name = 'apiserver-restart';
    await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', name));
    await admin.waitFor(async () => (await nodeClaimsOf(namespace, name)).length === 1, 60_000);
    const { stderr } = await cluster('restart-apiserver');
    expect(stderr).toMatch(/kube-apiserver restarted in \d+s/);
    await waitForCondition(namespace, name, 'WorkspaceReady', 'True', undefined, 120_000);
    expect(await expectOneNodePerClaim(name)).toBe(1);
  });

  test('Karpenter restarted before it launched the claim: the node comes, once', async () => {
    const name = 'karpenter-restart';
    await cluster('restart', 'karpenter');
    await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', name));
    await waitForCondition(namespace, name, 'WorkspaceReady', 'True', undefined, 120_000);
    expect(await expectOneNodePerClaim(name)).toBe(1);
    await cluster('restart', 'karpenter');
    // Once restarted, Karpenter keeps the node (do-not-disrupt, expireAfter Never): still one, still Ready.
    await waitForCondition(namespace, name, 'WorkspaceReady', 'True', undefined, 60_000);
    expect(await expectOneNodePerClaim(name)).toBe(1);
  });

  test('a second client scales the StatefulSet to 0: the reconciler takes replicas back and a pod runs', async () => {
    const name = 'conflicting-writer';
    await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', name));
    await waitForCondition(namespace, name, 'WorkspaceReady', 'True', undefined, 120_000);
    const path = apiPath('apps/v1', 'statefulsets', { namespace, name });
    type Sts = {
      metadata: { generation: number; managedFields?: { manager?: string; fieldsV1?: { 'f:spec'?: object } }[] };
      spec: { replicas: number };
      status: { observedGeneration?: number; readyReplicas?: number };
    };
    const scaled = await admin.apply<Sts>(
      path,
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace }, spec: { replicas: 0 } },
      { fieldManager: 'someone-else', force: true },
    );
    expect(scaled.body.spec.replicas).toBe(0);
    // The reconciler's apply (generation + 1) may land before the StatefulSet controller acts on replicas 0,
    // in which case the pod is never deleted: either way replicas is ours again and one pod runs.
    await admin.waitFor(async () => {
      const sts = (await admin.get<Sts>(path)).body;
      const pods = await podsOf(namespace, name);
      return (
        sts.metadata.generation > scaled.body.metadata.generation &&
        sts.spec.replicas === 1 &&
        sts.status.observedGeneration === sts.metadata.generation &&
        sts.status.readyReplicas === 1 &&
        pods.length === 1 &&
        pods[0]!.phase === 'Running'
      );
    }, 60_000);
    const managers = (await admin.get<Sts>(path)).body.metadata.managedFields ?? [];
    const specOwners = managers.filter((m) => m.fieldsV1?.['f:spec'] !== undefined).map((m) => m.manager);
    expect(specOwners).toContain('kaito-reconciler');
    expect(specOwners).not.toContain('someone-else');
    await waitForCondition(namespace, name, 'WorkspaceReady', 'True', undefined, 60_000);
    expect(await expectOneNodePerClaim(name)).toBe(1);
  });

  test('deleted while its node is still launching: the workspace, its claim and its children go', async () => {
    const name = 'deleted-mid-launch';
    await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', name));
    await admin.waitFor(async () => (await nodeClaimsOf(namespace, name)).length === 1, 60_000);
    await admin.delete(workspacePath(namespace, name));
    await admin.waitFor(() => gone(workspacePath(namespace, name)), 60_000);
    expect(await nodeClaimsOf(namespace, name)).toEqual([]);
    await admin.waitFor(async () => (await childrenOf(namespace, name)).length === 0, 60_000);
    // A claim deleted before its node registered leaves that node behind in Karpenter's kwok provider: its
    // Delete removes the NodeClaim, not the Node, and no garbage collection of instances runs. No claim is
    // left for such a node (what we own); the node itself is removed here, as a cloud's instance GC would.
    const claimed = new Set((await nodeClaimsOf(namespace, name)).map((c) => c.nodeName));
    for (const node of await nodesOf(namespace, name)) {
      expect(claimed.has(node.name)).toBe(false);
      await admin.delete(`/api/v1/nodes/${node.name}`);
    }
  });
});

test('leader failover between two reconciler processes: the standby takes over and finishes the work', async () => {
  const name = 'failover';
  const args = [
    `--namespace=${namespace}`,
    '--node-provisioner=karpenter',
    `--node-class=${KWOK_CLASS}`,
    '--leader-elect',
    `--leader-election-namespace=${namespace}`,
    '--leader-elect-lease-duration=4s',
    '--leader-elect-renew-deadline=3s',
    '--leader-elect-retry-period=500ms',
  ];
  const replicas: ChildReconciler[] = [spawnReconciler(args), spawnReconciler(args)];
  try {
    const leaderLine = (l: Record<string, unknown>) => l.msg === 'became the leader';
    const leader = await Promise.any(replicas.map((r) => r.waitForLog(leaderLine, 60_000).then(() => r)));
    const standby = replicas.find((r) => r !== leader)!;
    await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', name));
    await admin.waitFor(async () => (await nodeClaimsOf(namespace, name)).length === 1, 60_000);
    leader.process.kill('SIGKILL');
    await standby.waitForLog(leaderLine, 60_000);
    await waitForCondition(namespace, name, 'WorkspaceReady', 'True', undefined, 120_000);
    expect(await expectOneNodePerClaim(name)).toBe(1);
  } finally {
    for (const r of replicas) r.process.kill('SIGTERM');
    await Promise.all(replicas.map((r) => r.exited));
  }
});
