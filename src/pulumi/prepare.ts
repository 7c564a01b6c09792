import { error, hasErrors, validateWorkspaceObject, type Problem, type Workspace } from '../api';
import { checkWorkspaceObject, FitError, planWorkspace, type WorkspacePlan } from '../plan';

/** A workspace that passed validation and planning, with the warnings found on the way. */
export interface PreparedWorkspace {
  readonly workspace: Workspace;
  readonly plan: WorkspacePlan;
  readonly warnings: readonly Problem[];
}

/** The outcome of {@link checkWorkspace}: the prepared workspace, or every problem found. */
export type WorkspaceOutcome =
  | { readonly ok: true; readonly prepared: PreparedWorkspace }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/**
 * Validates and plans a raw Workspace object, the one check every face runs. With `plannedInstanceType`
 * (bring-your-own nodes of a known node pool), the workspace is validated as it is and planned on that
 * instance type, so the fit is checked against the pool's GPUs.
 */
export function checkWorkspace(raw: Record<string, unknown>, plannedInstanceType?: string): WorkspaceOutcome {
  if (plannedInstanceType === undefined) {
    const check = checkWorkspaceObject(raw);
    if (check.workspace === undefined || check.plan === undefined || hasErrors(check.problems)) {
      return { ok: false, problems: check.problems };
    }
    return { ok: true, prepared: { workspace: check.workspace, plan: check.plan, warnings: check.problems } };
  }
  const { workspace, problems } = validateWorkspaceObject(raw);
  if (workspace === undefined || hasErrors(problems)) return { ok: false, problems };
  try {
    const onPool = { ...workspace, resource: { ...workspace.resource, instanceType: plannedInstanceType } };
    return { ok: true, prepared: { workspace, plan: planWorkspace(onPool), warnings: problems } };
  } catch (e) {
    if (!(e instanceof FitError)) throw e;
    return { ok: false, problems: [...problems, error(e.path, e.message)] };
  }
}

/*
 * A component that builds a KaitoWorkspace from a workspace it has already checked hands the result over
 * here, keyed by the args object, so the check is not run twice.
 */
const checked = new WeakMap<object, PreparedWorkspace>();

export function rememberPrepared(args: object, prepared: PreparedWorkspace): void {
  checked.set(args, prepared);
}

export function preparedFor(args: object): PreparedWorkspace | undefined {
  return checked.get(args);
}

/** A JSON copy without `undefined` fields (what the API server would store). */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
