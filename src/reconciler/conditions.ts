import type { Condition } from '../api/types';
import {
  CONDITION_MESSAGE_MAX_BYTES,
  CONDITION_REASON_MAX_BYTES,
  EVENT_MESSAGE_MAX_BYTES,
  EVENT_REASON_MAX_BYTES,
  truncateText,
} from './bounded';

/** The condition types the reconciler owns. */
export const CONDITION = {
  nodeClaimReady: 'NodeClaimReady',
  resourceReady: 'ResourceReady',
  inferenceReady: 'InferenceReady',
  jobStarted: 'JobStarted',
  workspaceSucceeded: 'WorkspaceSucceeded',
  workspaceReady: 'WorkspaceReady',
  workspaceDeleting: 'WorkspaceDeleting',
} as const;

/** A condition before bookkeeping: what the reconciler decided. */
export interface ConditionInput {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

/** An event to record on the Workspace. */
export interface WorkspaceEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** Reasons of False conditions that are waiting, not failing: their transitions are Normal events. */
const WAITING_REASONS = new Set([
  'NodeClaimNotReady',
  'workspaceResourceStatusNotReady',
  'WorkspaceInferenceStatusPending',
  'WorkspaceTuningJobStatusPending',
  'workspacePending',
]);

/**
 * The condition that sums a workspace up (a tuning workspace's carries its outcome): its change from True is
 * a Normal event. `WorkspaceSucceeded` says the same and would only repeat it.
 */
const SUMMARY_TYPE: string = CONDITION.workspaceReady;

/**
 * Merges decided conditions into the previous ones: `lastTransitionTime` moves only when the status does;
 * every condition carries `observedGeneration`. Conditions of other types are kept. Reasons and messages are
 * cut to the CRD's limits, and those of the events to the event limits.
 *
 * Returns the events a user acts on, not one per transition (each is an API write, and `kubectl describe`
 * should read as a story): a Warning when a condition starts failing with a reason (once per reason, however
 * many conditions share it), and a Normal event when the workspace as a whole stops being Ready. The other
 * transitions are in the status; becoming Ready too, where `kubectl wait --for=condition=WorkspaceReady`
 * reads it (Kaito's controller records no event for it either).
 */
export function mergeConditions(
  previous: readonly Condition[],
  decided: readonly ConditionInput[],
  generation: number,
  now: string,
): { conditions: Condition[]; events: WorkspaceEvent[] } {
  const byType = new Map(previous.map((c) => [c.type, c]));
  const events: WorkspaceEvent[] = [];
  const warned = new Set<string>();
  for (const input of decided) {
    const d = {
      ...input,
      reason: truncateText(input.reason, CONDITION_REASON_MAX_BYTES),
      message: truncateText(input.message, CONDITION_MESSAGE_MAX_BYTES),
    };
    const old = byType.get(d.type);
    const transitioned = old === undefined || old.status !== d.status;
    byType.set(d.type, {
      type: d.type,
      status: d.status,
      reason: d.reason,
      message: d.message,
      observedGeneration: generation,
      lastTransitionTime: transitioned ? now : old.lastTransitionTime,
    });
    if (!transitioned && old.reason === d.reason) continue;
    const failing = d.status === 'False' && !WAITING_REASONS.has(d.reason);
    const summary = d.type === SUMMARY_TYPE && d.status !== 'True' && old?.status === 'True';
    if (failing ? warned.has(d.reason) : !summary) continue;
    if (failing) warned.add(d.reason);
    events.push({
      type: failing ? 'Warning' : 'Normal',
      reason: truncateText(d.reason, EVENT_REASON_MAX_BYTES),
      message: truncateText(`${d.type} is ${d.status}: ${d.message}`, EVENT_MESSAGE_MAX_BYTES),
    });
  }
  const order = [
    ...previous.map((c) => c.type),
    ...decided.map((d) => d.type).filter((t) => !previous.some((c) => c.type === t)),
  ];
  return { conditions: order.map((t) => byType.get(t)!), events };
}
