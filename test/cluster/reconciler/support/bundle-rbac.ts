import type { PolicyRule } from 'kubernetes-types/rbac/v1';
import { renderOperator, type OperatorOptions } from '../../../../src/render';
import type { RequestRecord } from '../../../../src/reconciler/http';
import type { ReconcilerOptions, RunningReconciler } from '../../../../src/reconciler/manager';
import type { RawObject } from '../../../../src/reconciler/observe';
import { apiPath } from '../../support';
import { admin, adminConnection, startInProcess, waitForCondition, waitForEvent } from './cluster';
import type { Simulator } from './simulator';

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
  const objects = renderOperator(options).filter((o) => PLURAL[o.kind] !== undefined);
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
  return startInProcess(leaseNamespace, {
    connection: { server, ...(ca ? { ca } : {}), authorization: async () => `Bearer ${token}` },
    leaderElection: { namespace: leaseNamespace, retryPeriodMs: 500, renewDeadlineMs: 3000, leaseDurationMs: 4000 },
    ...rest,
  });
}

/**
 * The leader pod of workspace `name`, as the StatefulSet controller would make it, once its benchmark probe
 * passed: the reconciler then reads its log (pods/log get). Unscheduled, the pod has no log: the server
 * answers 204. The pod is deleted again.
 */
export async function leaderPodLogRead(
  namespace: string,
  name: string,
  requests: readonly RequestRecord[],
): Promise<void> {
  const sts = await admin.get<{ spec: { template: { metadata: object; spec: object } } }>(
    apiPath('apps/v1', 'statefulsets', { namespace, name }),
  );
  const podPath = apiPath('v1', 'pods', { namespace, name: `${name}-0` });
  await admin.create(apiPath('v1', 'pods', { namespace }), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...sts.body.spec.template.metadata, name: `${name}-0` },
    spec: sts.body.spec.template.spec,
  });
  const pod = await admin.get<{ metadata: Record<string, unknown> }>(podPath);
  await admin.replace(`${podPath}/status`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: pod.body.metadata,
    status: {
      phase: 'Running',
      containerStatuses: [
        { name, ready: true, started: true, restartCount: 0, image: 'kaito-base', imageID: '', state: {} },
      ],
    },
  });
  const logRead = await admin.waitFor(
    async () => requests.find((r) => r.verb === 'GET' && r.path === `${podPath}/log`),
    20_000,
  );
  if (logRead.status !== 204) throw new Error(`pods/log answered ${logRead.status}, expected 204`);
  await admin.delete(podPath);
}

/**
 * Workspace `name` (Ready, its StatefulSet played by `simulator`) stops being Ready and becomes Ready again:
 * the second `WorkspaceReady` event is the first one's count raised (events patch), not a second Event.
 */
export async function readyAgainRaisesEventCount(namespace: string, name: string, simulator: Simulator): Promise<void> {
  await waitForEvent(namespace, name, { type: 'Normal', reason: 'WorkspaceReady' });
  const sts = apiPath('apps/v1', 'statefulsets', { namespace, name });
  await admin.mergePatch(`${sts}/status`, { status: { readyReplicas: 0, availableReplicas: 0 } });
  await waitForCondition(namespace, name, 'WorkspaceReady', 'False');
  await simulator.markReady((await admin.get<RawObject>(sts)).body);
  await waitForCondition(namespace, name, 'WorkspaceReady', 'True');
  const counts = async () =>
    (
      await admin.list<{ count: number }>(apiPath('v1', 'events', { namespace }), {
        fieldSelector: `involvedObject.kind=Workspace,involvedObject.name=${name},reason=WorkspaceReady`,
      })
    ).body.items.map((e) => e.count);
  await admin.waitFor(async () => (await counts()).includes(2), 30_000);
  if (JSON.stringify(await counts()) !== '[2]')
    throw new Error(`WorkspaceReady events: counts ${JSON.stringify(await counts())}, expected [2]`);
}
