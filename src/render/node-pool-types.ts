/*
 * The parts of the node-pool custom resources GpuNodePool and `kaito render` emit, as typed data.
 *
 * - Karpenter `NodePool` (karpenter.sh/v1, cluster-scoped): field names and types of the CRD that
 *   sigs.k8s.io/karpenter ships (`pkg/apis/crds/karpenter.sh_nodepools.yaml`); imports/ holds the
 *   `cdk8s import` of that CRD, and the unit tests check emitted pools against its schema.
 * - Azure Service Operator `ManagedClustersAgentPool` (containerservice.azure.com, namespaced, owned by a
 *   `ManagedCluster` in the same namespace): ASO v2's `v20250801` version, Azure API 2025-08-01, the first
 *   stable version of the new naming scheme with `gpuProfile.driver`. No package carries ASO's CRDs, so the
 *   fields are typed here from ASO's generated API (`v2/api/containerservice/v20250801`).
 */

import type { GpuDriver, GpuInstanceProfile, OsSku } from '../plan/node-pool';

/** A Kubernetes taint. */
export interface NodeTaint {
  readonly key: string;
  /** @default - no value */
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** A node selector requirement of a Karpenter NodePool. */
export interface NodePoolRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  readonly values?: readonly string[];
  readonly minValues?: number;
}

/** The node class a Karpenter NodePool launches nodes with (`spec.template.spec.nodeClassRef`). */
export interface NodeClassReference {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
}

/** `karpenter.sh/v1` NodePool, as GpuNodePool writes it. */
export interface KarpenterNodePool {
  readonly apiVersion: 'karpenter.sh/v1';
  readonly kind: 'NodePool';
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec: {
    readonly template: {
      readonly metadata?: { readonly labels?: Readonly<Record<string, string>> };
      readonly spec: {
        readonly nodeClassRef: NodeClassReference;
        readonly requirements: readonly NodePoolRequirement[];
        readonly taints?: readonly NodeTaint[];
      };
    };
    readonly disruption?: {
      readonly consolidationPolicy?: 'WhenEmpty' | 'WhenEmptyOrUnderutilized';
      /** A duration such as `10m`, or `Never`. */
      readonly consolidateAfter?: string;
    };
    /** Resource quantities the pool may provision in all, e.g. `{ 'nvidia.com/gpu': 4 }`. */
    readonly limits?: Readonly<Record<string, number | string>>;
  };
}

/** API version of the ASO `ManagedClustersAgentPool` GpuNodePool emits. */
export const ASO_AGENT_POOL_API_VERSION = 'containerservice.azure.com/v20250801';

/** `containerservice.azure.com/v20250801` ManagedClustersAgentPool, as GpuNodePool writes it. */
export interface AsoManagedClustersAgentPool {
  readonly apiVersion: typeof ASO_AGENT_POOL_API_VERSION;
  readonly kind: 'ManagedClustersAgentPool';
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels?: Readonly<Record<string, string>>;
  };
  readonly spec: {
    /** The owning `ManagedCluster` in the same namespace. */
    readonly owner: { readonly name: string };
    /** Name of the pool in Azure: `^[a-z][a-z0-9]{0,11}$`; defaults to `metadata.name`. */
    readonly azureName?: string;
    readonly vmSize: string;
    /** Nodes (0 to 1000 for a user pool); the initial count with autoscaling. */
    readonly count?: number;
    readonly enableAutoScaling?: boolean;
    readonly minCount?: number;
    readonly maxCount?: number;
    readonly mode: 'System' | 'User' | 'Gateway';
    readonly osType: 'Linux' | 'Windows';
    readonly osSKU?: OsSku;
    readonly nodeLabels?: Readonly<Record<string, string>>;
    /** Taints as `key=value:Effect`. */
    readonly nodeTaints?: readonly string[];
    readonly gpuProfile?: { readonly driver?: GpuDriver };
    /** Multi-Instance GPU profile. */
    readonly gpuInstanceProfile?: GpuInstanceProfile;
  };
}
