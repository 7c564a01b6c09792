import * as pulumi from '@pulumi/pulumi';
import * as containerservice from '@pulumi/azure-native/containerservice';
import { RESERVED_SELECTOR_KEYS, error, type Problem } from '../api';
import type { GpuSku } from '../catalog';
import { checkGpuNodePool } from '../plan/node-pool';
import { GPU_TAINT } from '../render';
import { TYPE_PREFIX, throwOnErrors } from './errors';
import { childDependsOn } from './objects';
import type { InstanceType } from '../catalog/names';

/** Linux node images AKS offers for GPU pools. */
export type GpuNodePoolOsSku = 'Ubuntu' | 'Ubuntu2204' | 'AzureLinux' | 'AzureLinux3' | 'CBLMariner';
/** Whether AKS installs the NVIDIA driver (`Install`) or leaves it to you, e.g. to the GPU Operator (`None`). */
export type GpuDriver = 'Install' | 'None';
/** Multi-Instance GPU profile of A100/H100 nodes: each GPU is split into slices of this size. */
export type GpuInstanceProfile = 'MIG1g' | 'MIG2g' | 'MIG3g' | 'MIG4g' | 'MIG7g';

const OS_SKUS: readonly GpuNodePoolOsSku[] = ['Ubuntu', 'Ubuntu2204', 'AzureLinux', 'AzureLinux3', 'CBLMariner'];
const DRIVERS: readonly GpuDriver[] = ['Install', 'None'];
const MIG_PROFILES: readonly GpuInstanceProfile[] = ['MIG1g', 'MIG2g', 'MIG3g', 'MIG4g', 'MIG7g'];

/** The label AKS puts on every node of an agent pool, with the pool's name: what workspaces select. */
export const AKS_AGENT_POOL_LABEL = 'kubernetes.azure.com/agentpool';
/** The taint of every GPU node pool, which Kaito workloads tolerate: `sku=gpu:NoSchedule`. */
export const POOL_TAINT = `${GPU_TAINT.key}=${GPU_TAINT.value}:${GPU_TAINT.effect}`;

/** Args of a {@link GpuNodePool}. */
export interface GpuNodePoolArgs {
  /** Resource group of the AKS cluster. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Name of the existing AKS cluster (the managed cluster resource). */
  readonly clusterName: pulumi.Input<string>;
  /**
   * Azure GPU VM size, checked against the GPU catalog (`registerSku()` adds one). Plain: workspaces on the
   * pool are planned on its GPUs when they are constructed.
   */
  readonly vmSize: InstanceType;
  /**
   * Name of the agent pool in AKS: 1 to 12 lower-case letters and digits, starting with a letter.
   * @default - the component's name
   */
  readonly agentPoolName?: string;
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
   * of the pool, `kubernetes.azure.com/agentpool: <agentPoolName>` (see `matchLabels`).
   * @default - none
   */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  /**
   * Taints in addition to `sku=gpu:NoSchedule`, as `key=value:Effect`.
   * @default - none
   */
  readonly nodeTaints?: readonly string[];
  /**
   * Node image.
   * @default 'Ubuntu'
   */
  readonly osSKU?: GpuNodePoolOsSku;
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

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const TAINT = /^([^=:\s]+)(=([^=:\s]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/;
/** Label prefixes AKS reserves for itself (it rejects them in nodeLabels). */
const AKS_RESERVED = [/(^|\.)kubernetes\.io\//, /(^|\.)k8s\.io\//, /(^|\.)kubernetes\.azure\.com\//];

const quote = (s: string): string => JSON.stringify(s);

function isCount(n: number, min: number): boolean {
  return Number.isInteger(n) && n >= min && n <= 1000;
}

function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const label = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `label key ${quote(key)}: the prefix must be a DNS subdomain`;
  }
  if (label.length > 63 || !LABEL_NAME.test(label)) {
    return `label key ${quote(key)}: the name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  if (RESERVED_SELECTOR_KEYS.includes(key)) return `label key ${quote(key)} is reserved by Kaito`;
  if (AKS_RESERVED.some((r) => r.test(key))) return `label key ${quote(key)} uses a prefix AKS reserves`;
  return undefined;
}

/** Checks the plain args; returns the resolved SKU, pool name and labels, or throws. */
function check(name: string, args: GpuNodePoolArgs) {
  const problems: Problem[] = [];
  const poolName = args.agentPoolName ?? name;
  const pool = checkGpuNodePool({
    provider: 'aks',
    vmSize: String(args.vmSize),
    name: poolName,
    namePath: 'agentPoolName',
    nameNote: args.agentPoolName === undefined ? ' (the component name; set agentPoolName)' : '',
  });
  const sku: GpuSku | undefined = pool.sku;
  problems.push(...pool.problems);
  const { count, minCount, maxCount } = args;
  const autoscale = minCount !== undefined || maxCount !== undefined;
  if (autoscale && (minCount === undefined || maxCount === undefined)) {
    problems.push(error(minCount === undefined ? 'minCount' : 'maxCount', 'set minCount and maxCount together'));
  }
  if (minCount !== undefined && !isCount(minCount, 0))
    problems.push(error('minCount', `${minCount} is not in 0..1000`));
  if (maxCount !== undefined && !isCount(maxCount, 1))
    problems.push(error('maxCount', `${maxCount} is not in 1..1000`));
  if (minCount !== undefined && maxCount !== undefined && minCount > maxCount) {
    problems.push(error('minCount', `${minCount} is greater than maxCount ${maxCount}`));
  }
  if (count !== undefined && !isCount(count, 0)) problems.push(error('count', `${count} is not in 0..1000`));
  else if (count !== undefined && autoscale && ((minCount ?? 0) > count || count > (maxCount ?? 1000))) {
    problems.push(error('count', `${count} is outside minCount..maxCount (${minCount}..${maxCount})`));
  }
  const nodeLabels = args.nodeLabels ?? {};
  for (const [key, value] of Object.entries(nodeLabels)) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem !== undefined) problems.push(error(`nodeLabels[${key}]`, keyProblem));
    if (typeof value !== 'string' || value.length > 63 || (value !== '' && !LABEL_NAME.test(value))) {
      problems.push(error(`nodeLabels[${key}]`, `label value ${quote(String(value))} is not a valid label value`));
    }
  }
  (args.nodeTaints ?? []).forEach((t, i) => {
    if (!TAINT.test(t)) problems.push(error(`nodeTaints[${i}]`, `${quote(t)} is not key=value:Effect`));
  });
  const osSKU = args.osSKU ?? 'Ubuntu';
  if (!OS_SKUS.includes(osSKU)) problems.push(error('osSKU', `${quote(osSKU)} is not one of ${OS_SKUS.join(', ')}`));
  const driver = args.gpuDriver ?? 'Install';
  if (!DRIVERS.includes(driver)) problems.push(error('gpuDriver', `${quote(driver)} is not one of Install, None`));
  const mig = args.gpuInstanceProfile;
  if (mig !== undefined && !MIG_PROFILES.includes(mig)) {
    problems.push(error('gpuInstanceProfile', `${quote(mig)} is not one of ${MIG_PROFILES.join(', ')}`));
  } else if (mig !== undefined && sku !== undefined && !/A100|H100|H200/.test(sku.gpuModel)) {
    problems.push(error('gpuInstanceProfile', `${sku.name} has ${sku.gpuModel} GPUs, which do not support MIG`));
  }
  throwOnErrors('GpuNodePool', name, problems);
  return { sku: sku!, poolName, nodeLabels, autoscale, osSKU, driver };
}

/**
 * A GPU node pool on an existing AKS cluster: an `azure-native` `containerservice.AgentPool` in `User` mode,
 * tainted `sku=gpu:NoSchedule` so that only GPU workloads (which tolerate it) land there, and labelled so
 * that workspaces select it. Pass the pool to an {@link InferenceService} or {@link TuningJob} to run on it:
 * they select its labels, are planned on its GPUs and wait for it.
 */
export class GpuNodePool extends pulumi.ComponentResource {
  /** The AKS agent pool name, once the pool exists. */
  readonly agentPoolName: pulumi.Output<string>;
  /** The label selector of the pool's nodes, once the pool exists. */
  readonly labelSelector: pulumi.Output<{ matchLabels: Record<string, string> }>;
  /**
   * What selects the pool's nodes, known at construction: its `nodeLabels` and
   * `kubernetes.azure.com/agentpool: <agentPoolName>`.
   */
  readonly matchLabels: Readonly<Record<string, string>>;
  /** The catalog entry of the VM size: GPUs per node, memory per GPU, GPU model. */
  readonly sku: GpuSku;
  /** The most nodes the pool can have: `maxCount` when autoscaling, else `count`. */
  readonly maxNodes: number;
  /** The agent pool resource. */
  readonly agentPool: containerservice.AgentPool;

  constructor(name: string, args: GpuNodePoolArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const c = check(name, args);
    super(`${TYPE_PREFIX}GpuNodePool`, name, {}, opts);
    this.sku = c.sku;
    this.matchLabels = { ...c.nodeLabels, [AKS_AGENT_POOL_LABEL]: c.poolName };
    const count = args.count ?? (c.autoscale ? args.minCount : 1);
    this.maxNodes = (c.autoscale ? args.maxCount : count) ?? 1;
    this.agentPool = new containerservice.AgentPool(
      `${name}-agentpool-${c.poolName}`,
      {
        resourceGroupName: args.resourceGroupName,
        resourceName: args.clusterName,
        agentPoolName: c.poolName,
        vmSize: c.sku.name,
        mode: 'User',
        osType: 'Linux',
        osSKU: c.osSKU,
        count,
        enableAutoScaling: c.autoscale,
        ...(c.autoscale ? { minCount: args.minCount, maxCount: args.maxCount } : {}),
        ...(Object.keys(c.nodeLabels).length === 0 ? {} : { nodeLabels: { ...c.nodeLabels } }),
        nodeTaints: [POOL_TAINT, ...(args.nodeTaints ?? [])],
        gpuProfile: { driver: c.driver },
        ...(args.gpuInstanceProfile === undefined ? {} : { gpuInstanceProfile: args.gpuInstanceProfile }),
        ...(args.osDiskSizeGB === undefined ? {} : { osDiskSizeGB: args.osDiskSizeGB }),
        ...(args.availabilityZones === undefined ? {} : { availabilityZones: args.availabilityZones }),
        ...(args.vnetSubnetID === undefined ? {} : { vnetSubnetID: args.vnetSubnetID }),
        ...(args.tags === undefined ? {} : { tags: args.tags }),
      },
      // The cluster autoscaler owns the node count of an autoscaled pool.
      {
        parent: this,
        dependsOn: childDependsOn(opts.dependsOn, []),
        ...(c.autoscale ? { ignoreChanges: ['count'] } : {}),
      },
    );
    const labels = { ...this.matchLabels };
    this.agentPoolName = this.agentPool.id.apply(() => c.poolName);
    this.labelSelector = this.agentPool.id.apply(() => ({ matchLabels: { ...labels } }));
    this.registerOutputs({ agentPoolName: this.agentPoolName, labelSelector: this.labelSelector });
  }
}
