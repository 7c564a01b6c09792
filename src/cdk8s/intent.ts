import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { ValidationError, type Problem } from '../api/problems';
import {
  ANNOTATION_RUNTIME,
  KAITO_GROUP,
  STORAGE_VERSION,
  type InferenceSpec,
  type LabelSelector,
  type ResourceSpec,
  type TuningSpec,
  type Workspace,
} from '../api/types';
import type { PresetCatalog, RuntimeName, SkuCatalog } from '../catalog';
import type { PlanOptions, WorkspacePlan } from '../plan';
import type { GpuNodePool } from './gpu-node-pool';
import { checkOrThrow, checkDnsLabel, defaultNamespaceOf, type PathMap } from './internal';
import type { KaitoOperator } from './kaito-operator';
import { KaitoWorkspace, checkedProps } from './kaito-workspace';
import { WorkspaceObjects } from './workspace-objects';
import type { InstanceType } from '../catalog/names';

/*
 * What InferenceService and TuningJob share: where the workload runs, the Workspace they stand for, and
 * the choice between the operator (a Workspace object) and direct mode (the rendered objects).
 */

/** Operator mode: a Workspace for the operator to reconcile. Direct mode: the objects it would create. */
export type WorkloadMode = 'operator' | 'direct';

/** Props InferenceService and TuningJob share. */
export interface WorkloadProps {
  /**
   * GPU instance type; exclusive with `nodePool`. In operator mode the operator provisions nodes of this
   * type; in direct mode nodes must exist already and `nodeLabels` must select them.
   * @default - the node pool's instance type, or bring-your-own nodes (`nodeLabels`)
   */
  readonly instanceType?: InstanceType;
  /**
   * The GPU node pool to run on (its instance type plans the workload and its labels select the nodes);
   * exclusive with `instanceType` and `nodeLabels`.
   * @default - none
   */
  readonly nodePool?: GpuNodePool;
  /**
   * Labels of the GPU nodes the pods run on (and that the operator puts on nodes it provisions).
   * Required in direct mode without `nodePool`, and without `instanceType` (bring-your-own nodes).
   * @default - operator mode with `instanceType`: `{ apps: <name> }`
   */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  /**
   * `operator`: a Kaito Workspace object that the operator reconciles. `direct`: the objects the operator
   * would create (ConfigMaps, Services, the StatefulSet or Job), for clusters without an operator; GPU nodes
   * must exist (a `nodePool`, or `nodeLabels` of your nodes).
   * @default 'operator'
   */
  readonly mode?: WorkloadMode;
  /**
   * Name of the workspace and of its objects (a DNS-1123 label).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace of the workspace and of its objects.
   * @default - the chart's namespace, else `default`
   */
  readonly namespace?: string;
  /**
   * Operator mode: the operator whose CRD must exist first (also across charts).
   * @default - no ordering
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

/** The workload as declared: a Workspace object in operator mode, the rendered objects in direct mode. */
export interface DeclaredWorkload {
  readonly workspace: Workspace;
  readonly plan: WorkspacePlan;
  readonly warnings: readonly Problem[];
  readonly name: string;
  readonly namespace: string;
  readonly kaitoWorkspace?: KaitoWorkspace;
  readonly apiObjects: readonly ApiObject[];
}

/** Paths every intent-level construct maps alike. */
export const COMMON_PATHS: PathMap = [
  ['metadata.name', 'name'],
  ['metadata.namespace', 'namespace'],
  [`metadata.annotations[${ANNOTATION_RUNTIME}]`, 'runtime'],
  ['resource.count', 'count'],
  ['resource.labelSelector.matchLabels', 'nodeLabels'],
  ['resource.labelSelector', 'nodeLabels'],
];

function fail(subject: string, path: string, message: string): never {
  throw new ValidationError([{ path, message, severity: 'error' }], subject);
}

/** The resource spec and plan options of the nodes a workload runs on. */
function placement(
  props: WorkloadProps & { readonly count?: number },
  name: string,
  mode: WorkloadMode,
  subject: string,
): { resource: ResourceSpec; planOptions: PlanOptions } {
  const catalogs: PlanOptions = {
    ...(props.presets === undefined ? {} : { presets: props.presets }),
    ...(props.skus === undefined ? {} : { skus: props.skus }),
  };
  const count = props.count === undefined ? {} : { count: props.count };
  const pool = props.nodePool;
  if (pool !== undefined) {
    if (props.instanceType !== undefined)
      fail(subject, 'instanceType', 'set either instanceType or nodePool, not both');
    if (props.nodeLabels !== undefined) {
      fail(subject, 'nodeLabels', "the node pool's labelSelector picks its nodes: set either nodeLabels or nodePool");
    }
    if (props.count !== undefined && props.count > pool.maxNodes) {
      fail(
        subject,
        'count',
        `${props.count} nodes, but node pool ${JSON.stringify(pool.name)} has at most ${pool.maxNodes}`,
      );
    }
    const sku = pool.sku;
    // The pool's nodes exist (no instance type: nothing to provision); its SKU sizes the plan.
    return {
      resource: { ...count, labelSelector: copySelector(pool.labelSelector) },
      planOptions: {
        ...catalogs,
        observedNode: {
          gpuCount: sku.gpuCount,
          gpuMemoryPerGpuGiB: sku.gpuMemoryPerGpuGiB,
          gpuModel: sku.gpuModel,
          ...(sku.computeCapability === undefined ? {} : { computeCapability: sku.computeCapability }),
        },
      },
    };
  }
  if (props.nodeLabels === undefined && (mode === 'direct' || props.instanceType === undefined)) {
    const why =
      mode === 'direct'
        ? 'direct mode needs GPU nodes that exist: pass nodePool (a GpuNodePool), or nodeLabels of your GPU nodes (for instance { "node.kubernetes.io/instance-type": "<instance type>" })'
        : 'pass instanceType (nodes provisioned by the operator), nodePool (a GpuNodePool) or nodeLabels (your own GPU nodes)';
    fail(subject, props.instanceType === undefined ? 'instanceType' : 'nodeLabels', why);
  }
  const matchLabels = { ...(props.nodeLabels ?? { apps: name }) };
  return {
    resource: {
      ...count,
      ...(props.instanceType === undefined ? {} : { instanceType: props.instanceType }),
      labelSelector: { matchLabels },
    },
    planOptions: catalogs,
  };
}

function copySelector(selector: LabelSelector): LabelSelector {
  return { matchLabels: { ...(selector.matchLabels ?? {}) } };
}

/**
 * Validates and plans the workspace an intent-level construct stands for (errors name its props), then
 * declares it: a KaitoWorkspace in operator mode, the rendered objects in direct mode.
 */
export function declareWorkload(
  scope: Construct,
  kind: string,
  id: string,
  props: WorkloadProps & { readonly count?: number; readonly runtime?: RuntimeName },
  spec: { readonly inference?: InferenceSpec; readonly tuning?: TuningSpec },
  paths: PathMap,
): DeclaredWorkload {
  const name = props.name ?? id;
  const subject = `${kind} ${JSON.stringify(name)}`;
  checkDnsLabel(name, 'name', subject);
  if (props.namespace !== undefined) checkDnsLabel(props.namespace, 'namespace', subject);
  const mode = props.mode ?? 'operator';
  if (mode !== 'operator' && mode !== 'direct') {
    fail(subject, 'mode', `unsupported value ${JSON.stringify(mode)}: supported values: "operator", "direct"`);
  }
  const { resource, planOptions } = placement(props, name, mode, subject);
  const metadata = {
    name,
    ...(props.namespace === undefined ? {} : { namespace: props.namespace }),
    ...(props.runtime === undefined ? {} : { annotations: { [ANNOTATION_RUNTIME]: props.runtime } }),
  };
  const value = { apiVersion: `${KAITO_GROUP}/${STORAGE_VERSION}`, kind: 'Workspace', metadata, resource, ...spec };
  const poolPaths: PathMap = props.nodePool === undefined ? [] : [['resource.instanceType', 'nodePool']];
  const checked = checkOrThrow(value, subject, planOptions, [
    ...poolPaths,
    ['resource.instanceType', 'instanceType'],
    ...paths,
    ...COMMON_PATHS,
  ]);
  const namespace = props.namespace ?? defaultNamespaceOf(scope);
  if (mode === 'operator') {
    const options = {
      ...(props.operator === undefined ? {} : { operator: props.operator }),
      planOptions,
    };
    const kaitoWorkspace = new KaitoWorkspace(scope, 'Workspace', checkedProps(checked, options));
    return afterPool(props.nodePool, {
      ...checked,
      name,
      namespace,
      kaitoWorkspace,
      apiObjects: [kaitoWorkspace.apiObject],
    });
  }
  const objects = new WorkspaceObjects(scope, 'Objects', {
    workspace: checked.workspace,
    plan: checked.plan,
    ...(props.presets === undefined ? {} : { presets: props.presets }),
  });
  return afterPool(props.nodePool, { ...checked, name, namespace, apiObjects: objects.apiObjects });
}

/** Orders the workload after its node pool (also across charts). */
function afterPool(pool: GpuNodePool | undefined, declared: DeclaredWorkload): DeclaredWorkload {
  if (pool !== undefined) for (const api of declared.apiObjects) api.addDependency(pool.apiObject);
  return declared;
}
