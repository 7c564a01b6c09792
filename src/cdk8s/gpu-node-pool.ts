import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError, error } from '../api/problems';
import { defaultSkus, type GpuSku, type SkuCatalog } from '../catalog';
import {
  AKS_AGENT_POOL_LABEL,
  KARPENTER_NODE_POOL_LABEL,
  checkGpuNodePool,
  type GpuNodePoolSpec,
  type NodePoolPlacement,
  type ResolvedGpuNodePool,
} from '../plan/node-pool';
import type { KubeObject } from '../render/options';
import { defaultNamespaceOf, emit, leaveNothingOnError } from './internal';
import {
  DEFAULT_KARPENTER_NODE_CLASS,
  renderAgentPool,
  renderKarpenterNodePool,
  type NodeClassReference,
} from '../render/node-pool';

/** Props of {@link GpuNodePool}. */
export interface GpuNodePoolProps {
  /**
   * What creates the nodes: an Azure Service Operator `ManagedClustersAgentPool` (an AKS node pool), or a
   * Karpenter `NodePool` that launches nodes for pending pods: `aso` or `karpenter`.
   */
  readonly provider: string;
  /** GPU instance type of the nodes, from the SKU catalog (`Standard_NC24ads_A100_v4`). */
  readonly vmSize: string;
  /**
   * Fixed number of nodes, or the initial number when autoscaling. Karpenter launches nodes only for pending
   * pods: `count` (or `maxCount`) caps the pool through `limits` on the GPU resource.
   * @default 1 without autoscaling; `minCount` with it
   */
  readonly count?: number;
  /**
   * Autoscaling lower bound (0 scales the pool to zero when idle; Karpenter: must be 0); set with `maxCount`.
   * @default - no autoscaling
   */
  readonly minCount?: number;
  /**
   * Autoscaling upper bound, at most 1000; set with `minCount`.
   * @default - no autoscaling
   */
  readonly maxCount?: number;
  /**
   * ASO: name of the `ManagedCluster` (in the same namespace) that owns the pool. Required for `aso`.
   * @default - none (Karpenter pools belong to the cluster Karpenter runs in)
   */
  readonly clusterName?: string;
  /**
   * Name of the pool. ASO: at most 12 lower-case letters and digits, starting with a letter (AKS's rule);
   * Karpenter: a DNS-1123 label.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * ASO: namespace of the agent pool (the managed cluster's namespace). Karpenter NodePools are cluster-scoped.
   * @default - the chart's namespace, else `default`
   */
  readonly namespace?: string;
  /**
   * Labels of the nodes; workloads on the pool select them (see `matchLabels`).
   * @default - none
   */
  readonly nodeLabels?: { [key: string]: string };
  /**
   * Taints in addition to `sku=gpu:NoSchedule` (which the pool always has and every Kaito workload
   * tolerates), as `key=value:Effect`.
   * @default - none
   */
  readonly nodeTaints?: string[];
  /**
   * ASO: operating system of the nodes: `Ubuntu`, `Ubuntu2204`, `AzureLinux`, `AzureLinux3` or `CBLMariner`.
   * (Karpenter: set the image family on the node class.)
   * @default - AKS's default (Ubuntu)
   */
  readonly osSKU?: string;
  /**
   * ASO: whether AKS installs the NVIDIA driver: `Install`, or `None` when the GPU Operator installs it. (Karpenter: set
   * the GPU mode on the node class.)
   * @default - AKS's default (Install)
   */
  readonly gpuDriver?: string;
  /**
   * ASO: Multi-Instance GPU profile (`MIG1g`, `MIG2g`, `MIG3g`, `MIG4g` or `MIG7g`); A100, H100 and H200
   * sizes only.
   * @default - no MIG
   */
  readonly gpuInstanceProfile?: string;
  /**
   * Karpenter: the node class nodes are launched with.
   * @default - { group: 'karpenter.azure.com', kind: 'AKSNodeClass', name: 'default' }
   */
  readonly nodeClass?: NodeClassReference;
  /**
   * The instance types `vmSize` is looked up in (TypeScript only: a catalog is the core's class).
   * @default - the default SKU catalog
   * @jsii ignore
   */
  readonly skus?: SkuCatalog;
}

export { DEFAULT_KARPENTER_NODE_CLASS };
export { AKS_AGENT_POOL_LABEL, KARPENTER_NODE_POOL_LABEL };

/**
 * A pool of GPU nodes for Kaito workloads, tainted `sku=gpu:NoSchedule`: an ASO `ManagedClustersAgentPool`
 * (owned by an existing managed cluster) or a Karpenter `NodePool` limited to the instance type. Pass it to
 * `InferenceService`/`TuningJob` as `nodePool`: they select its nodes, are planned on its GPUs and must fit
 * in its most nodes. The checks are the core's (`checkGpuNodePool`), the same as the Pulumi component's.
 */
export class GpuNodePool extends Construct {
  /** `aso` or `karpenter`. */
  readonly provider: string;
  /** Name of the pool. */
  readonly name: string;
  /**
   * The instance type, as the catalog knows it; TypeScript only.
   * @jsii ignore
   */
  readonly sku: GpuSku;
  /** The user's node labels. */
  readonly nodeLabels: { [key: string]: string };
  /** Selects the pool's nodes: its labels and the pool label AKS or Karpenter puts on them. */
  readonly matchLabels: { [key: string]: string };
  /** Taints of the nodes, `sku=gpu:NoSchedule` first. */
  readonly nodeTaints: string[];
  /** Most nodes the pool holds. */
  readonly maxNodes: number;
  /**
   * What a workload on the pool is placed and planned with; TypeScript only.
   * @jsii ignore
   */
  readonly placement: NodePoolPlacement;
  /** The ManagedClustersAgentPool or NodePool object. */
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: GpuNodePoolProps) {
    super(scope, id);
    const pool = leaveNothingOnError(this, () => check(this, props));
    this.provider = props.provider;
    this.name = pool.name;
    this.sku = pool.sku;
    this.nodeLabels = { ...pool.nodeLabels };
    this.matchLabels = { ...pool.matchLabels };
    this.nodeTaints = [...pool.nodeTaints];
    this.maxNodes = pool.maxNodes;
    this.placement = { name: pool.name, sku: pool.sku, matchLabels: pool.matchLabels, maxNodes: pool.maxNodes };
    const object =
      props.provider === 'aso'
        ? renderAgentPool(pool, props.clusterName!, props.namespace ?? defaultNamespaceOf(this))
        : renderKarpenterNodePool(pool, props.nodeClass ?? DEFAULT_KARPENTER_NODE_CLASS);
    this.apiObject = emit(this, 'Resource', object as unknown as KubeObject);
  }
}

/** The core's checks, plus the namespace (a cdk8s object's); throws a ValidationError naming the props. */
function check(self: Construct, props: GpuNodePoolProps): ResolvedGpuNodePool {
  const name = props.name ?? self.node.id;
  const subject = `GpuNodePool ${JSON.stringify(name)}`;
  const aso = props.provider === 'aso';
  if (!aso && props.provider !== 'karpenter') {
    throw new ValidationError(
      [error('provider', `${JSON.stringify(props.provider)} is not one of aso, karpenter`)],
      subject,
    );
  }
  const { pool, problems } = checkGpuNodePool(
    {
      provider: aso ? 'aks' : 'karpenter',
      vmSize: props.vmSize,
      name,
      ...(props.count === undefined ? {} : { count: props.count }),
      ...(props.minCount === undefined ? {} : { minCount: props.minCount }),
      ...(props.maxCount === undefined ? {} : { maxCount: props.maxCount }),
      ...(props.nodeLabels === undefined ? {} : { nodeLabels: props.nodeLabels }),
      ...(props.nodeTaints === undefined ? {} : { nodeTaints: props.nodeTaints }),
      ...(props.osSKU === undefined ? {} : { osSKU: props.osSKU }),
      ...(props.gpuDriver === undefined ? {} : { gpuDriver: props.gpuDriver }),
      ...(props.gpuInstanceProfile === undefined ? {} : { gpuInstanceProfile: props.gpuInstanceProfile }),
      ...(props.clusterName === undefined ? {} : { clusterName: props.clusterName }),
      ...(props.namespace === undefined ? {} : { namespace: props.namespace }),
      hasNodeClass: props.nodeClass !== undefined,
    } as GpuNodePoolSpec,
    props.skus ?? defaultSkus,
  );
  if (problems.length > 0 || pool === undefined) throw new ValidationError(problems, subject);
  return pool;
}
