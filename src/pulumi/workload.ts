import * as pulumi from '@pulumi/pulumi';
import * as k8s from '@pulumi/kubernetes';
import { KAITO_GROUP, STORAGE_VERSION, error, type LabelSelector, type Problem, type ResourceSpec } from '../api';
import { renderWorkspace } from '../render';
import { invalidArgs, mapPaths, plainValueProblems } from './errors';
import type { GpuNodePool } from './gpu-node-pool';
import type { KaitoOperator } from './kaito-operator';
import { KaitoWorkspace, DEFAULT_NAMESPACE, serviceUrl, waitTimeout, type WaitArgs } from './kaito-workspace';
import { SKIP_AWAIT, childDependsOn, childName, declareObject, timeouts, withAnnotations } from './objects';
import { checkWorkspace, jsonCopy, rememberPrepared, type PreparedWorkspace } from './prepare';
import type { InstanceType } from '../catalog/names';

/**
 * How a workload reaches the cluster: `operator` declares a Workspace resource that the operator (Kaito's or
 * {@link KaitoOperator}'s reconciler) turns into nodes and a workload; `direct` declares the workload objects
 * themselves (ConfigMaps, Services, the StatefulSet or Job), exactly what `kaito render` prints, on existing
 * nodes.
 */
export type DeploymentMode = 'operator' | 'direct';

/** Where a workload runs and how it is declared; shared by {@link InferenceService} and {@link TuningJob}. */
export interface PlacementArgs extends WaitArgs {
  /**
   * Run on this pool: the workspace selects its labels, is planned on its GPUs and waits for it. Exclusive
   * with `instanceType` and `labelSelector`.
   * @default - none
   */
  readonly nodePool?: GpuNodePool;
  /**
   * Instance type of the GPU nodes the operator provisions (node auto-provisioning). In direct mode the
   * nodes must already exist; the instance type sizes the workload.
   * @default - none: give `nodePool` or `labelSelector`
   */
  readonly instanceType?: InstanceType;
  /**
   * Labels of the nodes to run on.
   * @default - the pool's labels with `nodePool`; `{ matchLabels: { apps: <workspaceName> } }` with `instanceType`
   */
  readonly labelSelector?: LabelSelector;
  /**
   * Name of the workspace (and of its Service, StatefulSet or Job).
   * @default - the component's name
   */
  readonly workspaceName?: string;
  /** @default 'default' */
  readonly namespace?: string;
  /** Labels of the workspace. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations of the workspace. @default - none */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * Operator or direct mode.
   * @default 'operator'
   */
  readonly mode?: DeploymentMode;
  /**
   * The operator that serves the workspace (operator mode): the Workspace waits for its CRDs. The same as
   * `dependsOn: operator.crds`.
   * @default - none
   */
  readonly operator?: KaitoOperator;
  /**
   * Make `pulumi up` wait until the workload is ready (inference serving, tuning finished).
   * @default false in operator mode; true in direct mode, where Pulumi awaits Services, StatefulSets and Jobs
   * as it does for any workload (false marks them `pulumi.com/skipAwait`)
   */
  readonly waitForReady?: boolean;
}

/** The workspace a component built from its intent-level args, validated and planned. */
export interface IntentWorkspace {
  readonly prepared: PreparedWorkspace;
  readonly timeoutMinutes: number;
}

/** Field paths of a workspace and the args of intent-level components they come from. */
function pathRules(kind: 'inference' | 'tuning', onPool: boolean): Array<readonly [string, string]> {
  const placement = onPool ? 'nodePool' : 'instanceType';
  return [
    ['metadata.name', 'workspaceName'],
    ['metadata.namespace', 'namespace'],
    ['metadata.labels', 'labels'],
    ['metadata.annotations', 'annotations'],
    ['metadata.annotations[kaito.sh/runtime]', 'runtime'],
    ['resource', placement],
    ['resource.instanceType', placement],
    ['resource.count', 'count'],
    ['resource.labelSelector', onPool ? 'nodePool' : 'labelSelector'],
    [kind, 'preset'],
    [`${kind}.preset`, 'preset'],
    [`${kind}.preset.name`, 'preset'],
    [`${kind}.preset.presetOptions.modelAccessSecret`, 'modelAccessSecret'],
    [`${kind}.config`, 'config'],
    ['inference.adapters', 'adapters'],
    ['tuning.method', 'method'],
    ['tuning.input', 'input'],
    ['tuning.output', 'output'],
  ];
}

function resourceOf(args: PlacementArgs, count: number | undefined, workspaceName: string, problems: Problem[]) {
  const { nodePool, instanceType, labelSelector } = args;
  if (nodePool !== undefined && instanceType !== undefined) {
    problems.push(error('instanceType', 'give nodePool or instanceType, not both'));
  }
  if (nodePool !== undefined && labelSelector !== undefined) {
    problems.push(error('labelSelector', "the pool's labels are selected: give nodePool or labelSelector, not both"));
  }
  if (nodePool === undefined && instanceType === undefined && labelSelector === undefined) {
    problems.push(error('nodePool', 'say where to run: nodePool, instanceType, or labelSelector (existing nodes)'));
  }
  const selector: LabelSelector = nodePool
    ? { matchLabels: { ...nodePool.matchLabels } }
    : (labelSelector ?? { matchLabels: { apps: workspaceName } });
  const resource: ResourceSpec = {
    ...(count === undefined ? {} : { count }),
    ...(instanceType === undefined ? {} : { instanceType }),
    labelSelector: selector,
  };
  return resource;
}

/**
 * Builds, validates and plans the workspace of an intent-level component; throws with the args' field paths
 * (`preset`, `adapters[0].strength`, `nodePool`) before anything is registered.
 */
export function intentWorkspace(
  component: string,
  name: string,
  args: PlacementArgs & { readonly count?: number },
  kind: 'inference' | 'tuning',
  spec: Record<string, unknown>,
  annotations: Readonly<Record<string, string>>,
): IntentWorkspace {
  const problems: Problem[] = [];
  // The pool and the operator are resources (they hold outputs); everything else must be plain.
  plainValueProblems({ ...args, nodePool: undefined, operator: undefined }, '', problems);
  const mode = args.mode ?? 'operator';
  if (mode !== 'operator' && mode !== 'direct') {
    problems.push(error('mode', `${JSON.stringify(mode)} is not one of operator, direct`));
  }
  const timeoutMinutes = waitTimeout(args, kind === 'tuning', problems);
  const workspaceName = args.workspaceName ?? name;
  const resource = resourceOf(args, args.count, workspaceName, problems);
  if (problems.length > 0) throw invalidArgs(component, name, problems);
  const allAnnotations = { ...(args.annotations ?? {}), ...annotations };
  const raw = jsonCopy({
    apiVersion: `${KAITO_GROUP}/${STORAGE_VERSION}`,
    kind: 'Workspace',
    metadata: {
      name: workspaceName,
      namespace: args.namespace,
      labels: args.labels,
      annotations: Object.keys(allAnnotations).length > 0 ? allAnnotations : undefined,
    },
    resource,
    [kind]: spec,
  });
  const outcome = checkWorkspace(raw, args.nodePool?.sku.name);
  if (!outcome.ok) {
    throw invalidArgs(component, name, mapPaths(outcome.problems, pathRules(kind, args.nodePool !== undefined)));
  }
  const { plan } = outcome.prepared;
  if (args.nodePool !== undefined && plan.nodeCount > args.nodePool.maxNodes) {
    const pool = args.nodePool;
    throw invalidArgs(component, name, [
      error(
        'nodePool',
        `${plan.preset ?? 'the model'} needs ${plan.nodeCount} nodes of ${pool.sku.name} ` +
          `(${plan.requiredGpuMemoryGiB} GiB of GPU memory); the pool has at most ${pool.maxNodes}`,
      ),
    ]);
  }
  const warnings = mapPaths(outcome.prepared.warnings, pathRules(kind, args.nodePool !== undefined));
  return { prepared: { ...outcome.prepared, warnings }, timeoutMinutes };
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
  opts: pulumi.ComponentResourceOptions,
): DeployedWorkload {
  const { workspace, plan } = intent.prepared;
  const deps: pulumi.Resource[] = args.nodePool === undefined ? [] : [args.nodePool];
  if ((args.mode ?? 'operator') === 'operator') {
    deps.push(...(args.operator?.crds ?? []));
    const wsArgs = {
      apiVersion: workspace.apiVersion,
      metadata: workspace.metadata,
      resource: workspace.resource,
      ...(workspace.inference === undefined ? {} : { inference: workspace.inference }),
      ...(workspace.tuning === undefined ? {} : { tuning: workspace.tuning }),
      waitForReady: args.waitForReady ?? false,
      readyTimeoutMinutes: intent.timeoutMinutes,
    } as const;
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
  const resources = renderWorkspace(workspace, plan, { nodeProvisioner: 'byo' }).map((object) => {
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
    url: main ? main.metadata.apply((m) => serviceUrl(m.name, m.namespace)) : pulumi.output(undefined),
    resources,
  };
}
