/*
 * kaito-constructs/reconciler: the in-cluster reconciler. The pure decision (decide) and the shell around
 * it (watches, work queue, API calls, leader election, metrics), for embedding or testing; the
 * `kaito-reconciler` bin runs it.
 */
export { decide, WORKSPACE_FINALIZER } from './decide';
export type { Decision, DecideOptions, Observation, ObjectRef, ProvisionerName } from './decide';
export { CONDITION, mergeConditions } from './conditions';
export type { ConditionInput, WorkspaceEvent } from './conditions';
export { nodeClaimView, nodeView, podProblem, conditionOf } from './observe';
export type { RawObject, NodeClaimView, NodeView, PodProblem } from './observe';
export { startReconciler } from './manager';
export type { ReconcilerOptions, RunningReconciler, LeaderElectionSettings } from './manager';
export { WorkspaceController, DEFAULT_CONCURRENCY } from './controller';
export type { ControllerOptions } from './controller';
export { Actor, FIELD_MANAGER, objectPath } from './act';
export { Sources } from './sources';
export type { SourcesOptions } from './sources';
export { Informer, objectKey } from './informer';
export type { InformerOptions, ChangeType, ChangeHandler } from './informer';
export { WorkQueue } from './queue';
export type { WorkQueueOptions, Priority } from './queue';
export { EventRecorder } from './events';
export type { EventRecorderOptions } from './events';
export { LeaderElector } from './leader';
export type { LeaderElectionOptions } from './leader';
export { KubeApi, ApiError, WatchStalledError, isStatus } from './http';
export type { KubeApiOptions, RequestInit, WatchEvent, WatchInit, RequestRecord } from './http';
export { loadConnection, kubeconfigConnection, inClusterConnection } from './connection';
export type { Connection } from './connection';
export { ReconcilerMetrics } from './metrics';
export type { ReconcileResult } from './metrics';
export { jsonLogger, silentLogger } from './log';
export type { Logger, LogLevel, LogFields, JsonLoggerOptions } from './log';
export { parseFlags, parseDuration, UsageError, USAGE } from './flags';
export type { ReconcilerFlags } from './flags';
export { nodeScope, ownerWorkspaceKey, labelledWorkspaceKey, workspaceKey } from './scope';
export type { NodeScope } from './scope';
