import { leaderElectionRules, reconcilerClusterRules, renderOperator } from '../../../src/render';
import type { RequestRecord } from '../../../src/reconciler/http';
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
 * namespaces with leader election. Every request it makes is allowed, and every right it has is used.
 */

/** An RBAC permission as `group resource[/subresource] verb`. */
type Permission = string;

/** The permissions a request needed. */
function permissionsOf(record: RequestRecord): Permission[] {
  const segments = record.path.split('/').filter(Boolean);
  const rest = segments[0] === 'api' ? segments.slice(2) : segments.slice(3);
  const group = segments[0] === 'api' ? '' : segments[1]!;
  const [resource, name, subresource] =
    rest[0] === 'namespaces' && rest.length >= 3 ? rest.slice(2) : (rest as Array<string | undefined>);
  const verbs: Record<string, string[]> = {
    WATCH: ['watch'],
    GET: [name === undefined ? 'list' : 'get'],
    POST: ['create'],
    PUT: ['update'],
    // A server-side apply that creates the object is also authorized as create.
    PATCH: record.status === 201 ? ['patch', 'create'] : ['patch'],
    DELETE: [name === undefined ? 'deletecollection' : 'delete'],
  };
  const what = `${group} ${resource}${subresource ? `/${subresource}` : ''}`;
  return (verbs[record.verb] ?? [record.verb]).map((verb) => `${what} ${verb}`);
}

function permissionsOfRules(rules: ReturnType<typeof reconcilerClusterRules>): Permission[] {
  return rules.flatMap((r) =>
    r.apiGroups!.flatMap((g) => r.resources!.flatMap((res) => r.verbs.map((v) => `${g} ${res} ${v}`))),
  );
}

/** Granted without being a request: admission (OwnerReferencesPermissionEnforcement) checks it on owner references. */
const ADMISSION_ONLY: Permission[] = ['kaito.sh workspaces/finalizers update'];

const requests: RequestRecord[] = [];

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
    onRequest: (r) => requests.push(r),
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

test('a tuning workspace too: its Job and ConfigMap are created, it succeeds', async () => {
  await createWorkspace(namespace, seed('phi-3-mini-4k-qlora-tuning.yaml', 'rbac-tuning'));
  const job = await admin.waitFor(
    () =>
      admin.get(`/apis/batch/v1/namespaces/${namespace}/jobs/rbac-tuning`).then(
        (r) => r.body,
        () => undefined,
      ),
    30_000,
  );
  await simulator.completeJob(job as Parameters<Simulator['completeJob']>[0]);
  await waitForCondition(namespace, 'rbac-tuning', 'WorkspaceSucceeded', 'True');
});

test('the ClusterRole and the leader-election Role grant exactly the requests the reconciler made', async () => {
  // Watches are counted when they end: stop first (the lease is released, too).
  await reconciler.stop();
  const used = new Set(requests.flatMap(permissionsOf));
  const leases = [...used].filter((p) => p.startsWith('coordination.k8s.io ')).sort();
  const rest = [...used].filter((p) => !p.startsWith('coordination.k8s.io ')).sort();
  expect(rest).toEqual(
    permissionsOfRules(reconcilerClusterRules('gpu-provisioner'))
      .filter((p) => !ADMISSION_ONLY.includes(p))
      .sort(),
  );
  expect(leases).toEqual(permissionsOfRules(leaderElectionRules()).sort());
});
