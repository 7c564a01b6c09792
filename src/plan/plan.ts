import { resolvePreset, runtimeOf, type CatalogOptions, type ResolvedPreset } from '../api/rules';
import { ANNOTATION_BYPASS_RESOURCE_CHECKS, migSliceGiB, type TuningMethod, type Workspace } from '../api/types';
import {
  defaultPresets,
  defaultSkus,
  type GpuSku,
  type ModelPreset,
  type RuntimeName,
  type SkuCatalog,
} from '../catalog';
import {
  gpuMemoryUtilization,
  maxModelLength,
  sizeInference,
  tuningMemoryGiB,
  TUNING_UTILIZATION,
  PER_GPU_OVERHEAD_GIB,
  WEIGHTS_EXPANSION,
} from './estimate';
import { FitError } from './fit-error';

/** GPUs of bring-your-own nodes, as GPU Feature Discovery labels describe them. */
export interface ObservedGpuNode {
  /** The nodes' instance type, when known (a node pool's): named in fit errors. @default - none */
  readonly instanceType?: string;
  readonly gpuCount: number;
  readonly gpuMemoryPerGpuGiB: number;
  /** @default 'unknown GPU' */
  readonly gpuModel?: string;
  /** @default - unknown, treated as bf16-capable */
  readonly computeCapability?: string;
}

export interface PlanOptions extends CatalogOptions {
  /** The GPUs of the nodes a bring-your-own workspace selects, once known. */
  readonly observedNode?: ObservedGpuNode;
}

/** How a workspace lands on GPUs. */
export interface WorkspacePlan {
  /** `inference`, `tuning`, or `template` for an inference pod template. */
  readonly kind: 'inference' | 'tuning' | 'template';
  /** Canonical preset name, or the Hugging Face ID of a model outside the catalog. */
  readonly preset?: string;
  /** Hugging Face repository the runtime loads. */
  readonly huggingFaceId?: string;
  /** Instance type provisioned; absent for bring-your-own nodes. */
  readonly instanceType?: string;
  readonly runtime: RuntimeName;
  readonly tuningMethod?: TuningMethod;
  readonly nodeCount: number;
  /** Where the node count comes from. */
  readonly nodeCountSource: 'explicit' | 'estimated' | 'default';
  readonly gpusPerNode: number;
  readonly gpuMemoryPerGpuGiB: number;
  readonly gpuModel: string;
  /** GPU memory the workload needs, GiB (0 when the model size is unknown). */
  readonly requiredGpuMemoryGiB: number;
  /** GPU memory of all planned nodes, GiB. */
  readonly availableGpuMemoryGiB: number;
  readonly tensorParallelSize: number;
  readonly pipelineParallelSize: number;
  /** vLLM data-parallel replicas inside a node (small model on a multi-GPU node). */
  readonly dataParallelSize: number;
  /** Weights dtype: float16 on GPUs without bf16 (compute capability < 8.0). */
  readonly dtype: 'bfloat16' | 'float16' | 'float32' | 'auto';
  /** vLLM `--max-model-len`; absent when unknown (vLLM decides). */
  readonly maxModelLen?: number;
  readonly gpuMemoryUtilization: number;
  /** OS disk / weights volume per node, GiB. */
  readonly diskGiB: number;
  /** Whether the memory fit was checked (false for unknown models, SKUs or nodes). */
  readonly fitChecked: boolean;
  readonly notes: readonly string[];
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
/** Disk requested when nothing is known about the model (Kaito's fallback). */
const UNKNOWN_DISK_GIB = 1024;

function hasBf16(sku: { computeCapability?: string; gpuVendor?: string }): boolean {
  if (sku.computeCapability === undefined) return true;
  return Number(sku.computeCapability) >= 8;
}

/** Up to three current NVIDIA instance types of the cloud on which one node `fits`, smallest first. */
export function suggestSkus(fits: (sku: GpuSku) => boolean, skus: SkuCatalog, cloud = 'azure'): string[] {
  return skus
    .list()
    .filter((s) => !s.legacy && s.cloud === cloud && s.gpuVendor === 'nvidia' && fits(s))
    .sort(
      (a, b) => a.totalGpuMemoryGiB - b.totalGpuMemoryGiB || a.gpuCount - b.gpuCount || a.name.localeCompare(b.name),
    )
    .slice(0, 3)
    .map((s) => s.name);
}

/** Whether one node of an instance type holds the model, per runtime and tuning method (the suggestions' test). */
export const FITS_ONE_NODE: Readonly<
  Record<RuntimeName | TuningMethod, (preset: ModelPreset, sku: GpuSku) => boolean>
> = {
  vllm: (preset, sku) => sizeInference(preset, sku).nodes === 1,
  transformers: (preset, sku) =>
    preset.weightsGiB * WEIGHTS_EXPANSION + PER_GPU_OVERHEAD_GIB * sku.gpuCount <= sku.totalGpuMemoryGiB,
  lora: (preset, sku) => sku.totalGpuMemoryGiB * TUNING_UTILIZATION >= tuningMemoryGiB(preset, 'lora'),
  qlora: (preset, sku) => sku.totalGpuMemoryGiB * TUNING_UTILIZATION >= tuningMemoryGiB(preset, 'qlora'),
};

function skuFor(ws: Workspace, skus: SkuCatalog, options: PlanOptions): { sku: GpuSku; known: boolean } {
  const instanceType = ws.resource.instanceType;
  const known = instanceType ? skus.find(instanceType) : undefined;
  if (known) return { sku: known, known: true };
  const node = options.observedNode;
  const partition = ws.resource.partition;
  const slice = partition?.mode === 'mig' ? migSliceGiB(partition.profile ?? '') : undefined;
  // A MIG workload gets one slice; an accelerator partition gets `count` whole GPUs of the node (as Kaito sizes them).
  const gpuCount =
    slice !== undefined ? 1 : partition?.mode === 'accelerator' ? (partition.count ?? 1) : (node?.gpuCount ?? 1);
  const perGpu = slice ?? node?.gpuMemoryPerGpuGiB ?? 0;
  return {
    sku: {
      name: instanceType ?? node?.instanceType ?? '',
      cloud: 'azure',
      gpuCount,
      gpuMemoryPerGpuGiB: perGpu,
      totalGpuMemoryGiB: gpuCount * perGpu,
      gpuModel: node?.gpuModel ?? 'unknown GPU',
      gpuVendor: 'nvidia',
      ...(node?.computeCapability === undefined ? {} : { computeCapability: node.computeCapability }),
      nvme: false,
      legacy: false,
    },
    known: node !== undefined,
  };
}

/** The fields every plan shares: what the model is, where it runs, on which GPUs, in which dtype. */
type PlanBase = Pick<
  WorkspacePlan,
  | 'preset'
  | 'huggingFaceId'
  | 'instanceType'
  | 'runtime'
  | 'gpusPerNode'
  | 'gpuMemoryPerGpuGiB'
  | 'gpuModel'
  | 'dtype'
  | 'gpuMemoryUtilization'
>;

/** What sizing a plan and explaining a misfit need, whichever kind of workload it is. */
interface Sizing {
  readonly sku: GpuSku;
  readonly skus: SkuCatalog;
  /** Whether the memory fit is checked (a catalog model on known GPUs, no bypass annotation). */
  readonly checkFit: boolean;
  /** `resource.count`, when given. */
  readonly explicitCount: number | undefined;
  /** The nodes as fit errors name them: the instance type, else each selected node (bring-your-own). */
  readonly nodeName: string;
  /** The field fit errors point at. */
  readonly nodePath: string;
}

/** The weights' dtype on the GPUs: bfloat16 falls back to float16 on GPUs without it, unknown models get `auto`. */
function dtypeOn(preset: ModelPreset | undefined, sku: GpuSku): WorkspacePlan['dtype'] {
  return preset === undefined ? 'auto' : preset.dtype === 'bfloat16' && !hasBf16(sku) ? 'float16' : preset.dtype;
}

/** The fields of the plan that do not depend on the kind of workload: model, instance type, runtime, GPUs. */
function planBase(
  ws: Workspace,
  preset: ModelPreset | undefined,
  resolved: ResolvedPreset | undefined,
  runtime: RuntimeName,
  sku: GpuSku,
  dtype: WorkspacePlan['dtype'],
): PlanBase {
  return {
    ...(preset ? { preset: preset.name } : resolved?.kind === 'huggingface' ? { preset: resolved.id } : {}),
    ...(preset?.huggingFaceId
      ? { huggingFaceId: preset.huggingFaceId }
      : resolved?.kind === 'huggingface'
        ? { huggingFaceId: resolved.id }
        : {}),
    ...(ws.resource.instanceType ? { instanceType: ws.resource.instanceType } : {}),
    runtime,
    gpusPerNode: sku.gpuCount,
    gpuMemoryPerGpuGiB: sku.gpuMemoryPerGpuGiB,
    gpuModel: sku.gpuModel,
    dtype,
    gpuMemoryUtilization: gpuMemoryUtilization(sku),
  };
}

/** A tuning workspace: one node, transformers + peft, and the method's memory checked against it. */
function planTuning(
  method: TuningMethod,
  preset: ModelPreset | undefined,
  base: PlanBase,
  sizing: Sizing,
  notes: string[],
): WorkspacePlan {
  const { sku, skus, checkFit, explicitCount, nodeName, nodePath } = sizing;
  const required = preset ? tuningMemoryGiB(preset, method) : 0;
  const available = sku.totalGpuMemoryGiB;
  if (checkFit && required > available * TUNING_UTILIZATION) {
    const fits = suggestSkus((s) => FITS_ONE_NODE[method](preset!, s), skus);
    throw new FitError(
      `${method} tuning of ${preset!.name} needs ${round2(required)} GiB of GPU memory; ${nodeName} has ` +
        `${round2(available)} GiB (${sku.gpuCount} x ${sku.gpuMemoryPerGpuGiB} GiB ${sku.gpuModel}).` +
        (method === 'lora' ? ' QLoRA needs less.' : '') +
        (fits.length ? ` Instance types that fit: ${fits.join(', ')}` : ''),
      nodePath,
      round2(required),
      round2(available),
      fits,
    );
  }
  return {
    kind: 'tuning',
    ...base,
    // Fine-tuning runs on transformers + peft, whatever the annotation says.
    runtime: 'transformers',
    tuningMethod: method,
    nodeCount: 1,
    nodeCountSource: explicitCount === undefined ? 'default' : 'explicit',
    requiredGpuMemoryGiB: round2(required),
    availableGpuMemoryGiB: round2(available),
    tensorParallelSize: 1,
    pipelineParallelSize: 1,
    dataParallelSize: sku.gpuCount,
    diskGiB: preset?.tuning?.diskGiB ?? preset?.diskGiB ?? UNKNOWN_DISK_GIB,
    fitChecked: checkFit,
    notes,
  };
}

/** A model outside the catalog (or a pod template): its size is unknown, so nothing is checked or estimated. */
function planUnsized(
  ws: Workspace,
  resolved: ResolvedPreset | undefined,
  base: PlanBase,
  sizing: Sizing,
  notes: string[],
): WorkspacePlan {
  const { sku, explicitCount } = sizing;
  if (resolved?.kind === 'huggingface') {
    notes.push(
      `${resolved.id} is not in the catalog: served best-effort by vLLM without a memory check; register it with registerPreset() to size it`,
    );
  }
  const nodeCount = explicitCount ?? 1;
  return {
    kind: ws.inference?.template ? 'template' : 'inference',
    ...base,
    nodeCount,
    nodeCountSource: explicitCount === undefined ? 'default' : 'explicit',
    requiredGpuMemoryGiB: 0,
    availableGpuMemoryGiB: round2(sku.totalGpuMemoryGiB * nodeCount),
    tensorParallelSize: sku.gpuCount,
    pipelineParallelSize: nodeCount,
    dataParallelSize: 1,
    diskGiB: UNKNOWN_DISK_GIB,
    fitChecked: false,
    notes,
  };
}

/** Nodes and GPU memory of a catalog model on the transformers runtime, which loads it on one node. */
function sizeTransformers(preset: ModelPreset, sizing: Sizing): { nodeCount: number; required: number } {
  const { sku, skus, checkFit, explicitCount, nodeName, nodePath } = sizing;
  // Transformers loads the weights once, with no pre-allocated KV cache: weights x 1.02 + overhead per GPU.
  const nodeCount = explicitCount ?? 1;
  const required = preset.weightsGiB * WEIGHTS_EXPANSION + PER_GPU_OVERHEAD_GIB * sku.gpuCount;
  if (checkFit && required > sku.totalGpuMemoryGiB) {
    const fits = suggestSkus((s) => FITS_ONE_NODE.transformers(preset, s), skus);
    throw new FitError(
      `${preset.name} needs ${round2(required)} GiB of GPU memory on one node with the transformers runtime, which ` +
        `cannot span nodes; ${nodeName} has ${sku.totalGpuMemoryGiB} GiB.` +
        (fits.length ? ` Instance types that fit: ${fits.join(', ')}` : ''),
      nodePath,
      round2(required),
      sku.totalGpuMemoryGiB,
      fits,
    );
  }
  return { nodeCount, required };
}

/** Nodes and GPU memory of a catalog model on vLLM: estimated unless `count` is given, which must suffice. */
function sizeVllm(preset: ModelPreset, known: boolean, sizing: Sizing): { nodeCount: number; required: number } {
  const { sku, skus, checkFit, explicitCount, nodeName, nodePath } = sizing;
  const estimate = known ? sizeInference(preset, sku) : { nodes: 1, requiredGiB: 0, minGpus: 1 };
  const required = estimate.requiredGiB;
  const nodeCount = explicitCount ?? (checkFit ? estimate.nodes : 1);
  const tooMany = !preset.distributedAllowed && estimate.nodes > 1;
  if (checkFit && (estimate.nodes > nodeCount || tooMany || !Number.isFinite(estimate.nodes))) {
    const fits = suggestSkus((s) => FITS_ONE_NODE.vllm(preset, s), skus);
    const given = nodeCount * sku.totalGpuMemoryGiB;
    const why = !Number.isFinite(estimate.nodes)
      ? `${nodeName === sku.name ? `${sku.name} GPUs` : 'the GPUs of each selected node'} (${sku.gpuMemoryPerGpuGiB} GiB) are too small to hold any of the model next to its KV cache`
      : tooMany
        ? `${preset.name} cannot span nodes, and ${nodeName} has ${sku.totalGpuMemoryGiB} GiB`
        : `count ${nodeCount} gives ${given} GiB (${nodeCount} x ${sku.totalGpuMemoryGiB} GiB); it needs ${estimate.nodes} nodes`;
    throw new FitError(
      `${preset.name} needs ${round2(required)} GiB of GPU memory; ${why}.` +
        (fits.length ? ` Instance types that fit on one node: ${fits.join(', ')}` : ''),
      explicitCount !== undefined && !tooMany ? 'resource.count' : nodePath,
      round2(required),
      given,
      fits,
    );
  }
  return { nodeCount, required };
}

/** Inference of a catalog model: sized per runtime, then its parallelism and context length. */
function planSized(
  preset: ModelPreset,
  runtime: RuntimeName,
  known: boolean,
  base: PlanBase,
  sizing: Sizing,
  notes: string[],
): WorkspacePlan {
  const { sku, checkFit, explicitCount } = sizing;
  const { nodeCount, required } =
    runtime === 'transformers' ? sizeTransformers(preset, sizing) : sizeVllm(preset, known, sizing);
  const smallModel = preset.weightsGiB * WEIGHTS_EXPANSION < sku.gpuMemoryPerGpuGiB / 2;
  const dataParallel = runtime === 'vllm' && nodeCount === 1 && sku.gpuCount > 1 && smallModel;
  const maxModelLen = runtime === 'transformers' ? 2048 : checkFit ? maxModelLength(preset, sku, nodeCount) : undefined;
  if (maxModelLen !== undefined && maxModelLen < preset.maxContextTokens && runtime === 'vllm') {
    notes.push(`context limited to ${maxModelLen} of ${preset.maxContextTokens} tokens by the KV cache budget`);
  }
  return {
    kind: 'inference',
    ...base,
    nodeCount,
    nodeCountSource: explicitCount === undefined ? (checkFit ? 'estimated' : 'default') : 'explicit',
    requiredGpuMemoryGiB: round2(required),
    availableGpuMemoryGiB: round2(sku.totalGpuMemoryGiB * nodeCount),
    tensorParallelSize: dataParallel ? 1 : sku.gpuCount,
    pipelineParallelSize: nodeCount,
    dataParallelSize: dataParallel ? sku.gpuCount : 1,
    ...(maxModelLen === undefined ? {} : { maxModelLen }),
    diskGiB: preset.diskGiB,
    fitChecked: checkFit,
    notes,
  };
}

/**
 * Plans a validated workspace: how many nodes of which GPUs, with which parallelism and dtype.
 * Throws {@link FitError} when the model does not fit (an explicit `count` is honoured, never ignored).
 */
export function planWorkspace(ws: Workspace, options: PlanOptions = {}): WorkspacePlan {
  const presets = options.presets ?? defaultPresets;
  const skus = options.skus ?? defaultSkus;
  const spec = ws.inference?.preset ?? ws.tuning?.preset;
  const resolved = spec ? resolvePreset(spec.name, presets) : undefined;
  const preset: ModelPreset | undefined = resolved?.kind === 'catalog' ? resolved.preset : undefined;
  const runtime = runtimeOf(ws, preset);
  const { sku, known } = skuFor(ws, skus, options);
  const bypass = ws.metadata.annotations?.[ANNOTATION_BYPASS_RESOURCE_CHECKS] !== undefined;
  const notes: string[] = [];
  if (!known) {
    notes.push(
      ws.resource.instanceType
        ? `instance type ${ws.resource.instanceType} is not in the catalog: GPU count and memory unknown, assuming 1 GPU per node`
        : 'bring-your-own nodes: GPU count and memory are read from the nodes; assuming 1 GPU per node until then',
    );
  }
  const dtype = dtypeOn(preset, sku);
  if (preset?.dtype === 'bfloat16' && dtype === 'float16') {
    notes.push(`${sku.gpuModel} has no bfloat16 (compute capability ${sku.computeCapability}): serving in float16`);
  }
  const base = planBase(ws, preset, resolved, runtime, sku, dtype);
  const sizing: Sizing = {
    sku,
    skus,
    checkFit: known && preset !== undefined && !bypass,
    explicitCount: ws.resource.count,
    // Bring-your-own nodes have no instance type: errors name the selected nodes and point at the selector.
    nodeName: sku.name !== '' ? sku.name : 'each selected node',
    nodePath: ws.resource.instanceType ? 'resource.instanceType' : 'resource.labelSelector',
  };
  if (ws.tuning !== undefined) return planTuning(ws.tuning.method ?? 'lora', preset, base, sizing, notes);
  if (preset === undefined) return planUnsized(ws, resolved, base, sizing, notes);
  return planSized(preset, runtime, known, base, sizing, notes);
}
