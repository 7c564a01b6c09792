import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError, type Problem } from '../api/problems';
import type { LabelSelector } from '../api/types';
import { defaultSkus, type GpuSku, type SkuCatalog } from '../catalog';
import { checkGpuNodePool } from '../plan/node-pool';
import { GPU_TAINT } from '../render/labels';
import type { KubeObject } from '../render/options';
import { checkDnsLabel, defaultNamespaceOf, emit } from './internal';
import {
  ASO_AGENT_POOL_API_VERSION,
  type AgentPoolGpuDriver,
  type AgentPoolOsSku,
  type AsoManagedClustersAgentPool,
  type KarpenterNodePool,
  type NodeClassReference,
  type NodeTaint,
} from './node-pool-types';
import type { InstanceType } from '../catalog/names';

/** A node count that autoscales between `min` and `max`. */
export interface NodeCountRange {
  readonly min: number;
  readonly max: number;
}

/** Props of {@link GpuNodePool}. */
export interface GpuNodePoolProps {
  /**
   * What creates the nodes: an Azure Service Operator `ManagedClustersAgentPool` (an AKS node pool), or a
   * Karpenter `NodePool` that launches nodes for pending pods.
   */
  readonly provider: 'aso' | 'karpenter';
  /** GPU instance type of the nodes, from the SKU catalog (`Standard_NC24ads_A100_v4`). */
  readonly vmSize: InstanceType;
  /**
   * Nodes: a fixed number, or `{ min, max }` to autoscale. Karpenter launches nodes only for pending pods:
   * `count` (or `max`) caps the pool through `limits` on the GPU resource, and `min` must be 0.
   */
  readonly count: number | NodeCountRange;
  /**
   * ASO: name of the `ManagedCluster` (in the same namespace) that owns the pool. Required for `aso`.
   * @default - none (Karpenter pools belong to the cluster Karpenter runs in)
   */
  readonly cluster?: string;
  /**
   * Name of the pool. ASO: at most 12 lower-case letters and digits, starting with a letter (AKS's rule).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * ASO: namespace of the agent pool (the managed cluster's namespace). Karpenter NodePools are cluster-scoped.
   * @default - the chart's namespace, else `default`
   */
  readonly namespace?: string;
  /**
   * Labels of the nodes; workloads select them (see `labelSelector`).
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Taints in addition to `sku=gpu:NoSchedule`, which the pool always has and every Kaito workload tolerates.
   * @default - none
   */
  readonly taints?: readonly NodeTaint[];
  /**
   * ASO: operating system of the nodes. (Karpenter: set the image family on the node class.)
   * @default - AKS's default (Ubuntu)
   */
  readonly osSku?: AgentPoolOsSku;
  /**
   * ASO: whether AKS installs the NVIDIA driver (`None` when the GPU Operator installs it). (Karpenter: set
   * the GPU mode on the node class.)
   * @default - AKS's default (Install)
   */
  readonly gpuDriver?: AgentPoolGpuDriver;
  /**
   * Karpenter: the node class nodes are launched with.
   * @default - { group: 'karpenter.azure.com', kind: 'AKSNodeClass', name: 'default' }
   */
  readonly nodeClass?: NodeClassReference;
  /**
   * The instance types `vmSize` is looked up in.
   * @default - the default SKU catalog
   */
  readonly skus?: SkuCatalog;
}

/** The node class of Karpenter on AKS (Node Auto Provisioning). */
export const DEFAULT_KARPENTER_NODE_CLASS: NodeClassReference = {
  group: 'karpenter.azure.com',
  kind: 'AKSNodeClass',
  name: 'default',
};

/** Label AKS puts on the nodes of an agent pool. */
export const AKS_AGENT_POOL_LABEL = 'kubernetes.azure.com/agentpool';
/** Label Karpenter puts on the nodes of a NodePool. */
export const KARPENTER_NODE_POOL_LABEL = 'karpenter.sh/nodepool';

/** The extended resource the device plugin of a vendor's accelerators advertises. */
function gpuResource(sku: GpuSku): string {
  if (sku.gpuVendor === 'amd') return 'amd.com/gpu';
  if (sku.gpuVendor === 'aws') return 'aws.amazon.com/neuron';
  return 'nvidia.com/gpu';
}

const taintString = (t: NodeTaint): string => `${t.key}${t.value === undefined ? '' : `=${t.value}`}:${t.effect}`;

/**
 * A pool of GPU nodes for Kaito workloads, tainted `sku=gpu:NoSchedule`: an ASO `ManagedClustersAgentPool`
 * (owned by an existing managed cluster) or a Karpenter `NodePool` limited to the instance type. Pass it to
 * `InferenceService`/`TuningJob` as `nodePool`, and their pods select its nodes through `labelSelector`.
 */
export class GpuNodePool extends Construct {
  readonly provider: 'aso' | 'karpenter';
  /** Name of the pool. */
  readonly name: string;
  /** The instance type, as the catalog knows it. */
  readonly sku: GpuSku;
  /** The user's node labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Selects the pool's nodes: its labels and the pool label AKS or Karpenter puts on them. */
  readonly labelSelector: LabelSelector;
  /** Taints of the nodes, `sku=gpu:NoSchedule` first. */
  readonly taints: readonly NodeTaint[];
  /** Most nodes the pool holds. */
  readonly maxNodes: number;
  /** The ManagedClustersAgentPool or NodePool object. */
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: GpuNodePoolProps) {
    super(scope, id);
    this.provider = props.provider;
    this.name = props.name ?? id;
    const subject = `GpuNodePool ${JSON.stringify(this.name)}`;
    const fail = (path: string, message: string): never => {
      throw new ValidationError([{ path, message, severity: 'error' } satisfies Problem], subject);
    };
    if (props.provider !== 'aso' && props.provider !== 'karpenter') {
      fail('provider', `unsupported value ${JSON.stringify(props.provider)}: supported values: "aso", "karpenter"`);
    }
    this.sku = gpuSku(props, fail);
    const range = countRange(props, fail);
    this.maxNodes = range.max;
    this.labels = { ...(props.labels ?? {}) };
    const gpuTaint: NodeTaint = { key: GPU_TAINT.key, value: GPU_TAINT.value, effect: GPU_TAINT.effect };
    const same = (t: NodeTaint) => t.key === gpuTaint.key && t.value === gpuTaint.value && t.effect === gpuTaint.effect;
    this.taints = [gpuTaint, ...(props.taints ?? []).filter((t) => !same(t))];

    let object: AsoManagedClustersAgentPool | KarpenterNodePool;
    if (props.provider === 'aso') {
      const named = checkGpuNodePool({ provider: 'aks', vmSize: this.sku.name, name: this.name }).problems[0];
      if (named !== undefined) fail(named.path, named.message);
      if (props.cluster === undefined || props.cluster === '')
        fail('cluster', 'required for provider "aso": the name of the ManagedCluster that owns the pool');
      if (props.nodeClass !== undefined) fail('nodeClass', 'applies to provider "karpenter" only');
      const namespace = props.namespace ?? defaultNamespaceOf(this);
      checkDnsLabel(namespace, 'namespace', subject);
      this.labelSelector = { matchLabels: { ...this.labels, [AKS_AGENT_POOL_LABEL]: this.name } };
      object = this.agentPool(props, namespace, range);
    } else {
      checkDnsLabel(this.name, 'name', subject);
      if (!range.fixed && range.min !== 0) {
        fail(
          'count',
          `Karpenter launches nodes for pending pods only: use { min: 0, max: ${range.max} } or a fixed count, or provider "aso" for nodes that are always there`,
        );
      }
      for (const prop of ['osSku', 'gpuDriver', 'cluster', 'namespace'] as const) {
        if (props[prop] !== undefined) {
          fail(
            prop,
            `applies to provider "aso" only${prop === 'osSku' || prop === 'gpuDriver' ? '; for Karpenter set it on the node class' : ''}`,
          );
        }
      }
      this.labelSelector = { matchLabels: { ...this.labels, [KARPENTER_NODE_POOL_LABEL]: this.name } };
      object = this.nodePool(props, range);
    }
    this.apiObject = emit(this, 'Resource', object as unknown as KubeObject);
  }

  private agentPool(
    props: GpuNodePoolProps,
    namespace: string,
    range: NodeCountRange & { fixed: boolean },
  ): AsoManagedClustersAgentPool {
    const labels = Object.keys(this.labels).length === 0 ? {} : { nodeLabels: { ...this.labels } };
    return {
      apiVersion: ASO_AGENT_POOL_API_VERSION,
      kind: 'ManagedClustersAgentPool',
      metadata: { name: this.name, namespace },
      spec: {
        owner: { name: props.cluster! },
        vmSize: this.sku.name,
        ...(range.fixed
          ? { count: range.max }
          : { count: range.min, enableAutoScaling: true, minCount: range.min, maxCount: range.max }),
        mode: 'User',
        osType: 'Linux',
        ...(props.osSku === undefined ? {} : { osSKU: props.osSku }),
        ...labels,
        nodeTaints: this.taints.map(taintString),
        ...(props.gpuDriver === undefined ? {} : { gpuProfile: { driver: props.gpuDriver } }),
      },
    };
  }

  private nodePool(props: GpuNodePoolProps, range: NodeCountRange): KarpenterNodePool {
    return {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: this.name },
      spec: {
        template: {
          ...(Object.keys(this.labels).length === 0 ? {} : { metadata: { labels: { ...this.labels } } }),
          spec: {
            nodeClassRef: { ...(props.nodeClass ?? DEFAULT_KARPENTER_NODE_CLASS) },
            requirements: [
              { key: 'node.kubernetes.io/instance-type', operator: 'In', values: [this.sku.name] },
              { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
            ],
            taints: this.taints.map((t) => ({ ...t })),
          },
        },
        // GPU nodes take minutes to start and load weights: remove them when empty, never to repack pods.
        disruption: { consolidationPolicy: 'WhenEmpty', consolidateAfter: '10m' },
        limits: { [gpuResource(this.sku)]: range.max * this.sku.gpuCount },
      },
    };
  }
}

function gpuSku(props: GpuNodePoolProps, fail: (path: string, message: string) => never): GpuSku {
  const { sku, problems } = checkGpuNodePool(
    { provider: props.provider === 'aso' ? 'aks' : 'karpenter', vmSize: props.vmSize ?? '' },
    props.skus ?? defaultSkus,
  );
  return sku ?? fail(problems[0].path, problems[0].message);
}

function countRange(
  props: GpuNodePoolProps,
  fail: (path: string, message: string) => never,
): NodeCountRange & { fixed: boolean } {
  const whole = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 1000;
  const count = props.count;
  if (typeof count === 'number') {
    if (!whole(count) || count < 1) fail('count', `${count} is not a whole number between 1 and 1000`);
    return { min: count, max: count, fixed: true };
  }
  if (count === undefined || typeof count !== 'object')
    return fail('count', 'required: a number of nodes, or { min, max }');
  if (!whole(count.min)) fail('count.min', `${count.min} is not a whole number between 0 and 1000`);
  if (!whole(count.max) || count.max < 1) fail('count.max', `${count.max} is not a whole number between 1 and 1000`);
  if (count.min > count.max) fail('count', `min (${count.min}) is greater than max (${count.max})`);
  return { min: count.min, max: count.max, fixed: false };
}
