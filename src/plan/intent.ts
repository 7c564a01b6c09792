import { remapPaths, type PathRules } from '../api/paths';
import { error, type Problem } from '../api/problems';
import { hasErrors } from '../api/validate';
import {
  ANNOTATION_ENABLE_LB,
  ANNOTATION_RUNTIME,
  KAITO_GROUP,
  STORAGE_VERSION,
  type AdapterSpec,
  type DataDestination,
  type DataSource,
  type LabelSelector,
  type TuningMethod,
  type Workspace,
} from '../api/types';
import { checkWorkspaceObject } from './check';
import { FitError } from './fit-error';
import type { NodePoolPlacement } from './node-pool';
import type { PlanOptions, WorkspacePlan } from './plan';

/*
 * The intent-level constructs (InferenceService, TuningJob): "serve preset P on instance type T, on this
 * node pool or on these labelled nodes". Every face builds the same intent from its props and calls
 * checkIntent, so all of them accept the same input, place it the same way and report the same problem at
 * the same prop.
 */

/** `operator`: a Workspace the operator reconciles. `direct`: the objects it would create, on existing nodes. */
export type WorkloadMode = 'operator' | 'direct';
export const WORKLOAD_MODES: readonly WorkloadMode[] = ['operator', 'direct'];

/** Name, namespace, labels and annotations of the workspace an intent stands for. */
export interface IntentMetadata {
  /** A DNS-1123 label; each face supplies its default. */
  readonly name: string;
  /** @default - the face's default namespace */
  readonly namespace?: string;
  /** @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** @default - none */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The metadata props of an intent-level construct in every face; `name` defaults per face. */
export interface WorkloadMetadata {
  /**
   * Name of the workspace and of its objects (a DNS-1123 label).
   * @default - cdk8s: the chart's generated name for the construct; Pulumi: the component's name
   */
  readonly name?: string;
  /**
   * Namespace of the workspace and of its objects.
   * @default - cdk8s: the chart's namespace, else `default`; Pulumi: `default`
   */
  readonly namespace?: string;
  /**
   * Labels of the workspace.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Annotations of the workspace (`runtime` and `loadBalancer` set theirs).
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** What InferenceService and TuningJob share: the model and where it runs. */
export interface WorkloadIntent {
  readonly metadata: IntentMetadata;
  /** A preset name, alias or Hugging Face ID. */
  readonly preset: string;
  /** GPU instance type the operator provisions; exclusive with `nodePool`. */
  readonly instanceType?: string;
  /** The pool to run on: planned on its GPUs, its labels selected, its size checked. */
  readonly nodePool?: NodePoolPlacement;
  /** Labels of existing GPU nodes (bring your own); exclusive with `nodePool`. */
  readonly labelSelector?: LabelSelector;
  /** Nodes. @default - estimated from the model and the GPUs */
  readonly count?: number;
  /** @default 'operator' */
  readonly mode?: WorkloadMode;
  /** Annotation `kaito.sh/runtime`. @default - the preset's */
  readonly runtime?: string;
  /** Secret with `HF_TOKEN`, for gated models. @default - none */
  readonly modelAccessSecret?: string;
  /** ConfigMap to use instead of the generated one. @default - generated */
  readonly config?: string;
}

export interface InferenceIntent extends WorkloadIntent {
  readonly kind: 'inference';
  /** @default - none */
  readonly adapters?: readonly AdapterSpec[];
  /** Annotation `kaito.sh/enablelb`. @default false */
  readonly loadBalancer?: boolean;
}

export interface TuningIntent extends WorkloadIntent {
  readonly kind: 'tuning';
  readonly method: TuningMethod;
  readonly input: DataSource;
  readonly output: DataDestination;
}

export type Intent = InferenceIntent | TuningIntent;

/** The outcome of {@link checkIntent}. */
export interface IntentCheck {
  readonly mode: WorkloadMode;
  /** Errors and warnings, at the intent's prop paths (`preset`, `adapters[0].strength`, `nodePool`). */
  readonly problems: readonly Problem[];
  /** The workspace, when valid. */
  readonly workspace?: Workspace;
  /** The plan, when valid. */
  readonly plan?: WorkspacePlan;
  /** The planner's error when the model does not fit, its path the intent's. */
  readonly fitError?: FitError;
}

/**
 * How the paths of the Workspace an intent stands for read in the intent's props (`metadata` reads the same).
 * The runtime annotation is the `runtime` prop's when that is set, else the user's own annotation.
 */
export function intentPathRules(kind: Intent['kind'], onPool: boolean, runtimeProp: boolean): PathRules {
  const placement = onPool ? 'nodePool' : 'instanceType';
  return [
    ...(runtimeProp ? ([[`metadata.annotations[${ANNOTATION_RUNTIME}]`, 'runtime']] as const) : []),
    ['resource', placement],
    ['resource.instanceType', placement],
    ['resource.count', 'count'],
    ['resource.labelSelector', onPool ? 'nodePool' : 'labelSelector'],
    [kind, 'preset'],
    [`${kind}.preset.name`, 'preset'],
    [`${kind}.preset.presetOptions.modelAccessSecret`, 'modelAccessSecret'],
    [`${kind}.config`, 'config'],
    ['inference.adapters', 'adapters'],
    ['tuning.method', 'method'],
    ['tuning.input', 'input'],
    ['tuning.output', 'output'],
  ];
}

/** Problems of where the workload runs, before anything is planned. */
function placementProblems(intent: Intent, mode: WorkloadMode): Problem[] {
  const { nodePool, instanceType, labelSelector, count } = intent;
  const problems: Problem[] = [];
  if (nodePool !== undefined) {
    if (instanceType !== undefined)
      problems.push(error('instanceType', 'set either instanceType or nodePool, not both'));
    if (labelSelector !== undefined) {
      problems.push(
        error('labelSelector', "the node pool's labels select its nodes: set either labelSelector or nodePool"),
      );
    }
    if (typeof count === 'number' && count > nodePool.maxNodes) {
      problems.push(
        error(
          'count',
          `${count} nodes, but node pool ${JSON.stringify(nodePool.name)} has at most ${nodePool.maxNodes}`,
        ),
      );
    }
  } else if (instanceType === undefined && labelSelector === undefined) {
    problems.push(
      error(
        'instanceType',
        'say where to run: instanceType (nodes the operator provisions), nodePool (a GpuNodePool) or labelSelector (your own GPU nodes)',
      ),
    );
  } else if (mode === 'direct' && labelSelector === undefined) {
    problems.push(
      error(
        'labelSelector',
        `direct mode provisions no nodes: give nodePool, or labelSelector of your GPU nodes (for instance { matchLabels: { "node.kubernetes.io/instance-type": ${JSON.stringify(instanceType)} } })`,
      ),
    );
  }
  return problems;
}

/** The Workspace object an intent stands for, as a manifest would hold it. */
function workspaceValue(intent: Intent): Record<string, unknown> {
  const { metadata } = intent;
  const own: unknown = metadata.annotations ?? {};
  const map = typeof own === 'object' && own !== null && !Array.isArray(own);
  // Anything but a map goes to the schema as it is, which names it.
  const annotations: unknown = map
    ? {
        ...(own as Record<string, string>),
        ...(intent.runtime === undefined ? {} : { [ANNOTATION_RUNTIME]: intent.runtime }),
        ...(intent.kind === 'inference' && intent.loadBalancer === true ? { [ANNOTATION_ENABLE_LB]: 'True' } : {}),
      }
    : own;
  const selector: LabelSelector =
    intent.nodePool !== undefined
      ? { matchLabels: { ...intent.nodePool.matchLabels } }
      : (intent.labelSelector ?? { matchLabels: { apps: metadata.name } });
  const preset = {
    name: intent.preset,
    ...(intent.modelAccessSecret === undefined
      ? {}
      : { presetOptions: { modelAccessSecret: intent.modelAccessSecret } }),
  };
  const config = intent.config === undefined ? {} : { config: intent.config };
  const spec =
    intent.kind === 'inference'
      ? { inference: { preset, ...config, ...(intent.adapters === undefined ? {} : { adapters: intent.adapters }) } }
      : { tuning: { preset, method: intent.method, ...config, input: intent.input, output: intent.output } };
  // A JSON copy: what the API server would store (no undefined fields, no shared references).
  return JSON.parse(
    JSON.stringify({
      apiVersion: `${KAITO_GROUP}/${STORAGE_VERSION}`,
      kind: 'Workspace',
      metadata: {
        name: metadata.name,
        ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
        ...(metadata.labels === undefined ? {} : { labels: metadata.labels }),
        ...(map && Object.keys(annotations as object).length === 0 ? {} : { annotations }),
      },
      resource: {
        ...(intent.count === undefined ? {} : { count: intent.count }),
        ...(intent.instanceType === undefined || intent.nodePool !== undefined
          ? {}
          : { instanceType: intent.instanceType }),
        labelSelector: selector,
      },
      ...spec,
    }),
  ) as Record<string, unknown>;
}

/**
 * Validates, places and plans an intent: the one check behind InferenceService and TuningJob in every face.
 * On a node pool the workload brings its own nodes (the pool's), is planned on the pool's GPUs and must fit
 * in the pool's most nodes.
 */
export function checkIntent(intent: Intent, options: PlanOptions = {}): IntentCheck {
  const mode = intent.mode ?? 'operator';
  if (!WORKLOAD_MODES.includes(mode)) {
    return { mode, problems: [error('mode', `${JSON.stringify(mode)} is not one of ${WORKLOAD_MODES.join(', ')}`)] };
  }
  const placement = placementProblems(intent, mode);
  if (placement.length > 0) return { mode, problems: placement };
  const pool = intent.nodePool;
  const planOptions: PlanOptions =
    pool === undefined
      ? options
      : {
          ...options,
          observedNode: {
            instanceType: pool.sku.name,
            gpuCount: pool.sku.gpuCount,
            gpuMemoryPerGpuGiB: pool.sku.gpuMemoryPerGpuGiB,
            gpuModel: pool.sku.gpuModel,
            ...(pool.sku.computeCapability === undefined ? {} : { computeCapability: pool.sku.computeCapability }),
          },
        };
  const rules = intentPathRules(intent.kind, pool !== undefined, intent.runtime !== undefined);
  const check = checkWorkspaceObject(workspaceValue(intent), planOptions);
  const problems = remapPaths(check.problems, rules);
  if (check.fitError !== undefined) {
    const e = check.fitError;
    const [mapped] = remapPaths([error(e.path, e.message)], rules);
    const fitError = new FitError(
      e.message,
      mapped.path,
      e.requiredGpuMemoryGiB,
      e.availableGpuMemoryGiB,
      e.suggestions,
    );
    return { mode, problems, fitError };
  }
  if (check.workspace === undefined || check.plan === undefined || hasErrors(problems)) return { mode, problems };
  const { plan } = check;
  if (pool !== undefined && plan.nodeCount > pool.maxNodes) {
    const tooBig = error(
      'nodePool',
      `${plan.preset ?? 'the model'} needs ${plan.nodeCount} nodes of ${pool.sku.name} ` +
        `(${plan.requiredGpuMemoryGiB} GiB of GPU memory); node pool ${JSON.stringify(pool.name)} has at most ${pool.maxNodes}`,
    );
    return { mode, problems: [...problems, tooBig] };
  }
  return { mode, problems, workspace: check.workspace, plan };
}
