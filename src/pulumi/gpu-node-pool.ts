import * as pulumi from '@pulumi/pulumi';
import * as containerservice from '@pulumi/azure-native/containerservice';
import type { Problem } from '../api';
import type { GpuSku, SkuCatalog } from '../catalog';
import {
  AKS_AGENT_POOL_LABEL,
  GPU_POOL_TAINT,
  checkGpuNodePool,
  type NodePoolPlacement,
  type ResolvedGpuNodePool,
} from '../plan/node-pool';
import type { GpuDriver, GpuInstanceProfile, OsSku } from './enums';
import { TYPE_PREFIX, movedToOptions, plainValueProblems, throwOnErrors } from './errors';
import { childDependsOn } from './objects';

/** The label AKS puts on every node of an agent pool, with the pool's name: what workspaces select. */
export { AKS_AGENT_POOL_LABEL };
/** The taint of every GPU node pool, which Kaito workloads tolerate: `sku=gpu:NoSchedule`. */
export const POOL_TAINT = GPU_POOL_TAINT;

/** The label selector of a pool's nodes. */
export interface PoolLabelSelector {
  /** The labels every node of the pool has. */
  readonly matchLabels: Record<string, string>;
}

/** Args of a {@link GpuNodePool}. */
export interface GpuNodePoolArgs {
  /** Resource group of the AKS cluster. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Name of the existing AKS cluster (the managed cluster resource). */
  readonly clusterName: pulumi.Input<string>;
  /**
   * Azure GPU VM size, such as `Standard_NC24ads_A100_v4`, checked against the GPU catalog (`registerSku()`
   * adds one). Plain: workspaces on the pool are planned on its GPUs when they are constructed.
   */
  readonly vmSize: string;
  /**
   * Name of the agent pool in AKS: 1 to 12 lower-case letters and digits, starting with a letter.
   * @default - the component's name
   */
  readonly name?: string;
  /**
   * Fixed number of nodes, or the initial number when autoscaling.
   * @default 1 without autoscaling; `minCount` with it
   */
  readonly count?: number;
  /**
   * Autoscaling lower bound (0 scales the pool to zero when idle); set with `maxCount`.
   * @default - no autoscaling
   */
  readonly minCount?: number;
  /**
   * Autoscaling upper bound, at most 1000; set with `minCount`.
   * @default - no autoscaling
   */
  readonly maxCount?: number;
  /**
   * Labels of the pool's nodes. Workspaces on the pool select them, and the label AKS puts on every node
   * of the pool, `kubernetes.azure.com/agentpool: <name>` (see `matchLabels`).
   * @default - none
   */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  /**
   * Taints in addition to `sku=gpu:NoSchedule`, as `key=value:Effect`.
   * @default - none
   */
  readonly nodeTaints?: string[];
  /**
   * Node image.
   * @default 'Ubuntu'
   */
  readonly osSKU?: OsSku;
  /**
   * NVIDIA driver installation (`gpuProfile.driver`).
   * @default 'Install'
   */
  readonly gpuDriver?: GpuDriver;
  /**
   * Multi-Instance GPU profile; A100 and H100 sizes only.
   * @default - no MIG
   */
  readonly gpuInstanceProfile?: GpuInstanceProfile;
  /** OS disk size, GiB; model weights are cached on it. @default - AKS's default for the VM size */
  readonly osDiskSizeGB?: pulumi.Input<number>;
  /** Availability zones of the nodes. @default - none */
  readonly availabilityZones?: pulumi.Input<pulumi.Input<string>[]>;
  /** Subnet of the nodes. @default - the cluster's */
  readonly vnetSubnetID?: pulumi.Input<string>;
  /** Azure tags of the pool. @default - none */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * Options of a {@link GpuNodePool}: Pulumi's resource options, and what only a TypeScript program can hand
 * over (objects of this package, which Pulumi's component schema cannot describe).
 */
export interface GpuNodePoolOptions extends pulumi.ComponentResourceOptions {
  /**
   * The instance types `vmSize` is looked up in.
   * @default - the default SKU catalog
   */
  readonly skus?: SkuCatalog;
}

/** Checks the plain args in the core; returns the resolved pool, or throws. */
function check(name: string, args: GpuNodePoolArgs, skus: SkuCatalog | undefined): ResolvedGpuNodePool {
  const problems: Problem[] = movedToOptions(args, ['skus']);
  plainValueProblems(
    {
      ...args,
      skus: undefined,
      resourceGroupName: undefined,
      clusterName: undefined,
      osDiskSizeGB: undefined,
      availabilityZones: undefined,
      vnetSubnetID: undefined,
      tags: undefined,
    },
    '',
    problems,
  );
  throwOnErrors('GpuNodePool', name, problems);
  const { pool, problems: found } = checkGpuNodePool(
    {
      provider: 'aks',
      vmSize: args.vmSize,
      name: args.name ?? name,
      nameNote: args.name === undefined ? ' (the component name; set name)' : '',
      ...(args.count === undefined ? {} : { count: args.count }),
      ...(args.minCount === undefined ? {} : { minCount: args.minCount }),
      ...(args.maxCount === undefined ? {} : { maxCount: args.maxCount }),
      ...(args.nodeLabels === undefined ? {} : { nodeLabels: args.nodeLabels }),
      ...(args.nodeTaints === undefined ? {} : { nodeTaints: args.nodeTaints }),
      ...(args.osSKU === undefined ? {} : { osSKU: args.osSKU }),
      ...(args.gpuDriver === undefined ? {} : { gpuDriver: args.gpuDriver }),
      ...(args.gpuInstanceProfile === undefined ? {} : { gpuInstanceProfile: args.gpuInstanceProfile }),
      // An output is set; only a plain empty string is missing.
      clusterName: typeof args.clusterName === 'string' ? args.clusterName : 'output',
    },
    skus,
  );
  throwOnErrors('GpuNodePool', name, found);
  return pool!;
}

/**
 * A GPU node pool on an existing AKS cluster: an `azure-native` `containerservice.AgentPool` in `User` mode,
 * tainted `sku=gpu:NoSchedule` so that only GPU workloads (which tolerate it) land there, and labelled so
 * that workspaces select it. Pass the pool to an {@link InferenceService} or {@link TuningJob} to run on it:
 * they select its labels, are planned on its GPUs and wait for it.
 */
export class GpuNodePool extends pulumi.ComponentResource {
  /** What the component schema does not describe (TypeScript only), by pool. */
  private static readonly resolved = new WeakMap<GpuNodePool, ResolvedGpuNodePool & { placement: NodePoolPlacement }>();

  /** The AKS agent pool name, once the pool exists. */
  readonly name: pulumi.Output<string>;
  /** The label selector of the pool's nodes, once the pool exists. */
  readonly labelSelector: pulumi.Output<PoolLabelSelector>;
  /**
   * What selects the pool's nodes, known at construction: its `nodeLabels` and
   * `kubernetes.azure.com/agentpool: <name>`.
   */
  readonly matchLabels: Readonly<Record<string, string>>;
  /** The most nodes the pool can have: `maxCount` when autoscaling, else `count`. */
  readonly maxNodes: number;
  /** The agent pool resource. */
  readonly agentPool: containerservice.AgentPool;

  /** Taints of the nodes, `sku=gpu:NoSchedule` first. */
  get nodeTaints(): readonly string[] {
    return GpuNodePool.resolved.get(this)!.nodeTaints;
  }

  /** The catalog entry of the VM size: GPUs per node, memory per GPU, GPU model. */
  get sku(): GpuSku {
    return GpuNodePool.resolved.get(this)!.sku;
  }

  /** What a workload on the pool is placed and planned with. */
  get placement(): NodePoolPlacement {
    return GpuNodePool.resolved.get(this)!.placement;
  }

  constructor(name: string, args: GpuNodePoolArgs, opts: GpuNodePoolOptions = {}) {
    const { skus, ...resourceOpts } = opts;
    const pool = check(name, args, skus);
    super(`${TYPE_PREFIX}GpuNodePool`, name, {}, resourceOpts);
    const placement = { name: pool.name, sku: pool.sku, matchLabels: pool.matchLabels, maxNodes: pool.maxNodes };
    GpuNodePool.resolved.set(this, { ...pool, placement });
    this.matchLabels = pool.matchLabels;
    this.maxNodes = pool.maxNodes;
    this.agentPool = new containerservice.AgentPool(
      `${name}-agentpool-${pool.name}`,
      {
        resourceGroupName: args.resourceGroupName,
        resourceName: args.clusterName,
        agentPoolName: pool.name,
        vmSize: pool.sku.name,
        mode: 'User',
        osType: 'Linux',
        osSKU: pool.osSKU ?? 'Ubuntu',
        count: pool.count,
        enableAutoScaling: pool.autoscale,
        ...(pool.autoscale ? { minCount: pool.minCount, maxCount: pool.maxNodes } : {}),
        ...(Object.keys(pool.nodeLabels).length === 0 ? {} : { nodeLabels: { ...pool.nodeLabels } }),
        nodeTaints: [...pool.nodeTaints],
        gpuProfile: { driver: pool.gpuDriver ?? 'Install' },
        ...(pool.gpuInstanceProfile === undefined ? {} : { gpuInstanceProfile: pool.gpuInstanceProfile }),
        ...(args.osDiskSizeGB === undefined ? {} : { osDiskSizeGB: args.osDiskSizeGB }),
        ...(args.availabilityZones === undefined ? {} : { availabilityZones: args.availabilityZones }),
        ...(args.vnetSubnetID === undefined ? {} : { vnetSubnetID: args.vnetSubnetID }),
        ...(args.tags === undefined ? {} : { tags: args.tags }),
      },
      // The cluster autoscaler owns the node count of an autoscaled pool.
      {
        parent: this,
        dependsOn: childDependsOn(opts.dependsOn, []),
        ...(pool.autoscale ? { ignoreChanges: ['count'] } : {}),
      },
    );
    const labels = { ...this.matchLabels };
    this.name = this.agentPool.id.apply(() => pool.name);
    this.labelSelector = this.agentPool.id.apply(() => ({ matchLabels: { ...labels } }));
    this.registerOutputs({ name: this.name, labelSelector: this.labelSelector });
  }
}
