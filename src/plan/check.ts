import { splitManifest, type CompanionDocument } from '../api/parse';
import { checkWorkspaceObject, type CheckOptions, type WorkspaceCheck } from './check-object';

export { checkWorkspaceObject, type CheckOptions, type WorkspaceCheck } from './check-object';

/** The checks of a file's Workspaces, and the companion documents (ConfigMaps, Secrets, PVCs) passed over. */
export interface ManifestCheck {
  readonly checks: readonly WorkspaceCheck[];
  readonly companions: readonly CompanionDocument[];
}

/** Validates and plans every Workspace of a multi-document input; its companions are returned unchecked. */
export function checkManifest(input: string | object, options: CheckOptions = {}): ManifestCheck {
  const { workspaces, companions } = splitManifest(input);
  const checks = workspaces.map((doc) =>
    doc.value === undefined
      ? { index: doc.index, problems: doc.problems }
      : checkWorkspaceObject(doc.value, options, doc.index),
  );
  return { checks, companions };
}

/** Validates and plans every Workspace in YAML/JSON text (multi-document) or an object. */
export function checkWorkspaces(input: string | object, options: CheckOptions = {}): WorkspaceCheck[] {
  return [...checkManifest(input, options).checks];
}
