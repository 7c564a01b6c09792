import type { StatefulSetSpec, StatefulSetStatus } from 'kubernetes-types/apps/v1';
import type { JobStatus } from 'kubernetes-types/batch/v1';
import type { Condition, Workspace, WorkspaceStatus } from '../api/types';
import { defaultPresets } from '../catalog';
import { parseBenchmarkLog } from './benchmark';
import {
  LABEL_NODEPOOL_WORKSPACE,
  LABEL_NODEPOOL_WORKSPACE_NAMESPACE,
  LABEL_WORKSPACE,
  LABEL_WORKSPACE_NAMESPACE,
} from '../api/types';
import { checkWorkspaceObject, type WorkspaceCheck } from '../plan/check-object';
import type { WorkspacePlan } from '../plan/plan';
import { sanitizedMatchLabels } from '../render/labels';
import { defaultNodeClass, type NodeClassRef } from '../render/node-class';
import type { KubeObject, NodeProvisioner } from '../render/options';
import { renderWorkspace } from '../render/workspace';
import { CONDITION, mergeConditions, type ConditionInput, type WorkspaceEvent } from './conditions';
import {
  nodeClaimView,
  nodeView,
  podProblem,
  type NodeClaimView,
  type NodeView,
  type PodProblem,
  type RawObject,
} from './observe';

/*
 * The reconciler's decision, as a pure function: given a Workspace and what was observed of its nodes,
 * NodeClaims, workload and pods, return the actions to take and the status to write. The shell around it
 * (watches, queue, API calls) carries the actions out and is the only part that talks to the API server.
 */

/** The finalizer that holds a Workspace until its NodeClaims are gone. */
export const WORKSPACE_FINALIZER = 'workspace.finalizer.kaito.sh';

/** How nodes come to exist (the reconciler's `--node-provisioner`). */
export type ProvisionerName = 'gpu-provisioner' | 'karpenter' | 'machine' | 'karpenter-nodepool' | 'byo';

/** What a decision depends on besides the observation. */
export interface DecideOptions {
  readonly provisioner: ProvisionerName;
  /** Registry of Kaito's images. @default 'mcr.microsoft.com/aks/kaito' */
  readonly registry?: string;
  /** The node class NodeClaims point at. @default defaultNodeClass(provisioner) */
  readonly nodeClass?: NodeClassRef;
  /** The time conditions that move are stamped with (RFC 3339). */
  readonly now: string;
  /**
   * Create pods from templates and volumes that Pod Security "baseline" refuses (and templates that pick a
   * service account). Off: such a workspace is reported invalid and nothing is created for it.
   * @default false
   */
  readonly allowPrivilegedTemplates?: boolean;
}

/** What the shell observed for one workspace. */
export interface Observation {
  readonly workspace: RawObject;
  /** NodeClaims (or Machines) labelled with this workspace and its namespace. */
  readonly nodeClaims: readonly RawObject[];
  /** Nodes the workspace may use (all nodes, or those its labels select). */
  readonly nodes: readonly RawObject[];
  /** The StatefulSet or Job named after the workspace, if it exists. */
  readonly workload?: RawObject;
  /** Pods labelled with the workspace. */
  readonly pods: readonly RawObject[];
  /** Objects of the workspace's names that exist and belong to someone else: nothing is applied over them. */
  readonly conflicts?: readonly ObjectConflict[];
  /** The workspace's Karpenter NodePool (`karpenter-nodepool`), when it exists and is labelled for it. */
  readonly nodePool?: RawObject;
  /** The tail of the leader's server log once its benchmark probe passed (see ./benchmark), to fill `performance`. */
  readonly benchmarkLog?: string;
}

/** An object the workspace would create that exists and is not the workspace's. */
export interface ObjectConflict {
  readonly kind: string;
  readonly name: string;
  /** Who it belongs to, when it names a workspace (`workspace other`), else undefined. */
  readonly owner?: string;
}

/** A cluster-scoped object to delete. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
}

/** What to do for one workspace: the shell carries it out. */
export interface Decision {
  readonly finalizer: 'add' | 'remove' | 'keep';
  /** NodeClaims or Machines to create (names are deterministic: creating one twice conflicts). */
  readonly create: readonly KubeObject[];
  readonly delete: readonly ObjectRef[];
  /**
   * Cluster-scoped objects that bring the nodes, to server-side apply from the first pass on: the workspace's
   * NodePool with the `karpenter-nodepool` provisioner (creating or resizing it).
   */
  readonly provision?: readonly KubeObject[];
  /** Namespaced objects to server-side apply (ConfigMaps, Services, the workload). */
  readonly apply: readonly KubeObject[];
  /**
   * Every namespaced object the workspace will have (what `apply` holds once its nodes are ready): the shell
   * checks before provisioning that none of their names is taken by an object that is not the workspace's.
   */
  readonly objects?: readonly KubeObject[];
  /** The status to write, or undefined when it has not changed. */
  readonly status?: WorkspaceStatus;
  readonly events: readonly WorkspaceEvent[];
  /** The plan, when the workspace is valid and fits. */
  readonly plan?: WorkspacePlan;
}

const NODE_KINDS = new Set(['NodeClaim', 'Machine', 'NodePool']);

/**
 * NodeClaims (or Machines) of a workspace created in one reconcile, and in flight (created, not Ready yet), at
 * most. The rest come in later passes as claims become Ready, so a huge `resource.count` neither renders nor
 * creates thousands of objects at once, and the API server and the cloud see bounded bursts.
 */
export const MAX_NODE_CREATES_PER_PASS = 10;

/** Reason of `ResourceReady` when an object of the workspace's names belongs to someone else. */
export const REASON_OBJECT_CONFLICT = 'ObjectConflict';
/** Reason of `ResourceReady` when deciding for the workspace threw. */
export const REASON_RECONCILE_ERROR = 'ReconcileError';

/**
 * True when a node carries the `kaito.sh/workspace` label (or a NodePool's `karpenter.kaito.sh/workspace-name`)
 * of another workspace: it was provisioned for it.
 */
function nodeOfAnotherWorkspace(n: NodeView, name: string, namespace: string): boolean {
  const nodePool = n.labels[LABEL_WORKSPACE] === undefined;
  const owner = nodePool ? n.labels[LABEL_NODEPOOL_WORKSPACE] : n.labels[LABEL_WORKSPACE];
  if (owner === undefined) return false;
  const ownerNamespace = n.labels[nodePool ? LABEL_NODEPOOL_WORKSPACE_NAMESPACE : LABEL_WORKSPACE_NAMESPACE];
  return owner !== name || (ownerNamespace !== undefined && ownerNamespace !== namespace);
}

function renderProvisioner(name: ProvisionerName): NodeProvisioner {
  return name === 'gpu-provisioner' ? 'karpenter' : name;
}

/** `spec.replicas` of a NodePool, when it is a whole number. */
function replicasOf(nodePool: RawObject | undefined): number {
  const replicas = (nodePool?.spec as { replicas?: unknown } | undefined)?.replicas;
  return typeof replicas === 'number' && Number.isInteger(replicas) ? replicas : 0;
}

/**
 * The workspace's NodePool to apply: of the planned size, never smaller than it is. Kaito never shrinks it
 * either: Karpenter would drain the node it finds cheapest to empty, which may be the leader's while the
 * StatefulSet is still scaling down, so nodes given up by a smaller count go with the workspace.
 */
function sizedNodePool(rendered: KubeObject, live: RawObject | undefined): KubeObject {
  const spec = rendered.spec as { replicas: number };
  return { ...rendered, spec: { ...spec, replicas: Math.max(spec.replicas, replicasOf(live)) } };
}

/** JSON with object keys sorted: equal for equal values, whatever order their keys came in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The API server returns a stored status with its keys sorted; the order of keys is no change. */
function sameStatus(a: WorkspaceStatus | undefined, b: WorkspaceStatus): boolean {
  return canonical(a ?? {}) === canonical(b);
}

/** Nodes that count for the workspace: Ready, with GPUs reported by the device plugin. */
function usableNodes(
  ws: Workspace,
  provisioner: NodeProvisioner,
  claimNodeNames: Set<string>,
  nodes: NodeView[],
  gpusPerNode: number,
) {
  const namespace = ws.metadata.namespace ?? 'default';
  if (provisioner === 'byo') {
    const selector = sanitizedMatchLabels(ws.resource.labelSelector);
    return nodes.filter(
      (n) =>
        n.ready &&
        n.gpus >= gpusPerNode &&
        !nodeOfAnotherWorkspace(n, ws.metadata.name, namespace) &&
        Object.entries(selector).every(([k, v]) => n.labels[k] === v),
    );
  }
  return nodes.filter(
    (n) =>
      n.ready &&
      n.gpus > 0 &&
      (claimNodeNames.has(n.name) ||
        (n.labels[LABEL_WORKSPACE] === ws.metadata.name && n.labels[LABEL_WORKSPACE_NAMESPACE] === namespace)) &&
      (ws.resource.instanceType === undefined ||
        n.labels['node.kubernetes.io/instance-type'] === ws.resource.instanceType),
  );
}

/** What a decision does, without the status it writes: what the steps of {@link decide} hand to {@link finish}. */
type Actions = Omit<Decision, 'status' | 'events'>;

/** The decision with its status: the conditions merged into the stored ones, no status write when nothing moved. */
function finish(
  ws: RawObject,
  decided: ConditionInput[],
  extra: Omit<WorkspaceStatus, 'conditions'>,
  options: DecideOptions,
  rest: Actions,
): Decision {
  const previous = (ws.status ?? {}) as WorkspaceStatus;
  const { conditions, events } = mergeConditions(
    (previous.conditions ?? []) as Condition[],
    decided,
    ws.metadata?.generation ?? 0,
    options.now,
  );
  const status: WorkspaceStatus = { ...previous, ...extra, conditions };
  return { ...rest, events, ...(sameStatus(previous, status) ? {} : { status }) };
}

/** The weights' quantization of a catalog preset, as the benchmark metric records it. */
function quantizationOf(preset: string | undefined): { quantization?: string } {
  const quantization = preset === undefined ? undefined : defaultPresets.find(preset)?.quantization;
  return quantization === undefined ? {} : { quantization };
}

/** How far a valid workspace got, as its workload's conditions need it. */
interface Progress {
  /** Enough usable nodes exist. */
  readonly resourceReady: boolean;
  /** The planned node count. */
  readonly target: number;
  /** Names of the usable nodes, sorted (`status.workerNodes`). */
  readonly workerNodes: readonly string[];
  /** The first problem of the workspace's pods. */
  readonly problem: PodProblem | undefined;
}

/**
 * A workspace being deleted: its nodes are released before the finalizer goes, so none outlives it. While the
 * workspace's NodePool lives, Karpenter replaces a deleted claim: the pool goes first, its claims with it
 * (garbage collector, Karpenter's termination); those left once it is going are deleted one by one.
 */
function decideDeletion(observed: Observation, hasFinalizer: boolean, options: DecideOptions): Decision {
  if (!hasFinalizer) return { finalizer: 'keep', create: [], delete: [], apply: [], events: [] };
  const pool = observed.nodePool;
  const refs: ObjectRef[] =
    pool !== undefined && pool.metadata?.deletionTimestamp === undefined
      ? [{ apiVersion: 'karpenter.sh/v1', kind: 'NodePool', name: pool.metadata?.name ?? '' }]
      : observed.nodeClaims
          .filter((c) => c.metadata?.deletionTimestamp === undefined)
          .map((c) => ({
            apiVersion: c.apiVersion ?? 'karpenter.sh/v1',
            kind: c.kind ?? 'NodeClaim',
            name: c.metadata?.name ?? '',
          }));
  const gone = observed.nodeClaims.length === 0 && pool === undefined;
  const decided: ConditionInput[] = [
    {
      type: CONDITION.workspaceDeleting,
      status: 'True',
      reason: 'workspaceDeleted',
      message: gone
        ? 'all nodes released'
        : `waiting for ${pool === undefined ? '' : `NodePool ${pool.metadata?.name ?? ''} and `}${observed.nodeClaims.length} node claim(s) to go`,
    },
  ];
  const rest = { finalizer: gone ? ('remove' as const) : ('keep' as const), create: [], delete: refs, apply: [] };
  // Once the finalizer goes, the object goes: no status write.
  return gone ? { ...rest, events: [] } : finish(observed.workspace, decided, {}, options, rest);
}

/** Which provisioner brings the workspace's nodes: none ('byo') without an instance type. */
function provisionerOf(raw: RawObject, options: DecideOptions): NodeProvisioner {
  // Without an instance type the nodes are the user's: plan on the GPUs GPU Feature Discovery reports.
  const instanceType = (raw as { resource?: { instanceType?: unknown } }).resource?.instanceType;
  return typeof instanceType === 'string' && instanceType !== '' ? renderProvisioner(options.provisioner) : 'byo';
}

/** Validates and plans the workspace; bring-your-own nodes are planned on the GPUs a free ready node reports. */
function checkObserved(
  raw: RawObject,
  nodes: readonly NodeView[],
  provisioner: NodeProvisioner,
  options: DecideOptions,
): WorkspaceCheck {
  const meta = raw.metadata ?? {};
  const plainWorkspace = { ...raw, apiVersion: 'kaito.sh/v1beta1', kind: 'Workspace' } as Record<string, unknown>;
  const ownNamespace = meta.namespace ?? 'default';
  const byoNode =
    provisioner === 'byo'
      ? nodes.find((n) => n.ready && n.gpu !== undefined && !nodeOfAnotherWorkspace(n, meta.name ?? '', ownNamespace))
          ?.gpu
      : undefined;
  return checkWorkspaceObject(plainWorkspace, {
    ...(byoNode ? { observedNode: byoNode } : {}),
    ...(options.allowPrivilegedTemplates === true ? { allowPrivilegedPods: true } : {}),
  });
}

/** A workspace that is invalid or does not fit: nothing is created, and the conditions say why. */
function decideInvalid(
  raw: RawObject,
  check: WorkspaceCheck,
  finalizer: Decision['finalizer'],
  options: DecideOptions,
): Decision {
  const isTuning = check.workspace?.tuning !== undefined;
  const errors = check.problems.filter((p) => p.severity === 'error');
  const reason = check.fitError ? 'InsufficientGPUMemory' : 'InvalidWorkspace';
  const message = errors.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ');
  const decided: ConditionInput[] = [
    { type: CONDITION.resourceReady, status: 'False', reason, message },
    { type: CONDITION.workspaceReady, status: 'False', reason, message },
  ];
  return finish(raw, decided, { state: isTuning ? 'Failed' : 'Pending' }, options, {
    finalizer,
    create: [],
    delete: [],
    apply: [],
  });
}

/**
 * How many nodes this pass renders, so that a huge count is neither rendered nor created at once. Only the
 * nodes this pass may create are rendered: node i is named after its index, so the first `claims + cap`
 * indexes hold every claim that exists plus at least `cap` missing ones. Until the window covers the whole
 * plan, the other objects rendered with it are not applied (their replica counts would be the window's),
 * and they are not applied before every node exists anyway.
 * Karpenter makes a NodePool's claims and paces them itself: the whole plan is rendered.
 */
function renderWindow(provisioner: NodeProvisioner, target: number, claimCount: number): number {
  return provisioner === 'byo' || provisioner === 'karpenter-nodepool'
    ? target
    : Math.min(target, claimCount + MAX_NODE_CREATES_PER_PASS);
}

/** Renders the workspace's objects for this pass, with the reconciler's registry, node class and owner. */
function renderPass(
  ws: Workspace,
  plan: WorkspacePlan,
  provisioner: NodeProvisioner,
  raw: RawObject,
  options: DecideOptions,
): KubeObject[] {
  const meta = raw.metadata ?? {};
  return renderWorkspace(ws, plan, {
    nodeProvisioner: provisioner,
    ...(meta.uid ? { ownerUid: meta.uid } : {}),
    ...(options.registry ? { registry: options.registry } : {}),
    nodeClass: options.nodeClass ?? defaultNodeClass(options.provisioner),
  });
}

/** Objects of the workspace's names belong to someone else: nothing is applied over them, the user is told. */
function decideConflict(
  raw: RawObject,
  conflicts: readonly ObjectConflict[],
  finalizer: Decision['finalizer'],
  objects: readonly KubeObject[],
  plan: WorkspacePlan,
  options: DecideOptions,
): Decision {
  const message = conflicts
    .map(
      (c) =>
        `${c.kind} ${c.name} exists and is not this workspace's (${c.owner ? `it belongs to ${c.owner}` : 'no owner reference to it, no kaito.sh/workspace label naming it'}): it is left as it is`,
    )
    .join('; ');
  const fix = `${message}; delete or rename it, or give the workspace another name`;
  const decided: ConditionInput[] = [
    { type: CONDITION.resourceReady, status: 'False', reason: REASON_OBJECT_CONFLICT, message: fix },
    { type: CONDITION.workspaceReady, status: 'False', reason: REASON_OBJECT_CONFLICT, message: fix },
  ];
  return finish(raw, decided, { state: 'Pending' }, options, {
    finalizer,
    create: [],
    delete: [],
    apply: [],
    objects,
    plan,
  });
}

/** The node objects of this pass: NodeClaims (or Machines) to create within the cap, the NodePool to apply. */
function nodeChanges(
  rendered: readonly KubeObject[],
  claims: readonly NodeClaimView[],
  target: number,
  livePool: RawObject | undefined,
): { create: KubeObject[]; provision: KubeObject[] } {
  const desiredNodes = rendered.filter((o) => NODE_KINDS.has(o.kind) && o.kind !== 'NodePool');
  const provision = rendered.filter((o) => o.kind === 'NodePool').map((o) => sizedNodePool(o, livePool));
  const existing = new Set(claims.map((c) => c.name));
  // At most the cap of claims is in flight (created, not Ready yet): a huge count advances at the pace nodes
  // come up, not at the pace the API server accepts claims.
  const inFlight = claims.filter((c) => !c.ready && !c.deleting).length;
  const missing = Math.max(0, Math.min(MAX_NODE_CREATES_PER_PASS - inFlight, target - claims.length));
  const create = desiredNodes.filter((o) => !existing.has(o.metadata.name)).slice(0, missing);
  return { create, provision };
}

/** The nodes the workspace can use now: {@link usableNodes}, without those whose claim is still launching. */
function usableNodesNow(
  ws: Workspace,
  provisioner: NodeProvisioner,
  claims: readonly NodeClaimView[],
  nodes: readonly NodeView[],
  gpusPerNode: number,
): NodeView[] {
  const claimNodeNames = new Set(claims.flatMap((c) => (c.nodeName ? [c.nodeName] : [])));
  // A node whose claim is not Ready yet is not usable even when the node says Ready: Karpenter still holds it
  // under its unregistered taint, so pods put there now are unschedulable for a while.
  const launching = new Set(claims.flatMap((c) => (c.nodeName && !c.ready ? [c.nodeName] : [])));
  // Karpenter creates the node (with the claim's labels) before it records it in the claim's status: while a
  // claim has no node yet, a node known only by this workspace's labels may be that claim's, still launching.
  const claimWithoutNode = claims.some((c) => !c.ready && !c.deleting && !c.nodeName);
  return usableNodes(
    ws,
    provisioner,
    claimNodeNames,
    nodes.filter((n) => !launching.has(n.name) && (!claimWithoutNode || claimNodeNames.has(n.name))),
    gpusPerNode,
  );
}

/** `NodeClaimReady` of provisioned nodes: how many claims are Ready, else the first provisioning failure. */
function nodeClaimCondition(
  claims: readonly NodeClaimView[],
  target: number,
  failure: NodeClaimView['failure'],
): ConditionInput {
  const ready = claims.filter((c) => c.ready).length;
  return ready >= target
    ? {
        type: CONDITION.nodeClaimReady,
        status: 'True',
        reason: 'NodeClaimsReady',
        message: `${ready}/${target} node claims are ready`,
      }
    : failure
      ? { type: CONDITION.nodeClaimReady, status: 'False', reason: failure.reason, message: failure.message }
      : {
          type: CONDITION.nodeClaimReady,
          status: 'False',
          reason: 'NodeClaimNotReady',
          message: `${ready}/${target} node claims are ready`,
        };
}

/** `ResourceReady`: whether enough usable nodes exist, else the first provisioning failure. */
function resourceCondition(
  usable: number,
  target: number,
  provisioner: NodeProvisioner,
  failure: NodeClaimView['failure'],
): ConditionInput {
  const what = provisioner === 'byo' ? 'ready nodes matching the label selector with enough GPUs' : 'ready GPU nodes';
  return usable >= target
    ? {
        type: CONDITION.resourceReady,
        status: 'True',
        reason: 'workspaceResourceStatusSuccess',
        message: `${usable}/${target} ${what}`,
      }
    : failure
      ? { type: CONDITION.resourceReady, status: 'False', reason: failure.reason, message: failure.message }
      : {
          type: CONDITION.resourceReady,
          status: 'False',
          reason: 'workspaceResourceStatusNotReady',
          message: `${usable}/${target} ${what}`,
        };
}

/** Where a tuning Job is: started, finished, failed (with the Job's and the pods' messages). */
interface TuningJobState {
  readonly started: boolean;
  readonly succeeded: boolean;
  readonly failed: boolean;
  readonly failMessage: string;
}

/** Reads a tuning workspace's Job: its status counts and its `Complete` and `Failed` conditions. */
function tuningJobState(job: RawObject | undefined, problem: PodProblem | undefined): TuningJobState {
  const jobStatus = (job?.status ?? {}) as JobStatus;
  const jobConditions = (job?.status as JobStatus | undefined)?.conditions ?? [];
  const failed = jobConditions.find((c) => c.type === 'Failed' && c.status === 'True');
  const succeeded =
    jobConditions.some((c) => c.type === 'Complete' && c.status === 'True') || (jobStatus.succeeded ?? 0) > 0;
  const started =
    job !== undefined &&
    ((jobStatus.active ?? 0) > 0 || succeeded || failed !== undefined || (jobStatus.failed ?? 0) > 0);
  const failMessage = [failed?.message, problem?.message].filter(Boolean).join('; ') || 'the tuning job failed';
  return { started, succeeded, failed: failed !== undefined, failMessage };
}

/** A tuning workspace: `JobStarted` from its Job, `WorkspaceSucceeded` and `WorkspaceReady` once it ends. */
function decideTuning(
  raw: RawObject,
  job: RawObject | undefined,
  decided: ConditionInput[],
  progress: Progress,
  actions: Actions,
  options: DecideOptions,
): Decision {
  const { resourceReady, problem, workerNodes, target } = progress;
  const { started, succeeded, failed, failMessage } = tuningJobState(job, problem);
  decided.push(
    failed
      ? { type: CONDITION.jobStarted, status: 'False', reason: 'WorkspaceTuningJobStatusFailed', message: failMessage }
      : started
        ? {
            type: CONDITION.jobStarted,
            status: 'True',
            reason: 'WorkspaceTuningJobStatusStarted',
            message: 'the tuning job has started',
          }
        : {
            type: CONDITION.jobStarted,
            status: 'False',
            reason: problem?.reason ?? 'WorkspaceTuningJobStatusPending',
            message:
              problem?.message ?? (resourceReady ? 'waiting for the tuning job to start' : 'waiting for GPU nodes'),
          },
  );
  const outcome = tuningOutcome(succeeded, failed, failMessage);
  decided.push(outcome, { ...outcome, type: CONDITION.workspaceReady });
  const state = succeeded ? 'Succeeded' : failed ? 'Failed' : started ? 'Running' : 'Pending';
  return finish(raw, decided, { state, workerNodes, targetNodeCount: target }, options, actions);
}

/** `WorkspaceSucceeded` of a tuning workspace: whether its Job finished, failed, or is still to. */
function tuningOutcome(succeeded: boolean, failed: boolean, failMessage: string): ConditionInput {
  return succeeded
    ? {
        type: CONDITION.workspaceSucceeded,
        status: 'True',
        reason: 'workspaceSucceeded',
        message: 'tuning finished and its result was stored',
      }
    : failed
      ? { type: CONDITION.workspaceSucceeded, status: 'False', reason: 'workspaceFailed', message: failMessage }
      : {
          type: CONDITION.workspaceSucceeded,
          status: 'False',
          reason: 'workspacePending',
          message: 'tuning has not finished',
        };
}

/** An inference workspace: `InferenceReady` from its StatefulSet, then whether the model is being served. */
function decideInference(
  observed: Observation,
  decided: ConditionInput[],
  progress: Progress,
  actions: Actions,
  options: DecideOptions,
): Decision {
  const raw = observed.workspace;
  const { resourceReady, problem, workerNodes, target } = progress;
  const previousState = (raw.status as WorkspaceStatus | undefined)?.state;
  const sts = observed.workload;
  const replicas = ((sts?.spec ?? {}) as StatefulSetSpec).replicas ?? 0;
  const readyReplicas = ((sts?.status ?? {}) as StatefulSetStatus).readyReplicas ?? 0;
  const inferenceReady = resourceReady && sts !== undefined && replicas > 0 && readyReplicas >= replicas;
  decided.push(
    inferenceReady
      ? {
          type: CONDITION.inferenceReady,
          status: 'True',
          reason: 'WorkspaceInferenceStatusSuccess',
          message: `${readyReplicas}/${replicas} inference pods are ready`,
        }
      : {
          type: CONDITION.inferenceReady,
          status: 'False',
          reason: problem?.reason ?? 'WorkspaceInferenceStatusPending',
          message:
            problem?.message ??
            (resourceReady
              ? `${readyReplicas}/${replicas || target} inference pods are ready`
              : 'waiting for GPU nodes'),
        },
  );
  const ready = resourceReady && inferenceReady;
  decided.push(
    ...servingConditions(
      ready,
      decided.find((c) => c.status === 'False'),
    ),
  );
  const state = ready ? 'Ready' : previousState === 'Ready' || previousState === 'NotReady' ? 'NotReady' : 'Pending';
  const performance = inferenceReady ? performanceOf(observed.benchmarkLog, actions.plan) : undefined;
  const extra = { state, workerNodes, targetNodeCount: target, ...(performance ? { performance } : {}) };
  return finish(raw, decided, extra, options, actions);
}

/** `WorkspaceSucceeded` and `WorkspaceReady` of an inference workspace: served, else the first reason it is not. */
function servingConditions(ready: boolean, notReadyReason: ConditionInput | undefined): ConditionInput[] {
  return ready
    ? [
        {
          type: CONDITION.workspaceSucceeded,
          status: 'True',
          reason: 'workspaceSucceeded',
          message: 'the model is being served',
        },
        {
          type: CONDITION.workspaceReady,
          status: 'True',
          reason: 'WorkspaceReady',
          message: 'the model is being served',
        },
      ]
    : [
        {
          type: CONDITION.workspaceSucceeded,
          status: 'False',
          reason: 'workspacePending',
          message: notReadyReason?.message ?? 'not ready',
        },
        {
          type: CONDITION.workspaceReady,
          status: 'False',
          reason: notReadyReason?.reason ?? 'WorkspaceNotReady',
          message: notReadyReason?.message ?? 'not ready',
        },
      ];
}

/** The served model's measured performance, from the benchmark's log once it is read (`status.performance`). */
function performanceOf(benchmarkLog: string | undefined, plan: WorkspacePlan | undefined) {
  return benchmarkLog !== undefined
    ? parseBenchmarkLog(benchmarkLog, {
        engine: plan?.runtime ?? 'vllm',
        ...quantizationOf(plan?.preset),
      })
    : undefined;
}

/** Decides what to do for one workspace. */
export function decide(observed: Observation, options: DecideOptions): Decision {
  const raw = observed.workspace;
  const meta = raw.metadata ?? {};
  const hasFinalizer = (meta.finalizers ?? []).includes(WORKSPACE_FINALIZER);
  const claims = observed.nodeClaims.map(nodeClaimView);
  if (meta.deletionTimestamp !== undefined) return decideDeletion(observed, hasFinalizer, options);

  const finalizer = hasFinalizer ? 'keep' : 'add';
  const nodes = observed.nodes.map(nodeView);
  const provisioner = provisionerOf(raw, options);
  const check = checkObserved(raw, nodes, provisioner, options);
  const ws = check.workspace;
  if (ws === undefined || check.plan === undefined) return decideInvalid(raw, check, finalizer, options);

  const plan = check.plan;
  const target = plan.nodeCount;
  const window = renderWindow(provisioner, target, claims.length);
  const rendered = renderPass(ws, window === target ? plan : { ...plan, nodeCount: window }, provisioner, raw, options);
  const objects = rendered.filter((o) => !NODE_KINDS.has(o.kind));
  const conflicts = observed.conflicts ?? [];
  if (conflicts.length > 0) return decideConflict(raw, conflicts, finalizer, objects, plan, options);

  const { create, provision } = nodeChanges(rendered, claims, target, observed.nodePool);
  const usable = usableNodesNow(ws, provisioner, claims, nodes, plan.gpusPerNode);
  const failure = claims.find((c) => c.failure !== undefined)?.failure;
  const decided: ConditionInput[] = provisioner === 'byo' ? [] : [nodeClaimCondition(claims, target, failure)];
  const resourceReady = usable.length >= target;
  decided.push(resourceCondition(usable.length, target, provisioner, failure));
  const actions: Actions = {
    finalizer,
    create,
    delete: [],
    ...(provision.length > 0 ? { provision } : {}),
    apply: resourceReady && window === target ? objects : [],
    objects,
    plan,
  };
  const progress: Progress = {
    resourceReady,
    target,
    workerNodes: usable.map((n) => n.name).sort(),
    problem: observed.pods.map(podProblem).find((p) => p !== undefined),
  };
  return ws.tuning !== undefined
    ? decideTuning(raw, observed.workload, decided, progress, actions, options)
    : decideInference(observed, decided, progress, actions, options);
}

/**
 * The decision when {@link decide} threw for a workspace (a bug, or an object no rule foresaw): nothing is
 * created, applied or deleted, and `ResourceReady` and `WorkspaceReady` say what failed. The shell retries
 * it with backoff; the other workspaces are not affected.
 */
export function decideFailed(observed: Observation, error: unknown, options: DecideOptions): Decision {
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const message = `could not reconcile this workspace: ${what}`;
  const decided: ConditionInput[] = [
    { type: CONDITION.resourceReady, status: 'False', reason: REASON_RECONCILE_ERROR, message },
    { type: CONDITION.workspaceReady, status: 'False', reason: REASON_RECONCILE_ERROR, message },
  ];
  const raw = observed.workspace;
  const previous = (raw.status ?? {}) as WorkspaceStatus;
  // The stored status may be what made decide throw: its conditions are kept only when they are a list.
  const usable = { ...raw, status: Array.isArray(previous.conditions) ? previous : {} };
  return finish(usable, decided, {}, options, { finalizer: 'keep', create: [], delete: [], apply: [] });
}

/** {@link decide}, or {@link decideFailed} with the error when it throws. */
export function decideOrFail(
  observed: Observation,
  options: DecideOptions,
): { readonly decision: Decision; readonly error?: unknown } {
  try {
    return { decision: decide(observed, options) };
  } catch (error) {
    return { decision: decideFailed(observed, error, options), error };
  }
}
