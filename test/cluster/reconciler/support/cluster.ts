import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { kubeconfigConnection, type Connection } from '../../../../src/reconciler/connection';
import { KubeApi } from '../../../../src/reconciler/http';
import { jsonLogger, type Logger } from '../../../../src/reconciler/log';
import { startReconciler, type ReconcilerOptions, type RunningReconciler } from '../../../../src/reconciler/manager';
import { DEFAULT_KUBECONFIG, KubeApiError, KubeClient, REPO_ROOT, apiPath, type KubeObject } from '../../support';

/*
 * The setting of the reconciler suites: the CRDs it needs, a namespace per suite, seed workspaces, and
 * the reconciler itself, started in-process against the test cluster.
 */

/** The kubeconfig of the test cluster. */
export const KUBECONFIG = process.env.KUBECONFIG_TEST || DEFAULT_KUBECONFIG;

/** The admin client of the suites' own requests. */
export const admin = KubeClient.fromKubeconfig(KUBECONFIG);

/** The admin connection, as the reconciler's client takes it. */
export function adminConnection(): Promise<Connection> {
  return kubeconfigConnection(KUBECONFIG);
}

/** A Karpenter-core v1alpha5 Machine CRD, reduced to what the legacy provisioner touches. */
const MACHINE_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'machines.karpenter.sh' },
  spec: {
    group: 'karpenter.sh',
    names: { kind: 'Machine', listKind: 'MachineList', plural: 'machines', singular: 'machine' },
    scope: 'Cluster',
    versions: [
      {
        name: 'v1alpha5',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

/** Applies a CRD (server-side) and waits until it is Established. */
export async function applyCrd(crd: object | string, name: string): Promise<void> {
  const path = apiPath('apiextensions.k8s.io/v1', 'customresourcedefinitions', { name });
  await admin.apply(path, crd, { fieldManager: 'kaito-reconciler-tests', force: true });
  await admin.waitFor(async () => {
    const got = await admin.get<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(path);
    return got.body.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  }, 30_000);
}

/** Installs the legacy Machine CRD (idempotent): no Karpenter that exists today serves it. */
export function installMachineCrd(): Promise<void> {
  return applyCrd(MACHINE_CRD, 'machines.karpenter.sh');
}

/** Creates a namespace with a unique name starting with `prefix`. */
export async function createNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  await admin.create('/api/v1/namespaces', { metadata: { name } });
  return name;
}

/** A seed example (test/fixtures/seed), with its name replaced when `name` is given. */
export function seed(file: string, name?: string): KubeObject {
  const ws = parse(readFileSync(join(REPO_ROOT, 'test/fixtures/seed', file), 'utf8')) as KubeObject;
  return name === undefined ? ws : { ...ws, metadata: { ...ws.metadata, name } };
}

/** The seed examples' file names. */
export const SEEDS = [
  'phi-3-mini-inference.yaml',
  'phi-3-mini-inference-with-adapters.yaml',
  'phi-3-mini-4k-qlora-tuning.yaml',
  'phi-3-mini-128k-qlora-tuning.yaml',
  'phi-3-mini-128k-qlora-tuning-adapter.yaml',
];

/** Path of a workspace (v1beta1). */
export const workspacePath = (namespace: string, name?: string) =>
  apiPath('kaito.sh/v1beta1', 'workspaces', { namespace, ...(name !== undefined ? { name } : {}) });

/** Creates a workspace in `namespace` (as its own apiVersion, v1alpha1 for the seeds). */
export async function createWorkspace(namespace: string, ws: KubeObject): Promise<KubeObject> {
  const version = ws.apiVersion ?? 'kaito.sh/v1beta1';
  const created = await admin.create<KubeObject>(apiPath(version, 'workspaces', { namespace }), ws);
  return created.body;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** A workspace's conditions by type. */
export async function conditions(namespace: string, name: string): Promise<Record<string, Condition>> {
  const ws = await admin.get<{ status?: { conditions?: Condition[] } }>(workspacePath(namespace, name));
  return Object.fromEntries((ws.body.status?.conditions ?? []).map((c) => [c.type, c]));
}

/** Waits until the workspace's condition `type` has `status` (and `reason`, when given); returns it. */
export function waitForCondition(
  namespace: string,
  name: string,
  type: string,
  status: string,
  reason?: string,
  timeoutMs = 30_000,
): Promise<Condition> {
  return admin.waitFor(async () => {
    const c = (await conditions(namespace, name))[type];
    return c !== undefined && c.status === status && (reason === undefined || c.reason === reason) && c;
  }, timeoutMs);
}

/** Deletes a workspace and waits until its NodeClaims and then the workspace itself are gone. */
export async function deleteWorkspaceAndWait(namespace: string, name: string): Promise<void> {
  await admin.delete(workspacePath(namespace, name));
  await admin.waitFor(async () => (await nodeClaimNames(namespace, name)).length === 0, 60_000);
  await admin.waitFor(() => gone(workspacePath(namespace, name)), 60_000);
}

/** Whether the object at `path` is gone (404). */
export function gone(path: string): Promise<boolean> {
  return admin.get(path).then(
    () => false,
    (e: unknown) => e instanceof KubeApiError && e.status === 404,
  );
}

/** The server-side Table row of a workspace: column name to cell. */
export async function tableRow(namespace: string, name: string): Promise<Record<string, unknown>> {
  const table = await admin.get<{ columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> }>(
    workspacePath(namespace, name),
    { table: true },
  );
  const cells = table.body.rows[0]?.cells ?? [];
  return Object.fromEntries(table.body.columnDefinitions.map((c, i) => [c.name, cells[i]]));
}

/** Names of the NodeClaims labelled with a workspace. */
export async function nodeClaimNames(namespace: string, name: string, plural = 'nodeclaims'): Promise<string[]> {
  const version = plural === 'machines' ? 'karpenter.sh/v1alpha5' : 'karpenter.sh/v1';
  const list = await admin.list(apiPath(version, plural), {
    labelSelector: `kaito.sh/workspace=${name},kaito.sh/workspacenamespace=${namespace}`,
  });
  return list.body.items.map((i) => i.metadata?.name ?? '').sort();
}

/** Events recorded on a workspace, oldest first: `type reason`. */
export async function workspaceEvents(namespace: string, name: string): Promise<Array<Record<string, string>>> {
  const list = await admin.list<{ type: string; reason: string; message: string; lastTimestamp?: string }>(
    apiPath('v1', 'events', { namespace }),
    { fieldSelector: `involvedObject.kind=Workspace,involvedObject.name=${name}` },
  );
  return list.body.items.map((e) => ({ type: e.type, reason: e.reason, message: e.message }));
}

/**
 * Waits until the workspace has an event with all the fields of `expected` (events are sent in the
 * background, so they may trail the status); returns all its events.
 */
export function waitForEvent(
  namespace: string,
  name: string,
  expected: Readonly<Record<string, string>>,
  timeoutMs = 30_000,
): Promise<Array<Record<string, string>>> {
  return admin.waitFor(async () => {
    const events = await workspaceEvents(namespace, name);
    return events.some((e) => Object.entries(expected).every(([k, v]) => e[k] === v)) && events;
  }, timeoutMs);
}

/** Log lines a reconciler wrote, kept for assertions. */
export class CapturedLog {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly logger: Logger = jsonLogger({ level: 'debug', write: (l) => this.lines.push(JSON.parse(l)) });

  errors(): Array<Record<string, unknown>> {
    return this.lines.filter((l) => l.level === 'error');
  }
}

/** Starts a reconciler in-process with the admin connection, scoped to `namespace`. */
export async function startInProcess(
  namespace: string,
  options: Partial<ReconcilerOptions> = {},
): Promise<RunningReconciler> {
  return startReconciler({
    connection: await adminConnection(),
    provisioner: 'gpu-provisioner',
    namespace,
    log: new CapturedLog().logger,
    ...options,
  });
}

/** An admin client of the reconciler's own kind, for the played Machine provisioner and the benchmark. */
export async function adminApi(): Promise<KubeApi> {
  return new KubeApi(await adminConnection(), { userAgent: 'kaito-reconciler-tests' });
}
