import { renderOperator } from '../../../src/render';
import type { RunningReconciler } from '../../../src/reconciler/manager';
import { KubeApiError, apiPath } from '../support';
import {
  CapturedLog,
  admin,
  adminApi,
  adminConnection,
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
 * The reconciler as the operator bundle deploys it: its own ServiceAccount's token (TokenRequest) and
 * exactly the bundle's RBAC (ClusterRole for all namespaces, Role for the Lease), watching all
 * namespaces with leader election. Every request it makes is allowed.
 */

const PLURAL: Record<string, string> = {
  ServiceAccount: 'serviceaccounts',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  Role: 'roles',
  RoleBinding: 'rolebindings',
};

let namespace: string;
let reconciler: RunningReconciler;
let simulator: Simulator;
let token: string;
const log = new CapturedLog();

beforeAll(async () => {
  await installCrds();
  namespace = await createNamespace('rec-rbac');
  for (const o of renderOperator({ namespace }).filter((o) => PLURAL[o.kind] !== undefined)) {
    const ns = o.metadata.namespace;
    const path = apiPath(o.apiVersion, PLURAL[o.kind]!, { ...(ns ? { namespace: ns } : {}), name: o.metadata.name });
    await admin.apply(path, o, { fieldManager: 'kaito-reconciler-tests', force: true });
  }
  const res = await admin.create<{ status: { token: string } }>(
    apiPath('v1', 'serviceaccounts', { namespace, name: 'kaito-reconciler', subresource: 'token' }),
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  );
  token = res.body.status.token;
  simulator = new Simulator({ api: await adminApi(), namespace });
  await simulator.start();
  const { server, ca } = await adminConnection();
  reconciler = await startInProcess(namespace, {
    // No client certificate: the ServiceAccount token only.
    connection: { server, ...(ca ? { ca } : {}), authorization: async () => `Bearer ${token}` },
    namespace: undefined,
    leaderElection: { namespace, retryPeriodMs: 500, renewDeadlineMs: 3000, leaseDurationMs: 4000 },
    log: log.logger,
  });
});

afterAll(async () => {
  await reconciler?.stop();
  await simulator?.stop();
});

test('the token really is limited: it cannot read Secrets', async () => {
  const err = await admin
    .withToken(token)
    .list(apiPath('v1', 'secrets', { namespace }))
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(KubeApiError);
  expect((err as KubeApiError).status).toBe(403);
});

test('with the bundle RBAC a workspace reaches Ready, records events, and is deleted; no request is refused', async () => {
  await admin.waitFor(async () => reconciler.isLeader(), 20_000);
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', 'rbac'));
  await waitForCondition(namespace, 'rbac', 'WorkspaceReady', 'True');
  await waitForEvent(namespace, 'rbac', { type: 'Normal', reason: 'WorkspaceReady' });
  const lease = await admin.get<{ spec: { holderIdentity: string } }>(
    `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/kaito-reconciler`,
  );
  expect(lease.body.spec.holderIdentity).toBe(reconciler.identity);

  await admin.delete(workspacePath(namespace, 'rbac'));
  await admin.waitFor(async () => (await nodeClaimNames(namespace, 'rbac')).length === 0, 30_000);
  await admin.waitFor(
    () =>
      admin.get(workspacePath(namespace, 'rbac')).then(
        () => false,
        (e: unknown) => (e as KubeApiError).status === 404,
      ),
    30_000,
  );

  const codes = (await reconciler.metrics.apiRequests.get()).values.map((v) => v.labels.code);
  expect(codes).not.toContain('401');
  expect(codes).not.toContain('403');
  expect(log.errors()).toEqual([]);
});

test('with the bundle RBAC a tuning workspace gets its egress NetworkPolicy (server-side apply creates it)', async () => {
  await admin.waitFor(async () => reconciler.isLeader(), 20_000);
  await createWorkspace(namespace, seed('phi-3-mini-4k-qlora-tuning.yaml', 'rbac-tune'));
  const policy = `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies/rbac-tune-egress`;
  await admin.waitFor(
    () =>
      admin.get(policy).then(
        () => true,
        () => false,
      ),
    30_000,
  );
  const codes = (await reconciler.metrics.apiRequests.get()).values.map((v) => v.labels.code);
  expect(codes).not.toContain('403');
  expect(log.errors()).toEqual([]);
});
