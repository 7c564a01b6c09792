import { error, type Problem } from './problems';
import {
  KAITO_GROUP,
  STORAGE_VERSION,
  V1ALPHA1_DEFAULT_INSTANCE_TYPE,
  WORKSPACE_VERSIONS,
  type Workspace,
  type WorkspaceVersion,
} from './types';

/*
 * A Workspace object's version and its internal (v1beta1) form: no text parsing here, so that what checks
 * objects (the reconciler) does not load the YAML parser.
 */

/** The Workspace version an object declares, or a problem. */
export function workspaceVersionOf(value: Record<string, unknown>): WorkspaceVersion | Problem {
  const apiVersion = value.apiVersion;
  const kind = value.kind;
  if (kind !== 'Workspace') {
    return error('kind', `must be "Workspace", got ${JSON.stringify(kind ?? null)}`);
  }
  const match = typeof apiVersion === 'string' ? /^kaito\.sh\/(.+)$/.exec(apiVersion) : null;
  const version = match?.[1];
  if (version === undefined || !(WORKSPACE_VERSIONS as readonly string[]).includes(version)) {
    return error(
      'apiVersion',
      `must be one of ${WORKSPACE_VERSIONS.map((v) => `${KAITO_GROUP}/${v}`).join(', ')}, got ${JSON.stringify(apiVersion ?? null)}`,
    );
  }
  return version as WorkspaceVersion;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * Converts a structurally valid Workspace of either version to the internal (v1beta1) model. Fields the
 * model does not name are kept. v1alpha1 gets its CRD's `instanceType` default made explicit, since in
 * v1beta1 an absent instance type means bring-your-own nodes.
 */
export function normalizeWorkspace(value: Record<string, unknown>, version: WorkspaceVersion): Workspace {
  const copy = clone(value) as Record<string, unknown> & { resource?: Record<string, unknown> };
  copy.apiVersion = `${KAITO_GROUP}/${STORAGE_VERSION}`;
  if (version === 'v1alpha1' && copy.resource !== undefined && copy.resource.instanceType === undefined) {
    copy.resource = { ...copy.resource, instanceType: V1ALPHA1_DEFAULT_INSTANCE_TYPE };
  }
  return copy as unknown as Workspace;
}
