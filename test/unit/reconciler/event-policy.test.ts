import type { Condition } from '../../../src/api/types';
import { mergeConditions, type ConditionInput } from '../../../src/reconciler/conditions';

/*
 * Which condition changes become events: only what a user acts on (a failure, once per reason; the workspace
 * ceasing to be Ready). The rest is in the status, becoming Ready or Succeeded too.
 */

const T0 = '2026-11-22T10:00:00Z';
const T1 = '2026-11-22T10:05:00Z';
type Row = [string, ConditionInput['status'], string, string];
const inputs = (rows: Row[]): ConditionInput[] =>
  rows.map(([type, status, reason, message]) => ({ type, status, reason, message }));
const stored = (rows: Row[]): Condition[] =>
  inputs(rows).map((c) => ({ ...c, observedGeneration: 1, lastTransitionTime: T0 }));

const PENDING: Row[] = [
  ['NodeClaimReady', 'False', 'NodeClaimNotReady', 'waiting for 1 node'],
  ['ResourceReady', 'False', 'workspaceResourceStatusNotReady', 'nodes not ready'],
  ['InferenceReady', 'False', 'WorkspaceInferenceStatusPending', 'inference pending'],
  ['WorkspaceSucceeded', 'False', 'workspacePending', 'pending'],
  ['WorkspaceReady', 'False', 'workspacePending', 'pending'],
];
const READY: Row[] = [
  ['NodeClaimReady', 'True', 'NodeClaimsReady', 'all node claims are ready'],
  ['ResourceReady', 'True', 'workspaceResourceStatusSuccess', 'nodes ready'],
  ['InferenceReady', 'True', 'WorkspaceInferenceStatusSuccess', 'inference ready'],
  ['WorkspaceSucceeded', 'True', 'workspaceSucceeded', 'the model is being served'],
  ['WorkspaceReady', 'True', 'WorkspaceReady', 'the model is being served'],
];
const CRASHING: Row[] = [
  ...READY.slice(0, 2),
  ['InferenceReady', 'False', 'ContainerCrashLoopBackOff', 'pod-0: CrashLoopBackOff'],
  ['WorkspaceSucceeded', 'False', 'workspacePending', 'pod-0: CrashLoopBackOff'],
  ['WorkspaceReady', 'False', 'ContainerCrashLoopBackOff', 'pod-0: CrashLoopBackOff'],
];
const TUNING_RUNNING: Row[] = [
  ['JobStarted', 'True', 'JobStarted', 'started'],
  ['WorkspaceSucceeded', 'False', 'workspacePending', 'running'],
  ['WorkspaceReady', 'False', 'workspacePending', 'running'],
];
const tuningEnded = (status: 'True' | 'False', reason: string, message: string): Row[] => [
  TUNING_RUNNING[0]!,
  ['WorkspaceSucceeded', status, reason, message],
  ['WorkspaceReady', status, reason, message],
];

test.each<[string, Row[], Row[], Array<[string, string, string]>]>([
  ['a new workspace, every condition waiting: no event', [], PENDING, []],
  ['it becomes Ready: no event (the status says it)', PENDING, READY, []],
  ['Ready again with nothing changed: no event', READY, READY, []],
  [
    'its server crash-loops: one Warning, though two conditions carry the reason',
    READY,
    CRASHING,
    [['Warning', 'ContainerCrashLoopBackOff', 'InferenceReady is False: pod-0: CrashLoopBackOff']],
  ],
  ['still crash-looping: no new event', CRASHING, CRASHING, []],
  [
    'a new failing reason is a new Warning',
    CRASHING,
    [
      ...CRASHING.slice(0, 2),
      ['InferenceReady', 'False', 'ImagePullError', 'pull access denied'],
      ...CRASHING.slice(3),
    ],
    [['Warning', 'ImagePullError', 'InferenceReady is False: pull access denied']],
  ],
  [
    'it stops being Ready while waiting (its node went): a Normal event for WorkspaceReady',
    READY,
    [
      PENDING[0]!,
      PENDING[1]!,
      READY[2]!,
      ['WorkspaceSucceeded', 'False', 'workspaceResourceStatusNotReady', 'nodes not ready'],
      ['WorkspaceReady', 'False', 'workspaceResourceStatusNotReady', 'nodes not ready'],
    ],
    [['Normal', 'workspaceResourceStatusNotReady', 'WorkspaceReady is False: nodes not ready']],
  ],
  [
    'a tuning job succeeds: no event (WorkspaceReady carries the outcome)',
    TUNING_RUNNING,
    tuningEnded('True', 'workspaceSucceeded', 'done'),
    [],
  ],
  [
    'a tuning job fails: one Warning',
    TUNING_RUNNING,
    tuningEnded('False', 'workspaceFailed', 'the job failed'),
    [['Warning', 'workspaceFailed', 'WorkspaceSucceeded is False: the job failed']],
  ],
  [
    'deleting: no event (the user asked for it)',
    READY,
    [...READY, ['WorkspaceDeleting', 'True', 'workspaceDeleted', 'waiting for 1 node claim(s) to go']],
    [],
  ],
])('%s', (_name, previous, decided, expected) => {
  const { events } = mergeConditions(stored(previous), inputs(decided), 1, T1);
  expect(events.map((e) => [e.type, e.reason, e.message])).toEqual(expected);
});
