import { normalizeWorkspace, workspaceVersionOf } from './normalize';
import type { Problem } from './problems';
import { checkRules, type CatalogOptions } from './rules';
import { validationSchema } from './schema';
import { checkValue } from './limits';
import { checkStructure, type StructureOptions } from './structural';
import type { Workspace, WorkspaceVersion } from './types';

/* Validation of one Workspace object; the text forms are in validate.ts. */

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
