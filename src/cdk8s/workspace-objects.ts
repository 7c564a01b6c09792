import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Workspace } from '../api/types';
import type { WorkspacePlan } from '../plan';
import type { PresetCatalog } from '../catalog';
import { renderWorkspace } from '../render/workspace';
import type { NodeProvisioner } from '../render/options';
import { childIds, defaultNamespaceOf, emit, keepOrder } from './internal';

/**
 * Props of {@link WorkspaceObjects}; TypeScript only, as the construct.
 * @jsii ignore
 */
export interface WorkspaceObjectsProps {
  /** A validated workspace (the internal model, as `KaitoWorkspace.workspace` holds it). */
  readonly workspace: Workspace;
  /** Its plan (as `KaitoWorkspace.plan` holds it). */
  readonly plan: WorkspacePlan;
  /**
   * How the nodes come to exist. `byo`: they exist already (a `GpuNodePool`, or nodes with the labels the
   * workspace selects), and nothing is provisioned; `karpenter` adds the workspace's NodeClaims.
   * @default 'byo'
   */
  readonly nodeProvisioner?: NodeProvisioner;
  /**
   * Registry of Kaito's images.
   * @default 'mcr.microsoft.com/aks/kaito'
   */
  readonly registry?: string;
  /**
   * Presets the plan was made with.
   * @default - the default preset catalog
   */
  readonly presets?: PresetCatalog;
}

/**
 * "Direct" mode: the objects the reconciler would create for a workspace (generated ConfigMaps, Services,
 * the inference StatefulSet or tuning Job, and NodeClaims unless the nodes are brought), emitted as they are
 * rendered, with no operator in the cluster. A workspace without a namespace uses the chart's, else `default`.
 *
 * TypeScript only (its props are the core's internal model): in other languages, `InferenceService` and
 * `TuningJob` with `mode: 'direct'` emit the same objects.
 * @jsii ignore
 */
export class WorkspaceObjects extends Construct {
  /** The emitted objects, in the renderer's order. */
  readonly apiObjects: ApiObject[];

  constructor(scope: Construct, id: string, props: WorkspaceObjectsProps) {
    super(scope, id);
    const objects = renderWorkspace(props.workspace, props.plan, {
      nodeProvisioner: props.nodeProvisioner ?? 'byo',
      defaultNamespace: defaultNamespaceOf(this),
      ...(props.registry === undefined ? {} : { registry: props.registry }),
      ...(props.presets === undefined ? {} : { presets: props.presets }),
    });
    const ids = childIds(objects, props.workspace.metadata.name);
    this.apiObjects = objects.map((object, i) => emit(this, ids[i], object));
    keepOrder(this.apiObjects);
  }
}
