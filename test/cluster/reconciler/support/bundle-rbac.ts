import type { PolicyRule } from 'kubernetes-types/rbac/v1';
import { renderOperator, type OperatorOptions } from '../../../../src/render';
import type { RequestRecord } from '../../../../src/reconciler/http';
import type { ReconcilerOptions, RunningReconciler } from '../../../../src/reconciler/manager';
import { KWOK_NODE_CLASS } from '../../../../src/render/node-class';
import { apiPath } from '../../support';
import { setReadinessFailing, startReconciler } from '../../control-plane/support';
import { admin, adminConnection, waitForCondition } from './cluster';

/*
 * The reconciler as the operator bundle deploys it: the bundle's ServiceAccount and RBAC applied, the
 * reconciler started with that ServiceAccount's token only, and the permissions its requests needed.
 */

/** An RBAC permission as `group resource[/subresource] verb`. */
export type Permission = string;

/** The permissions one request needed. */
export function permissionsOf(record: RequestRecord): Permission[] {
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

/** The namespace a request was made in, if any. */
export function namespaceOf(record: RequestRecord): string | undefined {
  const segments = record.path.split('/').filter(Boolean);
  const rest = segments[0] === 'api' ? segments.slice(2) : segments.slice(3);
  return rest[0] === 'namespaces' && rest.length >= 3 ? rest[1] : undefined;
}

/** The permissions rules grant, sorted. */
export function permissionsOfRules(rules: readonly PolicyRule[]): Permission[] {
  return rules
    .flatMap((r) => r.apiGroups!.flatMap((g) => r.resources!.flatMap((res) => r.verbs.map((v) => `${g} ${res} ${v}`))))
    .sort();
}

/** Granted without being a request: admission (OwnerReferencesPermissionEnforcement) checks it on owner references. */
export const ADMISSION_ONLY: readonly Permission[] = ['kaito.sh workspaces/finalizers update'];

/** The permissions of `requests`, sorted, without duplicates. */
export function usedPermissions(requests: readonly RequestRecord[]): Permission[] {
  return [...new Set(requests.flatMap(permissionsOf))].sort();
}

const PLURAL: Record<string, string> = {
  ServiceAccount: 'serviceaccounts',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  Role: 'roles',
  RoleBinding: 'rolebindings',
};

/** Applies the bundle's ServiceAccount and RBAC; returns a token of the ServiceAccount and the RBAC objects. */
export async function installBundleRbac(
  options: OperatorOptions & { readonly namespace: string },
): Promise<{ token: string; objects: ReturnType<typeof renderOperator> }> {
  // The bundle as the test cluster needs it: NodeClaims for Karpenter, of the kwok node class.
  const objects = renderOperator({ nodeProvisioner: 'karpenter', nodeClass: KWOK_NODE_CLASS, ...options }).filter(
    (o) => PLURAL[o.kind] !== undefined,
  );
  for (const o of objects) {
    const ns = o.metadata.namespace;
    const path = apiPath(o.apiVersion, PLURAL[o.kind]!, { ...(ns ? { namespace: ns } : {}), name: o.metadata.name });
    await admin.apply(path, o, { fieldManager: 'kaito-reconciler-tests', force: true });
  }
  const res = await admin.create<{ status: { token: string } }>(
    apiPath('v1', 'serviceaccounts', { namespace: options.namespace, name: 'kaito-reconciler', subresource: 'token' }),
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  );
  return { token: res.body.status.token, objects };
}

/** Starts a reconciler that authenticates with `token` only (no client certificate). */
export async function startWithToken(
  token: string,
  options: Partial<ReconcilerOptions> & { readonly leaseNamespace: string },
): Promise<RunningReconciler> {
  const { server, ca } = await adminConnection();
  const { leaseNamespace, ...rest } = options;
  return startReconciler(leaseNamespace, {
    connection: { server, ...(ca ? { ca } : {}), authorization: async () => `Bearer ${token}` },
    leaderElection: { namespace: leaseNamespace, retryPeriodMs: 500, renewDeadlineMs: 3000, leaseDurationMs: 4000 },
    ...rest,
  });
}

/**
 * The reconciler read the log of workspace `name`'s leader pod once its benchmark probe passed (pods/log
 * get): the request was authorized. KWOK runs no kubelet server, so the API server cannot reach the log and
 * answers LOG_UNREACHABLE; a refused request would be 403.
 */
export async function leaderPodLogRead(
  namespace: string,
  name: string,
  requests: readonly RequestRecord[],
): Promise<void> {
  const logPath = `${apiPath('v1', 'pods', { namespace, name: `${name}-0` })}/log`;
  const logRead = await admin.waitFor(async () => requests.find((r) => r.verb === 'GET' && r.path === logPath), 60_000);
  if (logRead.status !== LOG_UNREACHABLE)
    throw new Error(`pods/log answered ${logRead.status}, expected ${LOG_UNREACHABLE}`);
}

/** What the API server answers for the log of a pod on a KWOK node. */
export const LOG_UNREACHABLE = 404;

/**
 * Workspace `name` (Ready) stops being Ready twice, as its leader pod's readiness probe fails and passes
 * (KWOK reports it): becoming Ready records no event; the second time it stops, the Normal event is the first
 * one's count raised (events patch), not a second Event. It ends Ready.
 */
export async function notReadyAgainRaisesEventCount(namespace: string, name: string): Promise<void> {
  const events = async () =>
    (
      await admin.list<{ reason: string; type: string; count: number }>(apiPath('v1', 'events', { namespace }), {
        fieldSelector: `involvedObject.kind=Workspace,involvedObject.name=${name}`,
      })
    ).body.items.map((e) => [e.type, e.reason, e.count]);
  await waitForCondition(namespace, name, 'WorkspaceReady', 'True', undefined, 120_000);
  for (let i = 0; i < 2; i++) {
    await setReadinessFailing(namespace, `${name}-0`, true);
    await waitForCondition(namespace, name, 'WorkspaceReady', 'False', undefined, 60_000);
    await setReadinessFailing(namespace, `${name}-0`, false);
    await waitForCondition(namespace, name, 'WorkspaceReady', 'True', undefined, 60_000);
  }
  const expected = JSON.stringify([['Normal', 'WorkspaceInferenceStatusPending', 2]]);
  await admin
    .waitFor(async () => JSON.stringify(await events()) === expected, 30_000)
    .catch(async () => {
      throw new Error(`events of ${name}: ${JSON.stringify(await events())}, expected ${expected}`);
    });
}
