import * as pulumi from '@pulumi/pulumi';
import * as k8s from '@pulumi/kubernetes';
import { hasErrors, type LabelSelector, type Problem, type Workspace } from '../api';
import type { PresetCatalog, SkuCatalog } from '../catalog';
import {
  checkIntent,
  type WorkspacePlan,
  type InferenceIntent,
  type Intent,
  type TuningIntent,
  type WorkloadMetadata,
} from '../plan';
import { inClusterUrl, renderForMode } from '../render';
import type { WorkloadMode } from './enums';
import { invalidArgs, movedToOptions, plainValueProblems } from './errors';
import type { GpuNodePool } from './gpu-node-pool';
import type { KaitoOperator } from './kaito-operator';
import {
  KaitoWorkspace,
  DEFAULT_NAMESPACE,
  waitTimeout,
  type KaitoWorkspaceArgs,
  type WaitArgs,
} from './kaito-workspace';
import { SKIP_AWAIT, childDependsOn, childName, declareObject, timeouts, withAnnotations } from './objects';
import { rememberPrepared, type PreparedWorkspace } from './prepare';

export type { WorkloadMetadata };

/** Where a workload runs and how it is declared; shared by {@link InferenceService} and {@link TuningJob}. */
export interface PlacementArgs extends WaitArgs {
  /**
   * Name, namespace, labels and annotations of the workspace.
   * @default - name: the component's name; namespace: `default`
   */
  readonly metadata?: WorkloadMetadata;
  /**
   * Instance type of the GPU nodes the operator provisions (node auto-provisioning), such as
   * `Standard_NC6s_v3`, checked against the GPU catalog. Operator mode only, unless `labelSelector` selects
   * existing nodes.
   * @default - none: give `nodePool` or `labelSelector`
   */
  readonly instanceType?: string;
  /**
   * Labels of the nodes to run on (bring your own); required in direct mode without `nodePool`.
   * @default - the pool's labels with `nodePool`; `{ matchLabels: { apps: <name> } }` with `instanceType`
   */
  readonly labelSelector?: LabelSelector;
  /**
   * `operator` declares a Workspace resource that the operator (Kaito's or {@link KaitoOperator}'s
   * reconciler) turns into nodes and a workload; `direct` declares the workload objects themselves
   * (ConfigMaps, Services, the StatefulSet or Job), exactly what `kaito render` prints, on existing nodes.
   * @default 'operator'
   */
  readonly mode?: WorkloadMode;
  /**
   * Make `pulumi up` wait until the workload is ready (inference serving, tuning finished).
   * @default false in operator mode; true in direct mode, where Pulumi awaits Services, StatefulSets and Jobs
   * as it does for any workload (false marks them `pulumi.com/skipAwait`)
   */
  readonly waitForReady?: boolean;
}

/**
 * Options of an {@link InferenceService} or {@link TuningJob}: Pulumi's resource options, and what only a
 * TypeScript program can hand over (resources and objects of this package, which Pulumi's component schema
 * cannot describe).
 */
export interface WorkloadOptions extends pulumi.ComponentResourceOptions {
  /**
   * Run on this pool: the workspace selects its labels, is planned on its GPUs, must fit in its most nodes
   * and waits for it. Exclusive with `instanceType` and `labelSelector`.
   * @default - none
   */
  readonly nodePool?: GpuNodePool;
  /**
   * The operator that serves the workspace (operator mode): the Workspace waits for its CRDs. The same as
   * `dependsOn: operator.crds`.
   * @default - none
   */
  readonly operator?: KaitoOperator;
  /**
   * Presets to resolve `preset` in.
   * @default - the default preset catalog
   */
  readonly presets?: PresetCatalog;
  /**
   * Instance types to resolve `instanceType` in.
   * @default - the default SKU catalog
   */
  readonly skus?: SkuCatalog;
}

/** The keys of {@link WorkloadOptions} that are not Pulumi's. */
export const WORKLOAD_OPTION_KEYS = ['nodePool', 'operator', 'presets', 'skus'] as const;

/** Pulumi's resource options, without this package's. */
export function resourceOptions(opts: WorkloadOptions): pulumi.ComponentResourceOptions {
  const { nodePool: _nodePool, operator: _operator, presets: _presets, skus: _skus, ...rest } = opts;
  return rest;
}

/** The workspace a component built from its intent-level args, validated and planned. */
export interface IntentWorkspace {
  readonly mode: WorkloadMode;
  readonly prepared: PreparedWorkspace;
  readonly timeoutMinutes: number;
}

/** What a component puts into the core's intent besides the placement args. */
export type IntentSpec =
  | Omit<InferenceIntent, 'metadata' | 'instanceType' | 'nodePool' | 'labelSelector' | 'mode'>
  | Omit<TuningIntent, 'metadata' | 'instanceType' | 'nodePool' | 'labelSelector' | 'mode'>;

/**
 * Checks the intent of a component in the core; throws with the args' field paths (`preset`,
 * `adapters[0].strength`, `nodePool`) before anything is registered.
 */
export function intentWorkspace(
  component: string,
  name: string,
  args: PlacementArgs,
  opts: WorkloadOptions,
  spec: IntentSpec,
): IntentWorkspace {
  const problems: Problem[] = movedToOptions(args, WORKLOAD_OPTION_KEYS);
  plainValueProblems(
    Object.fromEntries(Object.entries(args).filter(([k]) => !(WORKLOAD_OPTION_KEYS as readonly string[]).includes(k))),
    '',
    problems,
  );
  const timeoutMinutes = waitTimeout(args, spec.kind === 'tuning', problems);
  if (problems.length > 0) throw invalidArgs(component, name, problems);
  const intent = {
    ...spec,
    metadata: { ...(args.metadata ?? {}), name: args.metadata?.name ?? name },
    ...(args.instanceType === undefined ? {} : { instanceType: args.instanceType }),
    ...(opts.nodePool === undefined ? {} : { nodePool: opts.nodePool.placement }),
    ...(args.labelSelector === undefined ? {} : { labelSelector: args.labelSelector }),
    ...(args.mode === undefined ? {} : { mode: args.mode }),
  } as Intent;
  const check = checkIntent(intent, {
    ...(opts.presets === undefined ? {} : { presets: opts.presets }),
    ...(opts.skus === undefined ? {} : { skus: opts.skus }),
  });
  if (check.workspace === undefined || check.plan === undefined || hasErrors(check.problems)) {
    throw invalidArgs(component, name, check.problems);
  }
  const prepared = { workspace: check.workspace, plan: check.plan, warnings: check.problems };
  return { mode: check.mode, prepared, timeoutMinutes };
}

/** What an {@link InferenceService} or {@link TuningJob} holds besides its outputs (TypeScript only). */
export interface WorkloadDetails {
  readonly workspace: Workspace;
  readonly plan: WorkspacePlan;
  readonly warnings: readonly Problem[];
  readonly kaitoWorkspace?: KaitoWorkspace;
  readonly resources: pulumi.CustomResource[];
}

/** What a deployed workload exposes. */
export interface DeployedWorkload {
  readonly name: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  /** The main Service (inference only). */
  readonly serviceName: pulumi.Output<string | undefined>;
  readonly url: pulumi.Output<string | undefined>;
  /** Operator mode: the Workspace. */
  readonly workspace?: KaitoWorkspace;
  /** Direct mode: one resource per rendered object, in render order. */
  readonly resources: pulumi.CustomResource[];
}

/** The objects whose readiness Pulumi awaits. */
const AWAITED = new Set(['Service', 'StatefulSet', 'Job']);
const WORKLOADS = new Set(['StatefulSet', 'Job']);
const WORKLOAD_TYPES = [k8s.apps.v1.StatefulSet, k8s.batch.v1.Job];

/**
 * Declares a checked workspace as a child of `parent`: a {@link KaitoWorkspace} in operator mode, or each
 * rendered object as its typed resource in direct mode (the workload after its ConfigMaps and Services).
 */
export function deployWorkload(
  parent: pulumi.ComponentResource,
  name: string,
  args: PlacementArgs,
  intent: IntentWorkspace,
  opts: WorkloadOptions,
): DeployedWorkload {
  const { workspace, plan } = intent.prepared;
  const deps: pulumi.Resource[] = opts.nodePool === undefined ? [] : [opts.nodePool];
  if (intent.mode === 'operator') {
    deps.push(...(opts.operator?.crds ?? []));
    const wsArgs = {
      apiVersion: workspace.apiVersion,
      metadata: workspace.metadata,
      resource: workspace.resource,
      ...(workspace.inference === undefined ? {} : { inference: workspace.inference }),
      ...(workspace.tuning === undefined ? {} : { tuning: workspace.tuning }),
      waitForReady: args.waitForReady ?? false,
      readyTimeoutMinutes: intent.timeoutMinutes,
    } as KaitoWorkspaceArgs;
    rememberPrepared(wsArgs, intent.prepared);
    const kw = new KaitoWorkspace(name, wsArgs, { parent, dependsOn: childDependsOn(opts.dependsOn, deps) });
    return {
      name: kw.name,
      namespace: kw.namespace,
      serviceName: kw.serviceName,
      url: kw.url,
      workspace: kw,
      resources: [],
    };
  }
  const wait = args.waitForReady ?? true;
  const before: pulumi.Resource[] = [];
  const objects = renderForMode(workspace, plan, 'direct', {
    nodeProvisioner: 'byo',
    ...(opts.presets === undefined ? {} : { presets: opts.presets }),
  });
  const resources = objects.map((object) => {
    const awaited = AWAITED.has(object.kind);
    const workload = WORKLOADS.has(object.kind);
    const declared = declareObject(
      childName(name, object),
      awaited && !wait ? withAnnotations(object, { [SKIP_AWAIT]: 'true' }) : object,
      {
        parent,
        dependsOn: childDependsOn(opts.dependsOn, workload ? [...deps, ...before] : deps),
        ...(awaited && wait ? { customTimeouts: timeouts(intent.timeoutMinutes) } : {}),
      },
    );
    if (!workload) before.push(declared);
    return declared;
  });
  const wsName = workspace.metadata.name;
  const namespace = workspace.metadata.namespace ?? DEFAULT_NAMESPACE;
  // The main Service comes first in render order, before the headless one.
  const main = resources.find((r): r is k8s.core.v1.Service => r instanceof k8s.core.v1.Service);
  const anchor = resources.find((r) => WORKLOAD_TYPES.some((t) => r instanceof t)) ?? resources[0];
  return {
    name: anchor.urn.apply(() => wsName),
    namespace: anchor.urn.apply(() => namespace),
    serviceName: main ? main.metadata.apply((m) => m.name) : pulumi.output(undefined),
    url: main ? main.metadata.apply((m) => inClusterUrl(m.name, m.namespace)) : pulumi.output(undefined),
    resources,
  };
}
