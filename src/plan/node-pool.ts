import { dnsLabelProblem, labelValueProblem, nodeLabelKeyProblem } from '../api/names';
import { error, type Problem } from '../api/problems';
import { quote } from '../api/structural';
import { closestNames } from '../api/suggest';
import { RESERVED_SELECTOR_KEYS } from '../api/types';
import { defaultSkus, type GpuSku, type SkuCatalog } from '../catalog';

/*
 * A GPU node pool as every face declares it (AKS agent pool through azure-native or ASO, or a Karpenter
 * NodePool), with the names of the AKS API (`vmSize`, `count`/`minCount`/`maxCount`, `nodeLabels`,
 * `nodeTaints`, `osSKU`). The checks run here once; a face only turns the resolved pool into its objects.
 */

/** AKS's rule for agent pool names (the Azure API rejects anything else). */
export const AKS_POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;
/** Most nodes of one pool (AKS's limit for a user pool). */
export const MAX_POOL_NODES = 1000;
/** The taint of every GPU node pool, which Kaito workloads tolerate. */
export const GPU_POOL_TAINT = 'sku=gpu:NoSchedule';
/** Label AKS puts on the nodes of an agent pool. */
export const AKS_AGENT_POOL_LABEL = 'kubernetes.azure.com/agentpool';
/** Label Karpenter puts on the nodes of a NodePool. */
export const KARPENTER_NODE_POOL_LABEL = 'karpenter.sh/nodepool';

export const OS_SKUS = ['Ubuntu', 'Ubuntu2204', 'AzureLinux', 'AzureLinux3', 'CBLMariner'] as const;
/** Linux node images AKS offers for GPU pools. */
export type OsSku = (typeof OS_SKUS)[number];
export const GPU_DRIVERS = ['Install', 'None'] as const;
/** Whether AKS installs the NVIDIA driver (`Install`) or leaves it to you, e.g. to the GPU Operator (`None`). */
export type GpuDriver = (typeof GPU_DRIVERS)[number];
export const GPU_INSTANCE_PROFILES = ['MIG1g', 'MIG2g', 'MIG3g', 'MIG4g', 'MIG7g'] as const;
/** Multi-Instance GPU profile of A100/H100 nodes: each GPU is split into slices of this size. */
export type GpuInstanceProfile = (typeof GPU_INSTANCE_PROFILES)[number];

/** Who creates the nodes: an AKS agent pool, or a Karpenter NodePool. */
export type NodePoolProvider = 'aks' | 'karpenter';

/** A GPU node pool as every face describes it. */
export interface GpuNodePoolSpec {
  readonly provider: NodePoolProvider;
  readonly vmSize: string;
  /** The pool's name: AKS's rule for `aks` pools, a DNS-1123 label for Karpenter. */
  readonly name: string;
  /** Said after the name in its error, e.g. where a default name came from. @default '' */
  readonly nameNote?: string;
  /** Fixed node count, or the initial count when autoscaling. @default 1, or minCount when autoscaling */
  readonly count?: number;
  /** Autoscaling lower bound, with `maxCount`. @default - no autoscaling */
  readonly minCount?: number;
  /** Autoscaling upper bound, with `minCount`. @default - no autoscaling */
  readonly maxCount?: number;
  /** Labels of the nodes. @default - none */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  /** Taints besides `sku=gpu:NoSchedule`, as `key=value:Effect`. @default - none */
  readonly nodeTaints?: readonly string[];
  /** AKS only. @default - AKS's default (Ubuntu) */
  readonly osSKU?: string;
  /** AKS only. @default - AKS's default (Install) */
  readonly gpuDriver?: string;
  /** AKS only, A100/H100/H200 sizes. @default - no MIG */
  readonly gpuInstanceProfile?: string;
  /** AKS only, required there: the cluster that owns the pool (any non-empty text; an output counts as set). */
  readonly clusterName?: string;
  /**
   * An AKS pool declared as an Azure Service Operator object: its namespace (a Karpenter NodePool is
   * cluster-scoped). @default - the face's default namespace
   */
  readonly namespace?: string;
  /** Karpenter only: whether a node class is given. @default false */
  readonly hasNodeClass?: boolean;
}

/** A valid pool, resolved: what the faces declare and what workloads on it are placed with. */
export interface ResolvedGpuNodePool extends NodePoolPlacement {
  readonly provider: NodePoolProvider;
  /** Nodes at creation (the fixed count, or the initial count when autoscaling). */
  readonly count: number;
  readonly autoscale: boolean;
  /** With autoscaling. */
  readonly minCount?: number;
  readonly nodeLabels: Readonly<Record<string, string>>;
  /** `sku=gpu:NoSchedule` first, then the pool's own, without repeats. */
  readonly nodeTaints: readonly string[];
  readonly osSKU?: OsSku;
  readonly gpuDriver?: GpuDriver;
  readonly gpuInstanceProfile?: GpuInstanceProfile;
}

/** What a workload needs of the pool it runs on. */
export interface NodePoolPlacement {
  readonly name: string;
  /** The instance type, as the catalog knows it: the workload is planned on its GPUs. */
  readonly sku: GpuSku;
  /** What selects the pool's nodes: its labels and the pool label AKS or Karpenter puts on them. */
  readonly matchLabels: Readonly<Record<string, string>>;
  /** Most nodes the pool holds: `maxCount` when autoscaling, else `count`. */
  readonly maxNodes: number;
}

/** The resolved pool when valid, and every problem found, at the spec's field names. */
export interface GpuNodePoolCheck {
  readonly pool?: ResolvedGpuNodePool;
  readonly sku?: GpuSku;
  readonly problems: readonly Problem[];
}

const TAINT = /^([^=:\s]+)(=([^=:\s]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/;

/** A taint `key=value:Effect` as its parts. */
export interface ParsedTaint {
  readonly key: string;
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** `key=value:Effect` (or `key:Effect`) as its parts; undefined when it is not one. */
export function parseTaint(taint: string): ParsedTaint | undefined {
  const match = TAINT.exec(taint);
  if (match === null) return undefined;
  return {
    key: match[1],
    ...(match[3] === undefined ? {} : { value: match[3] }),
    effect: match[4] as ParsedTaint['effect'],
  };
}

const isCount = (n: unknown, min: number): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= min && n <= MAX_POOL_NODES;

function skuProblem(spec: GpuNodePoolSpec, skus: SkuCatalog, candidates: readonly GpuSku[]): Problem {
  const near =
    typeof spec.vmSize === 'string'
      ? closestNames(
          spec.vmSize,
          candidates.map((s) => s.name),
        )
      : [];
  const hint = near.length > 0 ? ` Did you mean ${near.map((n) => quote(n)).join(', ')}?` : '';
  const what = spec.provider === 'aks' ? 'an Azure NVIDIA GPU VM size' : 'a GPU instance type';
  const other = typeof spec.vmSize === 'string' ? skus.find(spec.vmSize) : undefined;
  return error(
    'vmSize',
    other !== undefined
      ? `${quote(spec.vmSize)} is an instance type of cloud ${other.cloud} (${other.gpuModel}), not ${what}.${hint}`
      : `${quote(spec.vmSize)} is not ${what} in the catalog.${hint} The catalog knows ${candidates.length} ` +
          'such sizes (kaito skus, or defaultSkus.list()); register another with registerSku()',
  );
}

/** The node counts: fixed, or autoscaled between minCount and maxCount. */
function counts(spec: GpuNodePoolSpec, problems: Problem[]) {
  const { count, minCount, maxCount } = spec;
  const autoscale = minCount !== undefined || maxCount !== undefined;
  if (autoscale && (minCount === undefined || maxCount === undefined)) {
    problems.push(error(minCount === undefined ? 'minCount' : 'maxCount', 'set minCount and maxCount together'));
  }
  if (minCount !== undefined && !isCount(minCount, 0)) {
    problems.push(error('minCount', `${quote(minCount)} is not a whole number between 0 and ${MAX_POOL_NODES}`));
  }
  if (maxCount !== undefined && !isCount(maxCount, 1)) {
    problems.push(error('maxCount', `${quote(maxCount)} is not a whole number between 1 and ${MAX_POOL_NODES}`));
  }
  if (isCount(minCount, 0) && isCount(maxCount, 1) && minCount > maxCount) {
    problems.push(error('minCount', `${minCount} is greater than maxCount ${maxCount}`));
  }
  // A fixed pool of no nodes serves nothing; scaling to zero is what minCount 0 is for.
  const least = autoscale ? 0 : 1;
  if (count !== undefined && !isCount(count, least)) {
    const fix = autoscale ? '' : ' (for a pool that scales to zero, set minCount 0 and maxCount)';
    problems.push(error('count', `${quote(count)} is not a whole number between ${least} and ${MAX_POOL_NODES}${fix}`));
  } else if (count !== undefined && autoscale && isCount(minCount, 0) && isCount(maxCount, 1)) {
    if (count < minCount || count > maxCount) {
      problems.push(error('count', `${count} is outside minCount..maxCount (${minCount}..${maxCount})`));
    }
  }
  if (spec.provider === 'karpenter' && autoscale && minCount !== undefined && minCount !== 0) {
    problems.push(
      error(
        'minCount',
        'Karpenter launches nodes for pending pods only: use minCount 0 (or a fixed count), or an AKS agent pool for nodes that are always there',
      ),
    );
  }
  const initial = count ?? (autoscale ? (minCount ?? 0) : 1);
  return { autoscale, initial, max: autoscale ? (maxCount ?? 1) : initial };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function labelsAndTaints(spec: GpuNodePoolSpec, problems: Problem[]): string[] {
  const labels: unknown = spec.nodeLabels ?? {};
  const taints: unknown = spec.nodeTaints ?? [];
  if (!isRecord(labels)) problems.push(error('nodeLabels', 'must be a map of label keys to values'));
  if (!Array.isArray(taints)) problems.push(error('nodeTaints', 'must be a list of taints key=value:Effect'));
  for (const [key, value] of Object.entries(isRecord(labels) ? labels : {})) {
    const keyProblem = nodeLabelKeyProblem(key, RESERVED_SELECTOR_KEYS);
    if (keyProblem !== undefined) problems.push(error(`nodeLabels[${key}]`, keyProblem));
    const valueProblem = labelValueProblem(value);
    if (valueProblem !== undefined) problems.push(error(`nodeLabels[${key}]`, valueProblem));
  }
  const all = [GPU_POOL_TAINT];
  (Array.isArray(taints) ? (taints as unknown[]) : []).forEach((t, i) => {
    if (typeof t !== 'string' || parseTaint(t) === undefined) {
      problems.push(
        error(
          `nodeTaints[${i}]`,
          `${quote(t)} is not a taint key=value:Effect (Effect: NoSchedule, PreferNoSchedule or NoExecute)`,
        ),
      );
    } else if (!all.includes(t)) all.push(t);
  });
  return all;
}

function oneOf<T extends string>(
  key: string,
  value: string | undefined,
  allowed: readonly T[],
  problems: Problem[],
): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  problems.push(error(key, `${quote(value)} is not one of ${allowed.join(', ')}`));
  return undefined;
}

/** The checks every face runs on a GPU node pool before declaring it. */
export function checkGpuNodePool(spec: GpuNodePoolSpec, skus: SkuCatalog = defaultSkus): GpuNodePoolCheck {
  const problems: Problem[] = [];
  const aks = spec.provider === 'aks';
  if (spec.provider !== 'aks' && spec.provider !== 'karpenter') {
    return { problems: [error('provider', `${quote(spec.provider)} is not one of aks, karpenter`)] };
  }
  const candidates = skus.list().filter((s) => !aks || (s.cloud === 'azure' && s.gpuVendor === 'nvidia'));
  const wanted = typeof spec.vmSize === 'string' ? spec.vmSize.toLowerCase() : undefined;
  const sku = candidates.find((s) => s.name.toLowerCase() === wanted);
  if (sku === undefined) problems.push(skuProblem(spec, skus, candidates));
  if (aks && !(typeof spec.name === 'string' && AKS_POOL_NAME.test(spec.name))) {
    problems.push(
      error(
        'name',
        `${quote(spec.name)}${spec.nameNote ?? ''} must be 1-12 lower-case letters and digits, starting with a letter, as AKS requires`,
      ),
    );
  } else if (!aks) {
    const named = dnsLabelProblem(spec.name, 'name');
    if (named !== undefined) problems.push(named);
  }
  if (aks && (typeof spec.clusterName !== 'string' || spec.clusterName === '')) {
    problems.push(error('clusterName', 'required: the name of the AKS cluster (ManagedCluster) that owns the pool'));
  }
  const range = counts(spec, problems);
  const nodeTaints = labelsAndTaints(spec, problems);
  const osSKU = oneOf('osSKU', spec.osSKU, OS_SKUS, problems);
  const gpuDriver = oneOf('gpuDriver', spec.gpuDriver, GPU_DRIVERS, problems);
  const mig = oneOf('gpuInstanceProfile', spec.gpuInstanceProfile, GPU_INSTANCE_PROFILES, problems);
  if (mig !== undefined && sku !== undefined && !/A100|H100|H200/.test(sku.gpuModel)) {
    problems.push(error('gpuInstanceProfile', `${sku.name} has ${sku.gpuModel} GPUs, which do not support MIG`));
  }
  if (aks && spec.hasNodeClass === true) problems.push(error('nodeClass', 'applies to Karpenter node pools only'));
  if (spec.namespace !== undefined) {
    const bad = aks
      ? dnsLabelProblem(spec.namespace, 'namespace')
      : error('namespace', 'applies to AKS agent pools only (a Karpenter NodePool is cluster-scoped)');
    if (bad !== undefined) problems.push(bad);
  }
  if (!aks) {
    for (const key of ['osSKU', 'gpuDriver', 'gpuInstanceProfile', 'clusterName'] as const) {
      if (spec[key] !== undefined) {
        const where = key === 'clusterName' ? '' : '; for Karpenter set it on the node class';
        problems.push(error(key, `applies to AKS agent pools only${where}`));
      }
    }
  }
  if (problems.length > 0 || sku === undefined) return { ...(sku ? { sku } : {}), problems };
  const nodeLabels = { ...(spec.nodeLabels ?? {}) };
  const poolLabel = aks ? AKS_AGENT_POOL_LABEL : KARPENTER_NODE_POOL_LABEL;
  const pool: ResolvedGpuNodePool = {
    provider: spec.provider,
    name: spec.name,
    sku,
    count: range.initial,
    autoscale: range.autoscale,
    ...(range.autoscale ? { minCount: spec.minCount } : {}),
    maxNodes: range.max,
    nodeLabels,
    matchLabels: { ...nodeLabels, [poolLabel]: spec.name },
    nodeTaints,
    ...(osSKU === undefined ? {} : { osSKU }),
    ...(gpuDriver === undefined ? {} : { gpuDriver }),
    ...(mig === undefined ? {} : { gpuInstanceProfile: mig }),
  };
  return { pool, sku, problems };
}
