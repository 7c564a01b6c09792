import { withoutServerFields } from '../api/adopt';
import type { Workspace } from '../api/types';
import type { WorkloadMode } from '../plan/intent';
import type { WorkspacePlan } from '../plan/plan';
import { SERVICE_PORT } from './labels';
import type { KubeObject, RenderOptions } from './options';
import { renderWorkspace } from './workspace';

/** The in-cluster address of an inference workspace's Service: `http://<name>.<namespace>.svc.cluster.local:80`. */
export function inClusterUrl(name: string, namespace: string): string {
  return `http://${name}.${namespace}.svc.cluster.local:${SERVICE_PORT}`;
}

/**
 * The Workspace object as it is applied: server-set fields and status dropped, the namespace filled in with
 * `defaultNamespace` when it names none. Every face emits a workspace through this.
 */
export function workspaceObject(ws: Workspace, defaultNamespace: string): KubeObject {
  const plain = withoutServerFields(ws as unknown as Record<string, unknown>) as unknown as Workspace;
  return { ...plain, metadata: { ...plain.metadata, namespace: plain.metadata.namespace ?? defaultNamespace } };
}

/**
 * The objects of a valid workspace in a mode: `operator`, the Workspace itself; `direct`, what the
 * reconciler would create for it (`options.nodeProvisioner` says whether NodeClaims are among them).
 */
export function renderForMode(
  ws: Workspace,
  plan: WorkspacePlan,
  mode: WorkloadMode,
  options: RenderOptions = {},
): KubeObject[] {
  return mode === 'operator'
    ? [workspaceObject(ws, options.defaultNamespace ?? 'default')]
    : renderWorkspace(ws, plan, options);
}
