import { splitManifest } from './parse';
import { ValidationError, type Problem } from './problems';
import type { Workspace } from './types';
import { hasErrors, validateWorkspaceObject, type ValidateOptions } from './validate-object';

export { hasErrors, validateWorkspaceObject, type ValidateOptions, type WorkspaceValidation } from './validate-object';

/**
 * Problems of every Workspace in YAML/JSON text or an object (the fit is not checked here); ConfigMaps, Secrets
 * and PersistentVolumeClaims beside them are passed over.
 */
export function validateWorkspace(input: string | object, options: ValidateOptions = {}): Problem[] {
  return splitManifest(input).workspaces.flatMap((doc) =>
    doc.value === undefined ? doc.problems : validateWorkspaceObject(doc.value, options).problems,
  );
}

/**
 * Reads every Workspace of YAML or JSON text (multi-document, comments allowed) or of an object, in either
 * version, into the internal model (ConfigMaps, Secrets and PersistentVolumeClaims beside them are passed
 * over). Throws {@link ValidationError} with every problem when any is invalid.
 */
export function parseWorkspaces(input: string | object, options: ValidateOptions = {}): Workspace[] {
  const out: Workspace[] = [];
  const problems: Problem[] = [];
  for (const doc of splitManifest(input).workspaces) {
    if (doc.value === undefined) {
      problems.push(...doc.problems);
      continue;
    }
    const result = validateWorkspaceObject(doc.value, options);
    problems.push(...result.problems);
    if (result.workspace !== undefined && !hasErrors(result.problems)) out.push(result.workspace);
  }
  if (hasErrors(problems)) throw new ValidationError(problems);
  return out;
}

/** Like {@link parseWorkspaces}, for input holding exactly one Workspace. */
export function parseWorkspace(input: string | object, options: ValidateOptions = {}): Workspace {
  const all = parseWorkspaces(input, options);
  if (all.length !== 1) {
    throw new ValidationError([
      { path: '', message: `expected exactly one Workspace, found ${all.length}`, severity: 'error' },
    ]);
  }
  return all[0];
}
