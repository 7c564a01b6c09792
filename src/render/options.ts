import type { PresetCatalog } from '../catalog';
import type { NodeClassRef } from './node-class';

/** A Kubernetes object as plain data: what every face emits. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly ownerReferences?: ReadonlyArray<OwnerReference>;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

/** How GPU nodes come to exist for a workspace. */
export type NodeProvisioner =
  /** Karpenter `NodeClaim`s (karpenter.sh/v1) fulfilled by Azure gpu-provisioner or Karpenter. */
  | 'karpenter'
  /** Legacy Karpenter-core `Machine`s (karpenter.sh/v1alpha5), Kaito v0.1-v0.2 era. */
  | 'machine'
  /**
   * One Karpenter `NodePool` (karpenter.sh/v1) per workspace with static capacity (`spec.replicas`, the
   * StaticCapacity feature): Karpenter makes the NodeClaims, as Kaito does with its Karpenter provisioner.
   */
  | 'karpenter-nodepool'
  /** Bring your own nodes: nothing is provisioned. */
  | 'byo';

/** Options every renderer accepts. */
export interface RenderOptions {
  /**
   * Registry of Kaito's images.
   * @default 'mcr.microsoft.com/aks/kaito'
   */
  readonly registry?: string;
  /**
   * Namespace for a workspace that names none.
   * @default 'default'
   */
  readonly defaultNamespace?: string;
  /**
   * How nodes are provisioned.
   * @default 'karpenter' when the workspace has an instance type, else 'byo'
   */
  readonly nodeProvisioner?: NodeProvisioner;
  /**
   * The node class NodeClaims (or the NodePool's template) point at (`nodeClassRef`): the provisioner that
   * launches the nodes acts only on claims of its own class.
   * @default KAITO_NODE_CLASS (kaito.sh/KaitoNodeClass/default, Azure gpu-provisioner); AKS_NODE_CLASS for a
   * NodePool
   */
  readonly nodeClass?: NodeClassRef;
  /** UID of the Workspace object; when set, children carry an owner reference to it (the reconciler sets it). */
  readonly ownerUid?: string;
  /**
   * Tag of Kaito's runtime image `<registry>/kaito-base`.
   * @default BASE_IMAGE_TAG ('0.5.0')
   */
  readonly baseImageTag?: string;
  /**
   * Presets the workspace's model is looked up in (the catalog the plan was made with).
   * @default the default preset catalog
   */
  readonly presets?: PresetCatalog;
}

export const DEFAULT_REGISTRY = 'mcr.microsoft.com/aks/kaito';
