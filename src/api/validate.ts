import { normalizeWorkspace, splitManifest, workspaceVersionOf } from './parse';
import { ValidationError, type Problem } from './problems';
import { checkRules, type CatalogOptions } from './rules';
import { validationSchema } from './schema';
import { checkValue } from './limits';
import { checkStructure, type StructureOptions } from './structural';
import type { Workspace, WorkspaceVersion } from './types';

export const hasErrors = (problems: readonly Problem[]): boolean => problems.some((p) => p.severity === 'error');

/** The outcome of validating one Workspace object (without the fit check, which needs the planner). */
export interface WorkspaceValidation {
  readonly sourceVersion?: WorkspaceVersion;
  /** The workspace in the internal model, when its structure could be read. */
  readonly workspace?: Workspace;
  readonly problems: readonly Problem[];
}

/** The catalogs to check against, and how strict to be about fields the schema does not name. */
export interface ValidateOptions extends CatalogOptions, StructureOptions {}

/** Structure (the CRD schema), then Kaito's create rules and ours. Returns every problem found. */
export function validateWorkspaceObject(
  value: Record<string, unknown>,
  options: ValidateOptions = {},
): WorkspaceValidation {
  // Faces pass objects straight in: the same bounds as for text (depth, size, plain data).
  const bounds = checkValue(value);
  if (bounds !== undefined) return { problems: [bounds] };
  const version = workspaceVersionOf(value);
  if (typeof version !== 'string') return { problems: [version] };
  const structural = checkStructure(validationSchema(version), value, '', options);
  if (hasErrors(structural)) return { sourceVersion: version, problems: structural };
  const workspace = normalizeWorkspace(value, version);
  return { sourceVersion: version, workspace, problems: [...structural, ...checkRules(workspace, version, options)] };
}

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
