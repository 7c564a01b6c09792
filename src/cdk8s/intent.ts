import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Problem } from '../api/problems';
import type { Workspace } from '../api/types';
import type { PresetCatalog, SkuCatalog } from '../catalog';
import type { PlanOptions, WorkspacePlan } from '../plan';
import { checkIntent, type Intent, type WorkloadMode } from '../plan/intent';
import type { GpuNodePool } from './gpu-node-pool';
import { defaultNamespaceOf, fromCheck, generatedWorkspaceName, leaveNothingOnError } from './internal';
import type { KaitoOperator } from './kaito-operator';
import { KaitoWorkspace, checkedProps } from './kaito-workspace';
import type { kplus } from './plus';
import { WorkspaceObjects } from './workspace-objects';

/*
 * What InferenceService and TuningJob share: the props of where the workload runs, and the declaration of
 * what the core's checkIntent returns (a Workspace in operator mode, the rendered objects in direct mode).
 */

export type { WorkloadMode };

/** Name, namespace, labels and annotations of the workspace an InferenceService or TuningJob declares. */
export interface WorkloadMetadata {
  /**
   * Name of the workspace and of its objects (a DNS-1123 label).
   * @default - the chart's generated name for the construct
   */
  readonly name?: string;
  /**
   * Namespace of the workspace and of its objects.
   * @default - the chart's namespace, else `default`
   */
  readonly namespace?: string;
  /**
   * Labels of the workspace.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Annotations of the workspace (`runtime` and `loadBalancer` set theirs).
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
}

/** Props InferenceService and TuningJob share. */
export interface WorkloadProps {
  /**
   * Name, namespace, labels and annotations of the workspace.
   * @default - the chart's generated name for the construct, the chart's namespace (else `default`)
   */
  readonly metadata?: WorkloadMetadata;
  /**
   * GPU instance type the operator provisions; exclusive with `nodePool`. In direct mode nodes must exist
   * already and `labelSelector` must select them.
   * @default - the node pool's instance type, or bring-your-own nodes (`labelSelector`)
   */
  readonly instanceType?: string;
  /**
   * The GPU node pool to run on (its instance type plans the workload, its labels select the nodes, its
   * size caps the node count); exclusive with `instanceType` and `labelSelector`.
   * @default - none
   */
  readonly nodePool?: GpuNodePool;
  /**
   * Labels of the GPU nodes the pods run on (and that the operator puts on nodes it provisions). Required
   * in direct mode without `nodePool`, and without `instanceType` (bring-your-own nodes).
   * @default - operator mode with `instanceType`: `{ matchLabels: { apps: <name> } }`
   */
  readonly labelSelector?: kplus.k8s.LabelSelector;
  /**
   * `operator`: a Kaito Workspace object that the operator reconciles. `direct`: the objects the operator
   * would create (ConfigMaps, Services, the StatefulSet or Job), for clusters without an operator; GPU nodes
   * must exist (a `nodePool`, or a `labelSelector` of your nodes).
   * @default 'operator'
   */
  readonly mode?: string;
  /**
   * Operator mode: the operator whose CRD must exist first (also across charts).
   * @default - no ordering
   */
  readonly operator?: KaitoOperator;
  /**
   * Presets to resolve `preset` in (TypeScript only: a catalog is the core's class).
   * @default - the default preset catalog
   * @jsii ignore
   */
  readonly presets?: PresetCatalog;
  /**
   * Instance types to resolve `instanceType` in (TypeScript only: a catalog is the core's class).
   * @default - the default SKU catalog
   * @jsii ignore
   */
  readonly skus?: SkuCatalog;
}

/** The workload as declared: a Workspace object in operator mode, the rendered objects in direct mode. */
export interface DeclaredWorkload {
  readonly mode: WorkloadMode;
  readonly workspace: Workspace;
  readonly plan: WorkspacePlan;
  readonly warnings: readonly Problem[];
  readonly name: string;
  readonly namespace: string;
  readonly kaitoWorkspace?: KaitoWorkspace;
  readonly apiObjects: readonly ApiObject[];
}

/**
 * What a construct puts into the core's intent besides the shared props: its props as plain JSON (strings
 * where the core has unions; the core checks them and names the prop).
 */
export interface IntentSpec {
  readonly kind: Intent['kind'];
  readonly preset: string;
  readonly [prop: string]: unknown;
}

/**
 * Checks the intent a construct stands for in the core (errors name its props), then declares it: a
 * KaitoWorkspace in operator mode, the rendered objects in direct mode. Nothing is left in the tree when the
 * check fails.
 */
export function declareWorkload(
  self: Construct,
  kind: string,
  props: WorkloadProps,
  spec: IntentSpec,
): DeclaredWorkload {
  const name = props.metadata?.name ?? generatedWorkspaceName(self, spec.kind === 'inference');
  const planOptions: PlanOptions = {
    ...(props.presets === undefined ? {} : { presets: props.presets }),
    ...(props.skus === undefined ? {} : { skus: props.skus }),
  };
  const { check, namespace } = leaveNothingOnError(self, () => {
    const intent = {
      ...spec,
      metadata: { ...(props.metadata ?? {}), name },
      ...(props.instanceType === undefined ? {} : { instanceType: props.instanceType }),
      ...(props.nodePool === undefined ? {} : { nodePool: props.nodePool.placement }),
      ...(props.labelSelector === undefined ? {} : { labelSelector: props.labelSelector }),
      ...(props.mode === undefined ? {} : { mode: props.mode }),
    } as Intent;
    const result = checkIntent(intent, planOptions);
    const subject = `${kind} ${JSON.stringify(name)}`;
    return {
      check: { ...result, checked: fromCheck(result, subject) },
      namespace: props.metadata?.namespace ?? defaultNamespaceOf(self),
    };
  });
  const { checked, mode } = check;
  if (mode === 'operator') {
    const options = { ...(props.operator === undefined ? {} : { operator: props.operator }), planOptions };
    const kaitoWorkspace = new KaitoWorkspace(self, 'Workspace', checkedProps(checked, options));
    return afterPool(props.nodePool, {
      ...checked,
      mode,
      name,
      namespace,
      kaitoWorkspace,
      apiObjects: [kaitoWorkspace.apiObject],
    });
  }
  const objects = new WorkspaceObjects(self, 'Objects', {
    workspace: checked.workspace,
    plan: checked.plan,
    ...(props.presets === undefined ? {} : { presets: props.presets }),
  });
  return afterPool(props.nodePool, { ...checked, mode, name, namespace, apiObjects: objects.apiObjects });
}

/** Orders the workload after its node pool (also across charts). */
function afterPool(pool: GpuNodePool | undefined, declared: DeclaredWorkload): DeclaredWorkload {
  if (pool !== undefined) for (const api of declared.apiObjects) api.addDependency(pool.apiObject);
  return declared;
}
