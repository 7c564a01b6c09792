import type { ModelPreset } from './types';

/*
 * Architectures vLLM and Kaito's runtime treat specially, as data (Kaito v0.12.0, pkg/model/interface.go).
 */

/**
 * Architectures that need vLLM's hybrid KV-cache manager (Mamba, Gated DeltaNet, sliding-window or sparse
 * attention layers beside full attention), which the LMCache KV-cache CPU offload cannot work with.
 */
export const HYBRID_KV_ARCHITECTURES: readonly string[] = [
  'NemotronHForCausalLM',
  'NemotronH_Nano_VL_V2',
  'NemotronHMTPModel',
  'NemotronHPuzzleForCausalLM',
  'Gemma4ForCausalLM',
  'Gemma4ForConditionalGeneration',
  'Gemma4UnifiedForConditionalGeneration',
  'Qwen3_5ForConditionalGeneration',
  'Qwen3_5MoeForConditionalGeneration',
  'DeepseekV4ForCausalLM',
  'DeepseekV32ForCausalLM',
];

/** Architectures for which LMCache crashes vLLM when a request is aborted (LMCache issue 3688). */
export const LMCACHE_BROKEN_ARCHITECTURES: readonly string[] = ['GptOssForCausalLM'];

/** Architectures whose FP8 GEMMs need DeepGEMM, which JIT-compiles with nvcc (so the pod needs a CUDA toolkit). */
export const DEEP_GEMM_ARCHITECTURES: readonly string[] = [
  'DeepseekV4ForCausalLM',
  'DeepseekV32ForCausalLM',
  'GlmMoeDsaForCausalLM',
];

/** Whether the runtime may offload the KV cache to CPU memory for this model. */
export function kvCacheOffloadAllowed(preset: Pick<ModelPreset, 'architecture'>): boolean {
  return ![...HYBRID_KV_ARCHITECTURES, ...LMCACHE_BROKEN_ARCHITECTURES].includes(preset.architecture);
}

/** Whether vLLM must use DeepGEMM for this model (`VLLM_USE_DEEP_GEMM=1`). */
export function requiresDeepGemm(preset: Pick<ModelPreset, 'architecture'>): boolean {
  return DEEP_GEMM_ARCHITECTURES.includes(preset.architecture);
}
