import { leaderElectionRules, reconcilerClusterRules } from '../../../src/render';
import type { RequestRecord } from '../../../src/reconciler/http';
import type { RunningReconciler } from '../../../src/reconciler/manager';
import { KubeApiError, apiPath } from '../support';
import { deleteNamespaceAndWait, installWorkspaceCrd } from '../control-plane/support';
import {
  CapturedLog,
  admin,
  createNamespace,
  createWorkspace,
  deleteWorkspaceAndWait,
  seed,
  waitForCondition,
} from './support/cluster';
import {
  ADMISSION_ONLY,
  installBundleRbac,
  leaderPodLogRead,
  permissionsOfRules,
  notReadyAgainRaisesEventCount,
  startWithToken,
  usedPermissions,
} from './support/bundle-rbac';

/**
 * The reconciler as the operator bundle deploys it: its own ServiceAccount's token (TokenRequest) and
 * exactly the bundle's RBAC (ClusterRole for all namespaces, Role for the Lease), watching all
 * namespaces with leader election, on the whole control plane. Every request it makes is allowed, and every
 * right it has is used.
 */

const requests: RequestRecord[] = [];

let namespace: string;
let reconciler: RunningReconciler;
let token: string;
const log = new CapturedLog();

beforeAll(async () => {
  await installWorkspaceCrd();
  namespace = await createNamespace('rec-rbac');
  ({ token } = await installBundleRbac({ namespace }));
  reconciler = await startWithToken(token, {
    leaseNamespace: namespace,
    namespace: undefined,
    log: log.logger,
    onRequest: (r) => requests.push(r),
  });
});

afterAll(async () => {
  await reconciler?.stop();
  await deleteNamespaceAndWait(namespace);
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
  await waitForCondition(namespace, 'rbac', 'WorkspaceReady', 'True', undefined, 120_000);
  await notReadyAgainRaisesEventCount(namespace, 'rbac');
  const lease = await admin.get<{ spec: { holderIdentity: string } }>(
    `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/kaito-reconciler`,
  );
  expect(lease.body.spec.holderIdentity).toBe(reconciler.identity);

  await leaderPodLogRead(namespace, 'rbac', requests);

  await deleteWorkspaceAndWait(namespace, 'rbac');

  const codes = reconciler.metrics.apiRequests.values().map((v) => v.labels.code);
  expect(codes).not.toContain('401');
  expect(codes).not.toContain('403');
  expect(log.errors()).toEqual([]);
});

test('a tuning workspace too: its Job, ConfigMap and egress NetworkPolicy are created, it succeeds', async () => {
  await createWorkspace(namespace, seed('phi-3-mini-4k-qlora-tuning.yaml', 'rbac-tuning'));
  // KWOK completes the Job's pod; WorkspaceSucceeded follows.
  await waitForCondition(namespace, 'rbac-tuning', 'WorkspaceSucceeded', 'True', undefined, 120_000);
  // Server-side apply creates the policy: authorized as create and patch.
  const policy = await admin.get<{ metadata: { name: string } }>(
    `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies/rbac-tuning-egress`,
  );
  expect(policy.body.metadata.name).toBe('rbac-tuning-egress');
  const codes = reconciler.metrics.apiRequests.values().map((v) => v.labels.code);
  expect(codes).not.toContain('403');
  expect(log.errors()).toEqual([]);
});

test('the ClusterRole and the leader-election Role grant exactly the requests the reconciler made', async () => {
  // Watches are counted when they end: stop first (the lease is released, too).
  await reconciler.stop();
  const used = usedPermissions(requests);
  const leases = used.filter((p) => p.startsWith('coordination.k8s.io '));
  const rest = used.filter((p) => !p.startsWith('coordination.k8s.io '));
  expect(rest).toEqual(
    permissionsOfRules(reconcilerClusterRules('karpenter')).filter((p) => !ADMISSION_ONLY.includes(p)),
  );
  expect(leases).toEqual(permissionsOfRules(leaderElectionRules()));
});
