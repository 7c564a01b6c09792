import { error, type Problem } from '../api/problems';
import type { Workspace, WorkspaceVersion } from '../api/types';
import { hasErrors, validateWorkspaceObject, type ValidateOptions } from '../api/validate-object';
import { FitError } from './fit-error';
import { planWorkspace, type PlanOptions, type WorkspacePlan } from './plan';

/* The check of one Workspace object; the text forms are in check.ts. */

/** The outcome of checking one Workspace document: validation, then the plan. */
export interface WorkspaceCheck {
  /** Position of the document in its input. */
  readonly index: number;
  /** The version the document was written in. */
  readonly sourceVersion?: WorkspaceVersion;
  /** The workspace in the internal model, when it could be read. */
  readonly workspace?: Workspace;
  /** The plan, when the workspace is valid and fits. */
  readonly plan?: WorkspacePlan;
  /** Errors and warnings, each with its field path. */
  readonly problems: readonly Problem[];
  /** The fit error, when the plan failed. */
  readonly fitError?: FitError;
}

/** What the check needs: the catalogs, what is known of the nodes, how strict to be about unknown fields. */
export interface CheckOptions extends PlanOptions, ValidateOptions {}

/** Validates and plans one parsed object. The one check every face runs. */
export function checkWorkspaceObject(
  value: Record<string, unknown>,
  options: CheckOptions = {},
  index = 0,
): WorkspaceCheck {
  const { sourceVersion, workspace, problems } = validateWorkspaceObject(value, options);
  const base = { index, ...(sourceVersion ? { sourceVersion } : {}), ...(workspace ? { workspace } : {}) };
  if (workspace === undefined || hasErrors(problems)) return { ...base, problems };
  try {
    return { ...base, plan: planWorkspace(workspace, options), problems };
  } catch (e) {
    if (!(e instanceof FitError)) throw e;
    return { ...base, problems: [...problems, error(e.path, e.message)], fitError: e };
  }
}
