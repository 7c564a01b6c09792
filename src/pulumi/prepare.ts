import { hasErrors, type Problem, type Workspace } from '../api';
import { checkWorkspaceObject, type WorkspacePlan } from '../plan';

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

/** Validates and plans a raw Workspace object, the one check every face runs. */
export function checkWorkspace(raw: Record<string, unknown>): WorkspaceOutcome {
  const check = checkWorkspaceObject(raw);
  if (check.workspace === undefined || check.plan === undefined || hasErrors(check.problems)) {
    return { ok: false, problems: check.problems };
  }
  return { ok: true, prepared: { workspace: check.workspace, plan: check.plan, warnings: check.problems } };
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
