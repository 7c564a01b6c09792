import { kvBytesPerToken, type GpuSku, type ModelPreset } from '../catalog';

/*
 * Sizing formulas. Inference follows Kaito's node estimator (v0.12.0) so that our plans agree with
 * Kaito's; tuning is our own estimate, documented below.
 */

export const GIB = 2 ** 30;

/** Fraction of GPU memory vLLM is told to use (Kaito: 0.84, 0.82 on A10). */
export function gpuMemoryUtilization(sku: Pick<GpuSku, 'gpuModel'>): number {
  return sku.gpuModel === 'NVIDIA A10' ? 0.82 : 0.84;
}

/** Context length Kaito sizes for when the user sets none. */
export const DEFAULT_SIZING_CONTEXT = 2048;
/** Per-GPU memory outside weights and KV cache (CUDA context, activations), GiB. */
export const PER_GPU_OVERHEAD_GIB = 2.3;
/** Weights grow on load (buffers, embeddings kept in higher precision). */
export const WEIGHTS_EXPANSION = 1.02;
/** Headroom on the weights share of memory. */
export const WEIGHTS_HEADROOM = 1.05;

export interface InferenceSizing {
  /** GPUs the model needs in all. */
  readonly minGpus: number;
  /** Nodes of this SKU those GPUs take. */
  readonly nodes: number;
  /** GPU memory the model needs across the GPUs it uses, GiB (before the utilization cap). */
  readonly requiredGiB: number;
}

/**
 * Kaito's NodeEstimator for vLLM:
 *   availPerGPU = perGPU x util; fixed = 2.3 GiB + ctx x kvBytesPerToken / GPUsPerNode;
 *   availForWeights = (availPerGPU - fixed) / 1.05; minGPUs = floor(size x 1.02 / availForWeights) + 1;
 *   nodes = ceil(minGPUs / GPUsPerNode).
 */
export function sizeInference(preset: ModelPreset, sku: GpuSku, context = DEFAULT_SIZING_CONTEXT): InferenceSizing {
  const util = gpuMemoryUtilization(sku);
  const kvGiB = (context * kvBytesPerToken(preset)) / GIB;
  const fixed = PER_GPU_OVERHEAD_GIB + kvGiB / sku.gpuCount;
  const availForWeights = (sku.gpuMemoryPerGpuGiB * util - fixed) / WEIGHTS_HEADROOM;
  const weights = preset.weightsGiB * WEIGHTS_EXPANSION;
  const minGpus = availForWeights <= 0 ? Number.POSITIVE_INFINITY : Math.floor(weights / availForWeights) + 1;
  const nodes = Math.ceil(minGpus / sku.gpuCount);
  const gpusUsed = Number.isFinite(minGpus) ? minGpus : sku.gpuCount;
  const requiredGiB = (weights * WEIGHTS_HEADROOM + gpusUsed * PER_GPU_OVERHEAD_GIB + kvGiB) / util;
  return { minGpus, nodes, requiredGiB };
}

/** GPU memory one node of `sku` offers the model on vLLM, GiB (the same terms as `requiredGiB`). */
export function inferenceCapacityGiB(sku: GpuSku, nodes: number): number {
  return sku.totalGpuMemoryGiB * nodes;
}

/**
 * Longest context that fits the KV budget left after weights and overhead, capped at the model's
 * limit and rounded down to a multiple of 256. Kaito passes `--max-model-len=auto` and lets vLLM pick,
 * which users found over-optimistic (Kaito issue #2132); we compute it from the same budget.
 */
export function maxModelLength(preset: ModelPreset, sku: GpuSku, nodes: number): number {
  const gpus = sku.gpuCount * nodes;
  const util = gpuMemoryUtilization(sku);
  const weightsPerGpu = (preset.weightsGiB * WEIGHTS_EXPANSION * WEIGHTS_HEADROOM) / gpus;
  const kvBudgetGiB = (sku.gpuMemoryPerGpuGiB * util - PER_GPU_OVERHEAD_GIB - weightsPerGpu) * gpus;
  const tokens = Math.floor((kvBudgetGiB * GIB) / kvBytesPerToken(preset));
  const rounded = Math.floor(tokens / 256) * 256;
  return Math.max(0, Math.min(preset.maxContextTokens, rounded));
}

/** Bits per weight QLoRA loads (NF4). */
export const QLORA_BITS = 4;
/** QLoRA keeps embeddings, norms and the head in 16 bits and stores quantization constants: +10%. */
export const QLORA_OVERHEAD = 1.1;
/** LoRA (r=8) trains about 0.5% of the parameters; each costs 16 bytes (fp32 weight, grad, two Adam moments). */
export const LORA_STATE_FRACTION = 0.04;
/** Activations of one 2048-token sequence at batch size 1 (Kaito's training defaults), GiB. */
export const TUNING_ACTIVATIONS_GIB = 2;
/** CUDA context and allocator slack, GiB. */
export const CUDA_CONTEXT_GIB = 1;
/** Fraction of a node's GPU memory tuning may plan to use. */
export const TUNING_UTILIZATION = 0.95;

/**
 * GPU memory a LoRA or QLoRA run needs, GiB:
 *   loaded weights (16-bit: size; QLoRA: size x 4/16 x 1.1) + LoRA states (4% of size)
 *   + 2 GiB activations + 1 GiB CUDA context.
 * Kaito's `device_map: auto` spreads the layers over the node's GPUs, so the node's total memory counts.
 */
export function tuningMemoryGiB(preset: ModelPreset, method: 'lora' | 'qlora'): number {
  const loaded = method === 'qlora' ? preset.weightsGiB * (QLORA_BITS / 16) * QLORA_OVERHEAD : preset.weightsGiB;
  return loaded + preset.weightsGiB * LORA_STATE_FRACTION + TUNING_ACTIVATIONS_GIB + CUDA_CONTEXT_GIB;
}
