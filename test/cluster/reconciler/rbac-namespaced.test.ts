import type { ClusterRole, Role } from 'kubernetes-types/rbac/v1';
import { leaderElectionRules } from '../../../src/render';
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
  workspacePath,
} from './support/cluster';
import {
  ADMISSION_ONLY,
  installBundleRbac,
  leaderPodLogRead,
  namespaceOf,
  permissionsOfRules,
  notReadyAgainRaisesEventCount,
  startWithToken,
  usedPermissions,
} from './support/bundle-rbac';

/**
 * The bundle with `watchNamespace`: the reconciler runs with `--namespace` and holds a Role in that namespace
 * (plus a ClusterRole for nodes and NodeClaims only). Workspaces there reach Ready; it has no rights to
 * workspaces elsewhere, and every right it has is used.
 */

const requests: RequestRecord[] = [];
let operatorNamespace: string;
let watched: string;
let reconciler: RunningReconciler;
let token: string;
let objects: Awaited<ReturnType<typeof installBundleRbac>>['objects'];
const log = new CapturedLog();

beforeAll(async () => {
  await installWorkspaceCrd();
  operatorNamespace = await createNamespace('rec-rbacns-op');
  watched = await createNamespace('rec-rbacns');
  ({ token, objects } = await installBundleRbac({ namespace: operatorNamespace, watchNamespace: watched }));
  reconciler = await startWithToken(token, {
    leaseNamespace: operatorNamespace,
    namespace: watched,
    log: log.logger,
    onRequest: (r) => requests.push(r),
  });
});

afterAll(async () => {
  await reconciler?.stop();
  await deleteNamespaceAndWait(watched);
  await admin.delete(`/api/v1/namespaces/${operatorNamespace}`);
});

test('it cannot read workspaces cluster-wide or in another namespace', async () => {
  for (const path of [workspacePath(operatorNamespace), apiPath('kaito.sh/v1beta1', 'workspaces')]) {
    const err = await admin
      .withToken(token)
      .list(path)
      .catch((e: unknown) => e);
    expect([path, (err as KubeApiError).status]).toEqual([path, 403]);
  }
});

test('inference and tuning workspaces in the watched namespace reach Ready; deletion releases the nodes', async () => {
  await admin.waitFor(async () => reconciler.isLeader(), 20_000);
  await createWorkspace(watched, seed('phi-3-mini-inference.yaml', 'ns-inference'));
  await createWorkspace(watched, seed('phi-3-mini-4k-qlora-tuning.yaml', 'ns-tuning'));
  await waitForCondition(watched, 'ns-inference', 'WorkspaceReady', 'True', undefined, 120_000);
  await notReadyAgainRaisesEventCount(watched, 'ns-inference');
  // KWOK completes the Job's pod; WorkspaceSucceeded follows.
  await waitForCondition(watched, 'ns-tuning', 'WorkspaceSucceeded', 'True', undefined, 120_000);
  await leaderPodLogRead(watched, 'ns-inference', requests);

  await deleteWorkspaceAndWait(watched, 'ns-inference');
  const codes = reconciler.metrics.apiRequests.values().map((v) => v.labels.code);
  expect(codes).not.toContain('403');
  expect(log.errors()).toEqual([]);
});

test('the Role, the ClusterRole and the leader-election Role grant exactly the requests it made, where it made them', async () => {
  await reconciler.stop();
  const rules = (kind: string, namespace?: string) =>
    (
      objects.find(
        (o) => o.kind === kind && o.metadata.name === 'kaito-reconciler' && o.metadata.namespace === namespace,
      ) as (Role & ClusterRole) | undefined
    )?.rules ?? [];
  const inWatched = requests.filter((r) => namespaceOf(r) === watched);
  const clusterScoped = requests.filter((r) => namespaceOf(r) === undefined);
  const inOperator = requests.filter((r) => namespaceOf(r) === operatorNamespace);
  expect(inWatched.length + clusterScoped.length + inOperator.length).toBe(requests.length);
  expect(usedPermissions(inWatched)).toEqual(
    permissionsOfRules(rules('Role', watched)).filter((p) => !ADMISSION_ONLY.includes(p)),
  );
  expect(usedPermissions(clusterScoped)).toEqual(permissionsOfRules(rules('ClusterRole')));
  expect(usedPermissions(inOperator)).toEqual(permissionsOfRules(leaderElectionRules()));
});
