/** The inference runtimes a Workspace can ask for with the `kaito.sh/runtime` annotation. */
export type RuntimeName = 'vllm' | 'transformers';

/** Where a preset comes from. */
export type PresetSource =
  /** Kaito's curated catalog (HEAD `model_catalog.yaml`). */
  | 'catalog'
  /** Presets that left Kaito's catalog but that users still write (falcon, phi-2). */
  | 'classic'
  /** Llama-2 era presets whose image the user builds (`accessMode: private`). */
  | 'private'
  /** Registered by the user at run time. */
  | 'custom';

/**
 * The numbers that size the KV cache of one token, from the model's `config.json`.
 * Standard attention: `2 (K and V) x layers x kvHeads x headDim x bytesPerElement`.
 * Multi-head latent attention (DeepSeek V3 style, `kvLoraRank` set): one compressed latent per layer,
 * `layers x (kvLoraRank + qkRopeHeadDim) x bytesPerElement`.
 */
export interface KvCacheShape {
  /** `num_hidden_layers`. */
  readonly layers: number;
  /** `num_key_value_heads` (equals `num_attention_heads` without grouped-query attention). */
  readonly kvHeads: number;
  /** `head_dim`, or `hidden_size / num_attention_heads` where the config has none. */
  readonly headDim: number;
  /**
   * Bytes per cached element.
   * @default 2
   */
  readonly bytesPerElement?: number;
  /** MLA latent rank (`kv_lora_rank`); when set, the MLA formula applies. */
  readonly kvLoraRank?: number;
  /** MLA rotary part of the key (`qk_rope_head_dim`). */
  readonly qkRopeHeadDim?: number;
}

/** What a model needs to be fine-tuned (Kaito's `TransformerTuningParameters`). */
export interface TuningSupport {
  /** Disk the tuning node needs, GiB. */
  readonly diskGiB: number;
  /** Kaito's declared tuning memory for full-precision LoRA, GiB (a ceiling, not the planner's estimate). */
  readonly memoryGiB: number;
  /** Comma-separated LoRA target modules passed as `DEFAULT_TARGET_MODULES`, where the model needs them. */
  readonly targetModules?: string;
}

/** Extra vLLM flags the preset generator maps for some models. */
export interface VllmPresetOptions {
  readonly toolCallParser?: string;
  readonly reasoningParser?: string;
  readonly chatTemplate?: string;
  readonly tokenizerMode?: string;
  readonly loadFormat?: string;
  readonly configFormat?: string;
  /** `--kv-cache-dtype`, where the architecture needs one (DeepSeek V4 asserts fp8) or its recipe says so. */
  readonly kvCacheDtype?: 'fp8';
  /** `--gdn-prefill-backend` of Gated DeltaNet models (`triton`: FlashInfer's JIT needs nvcc). */
  readonly gdnPrefillBackend?: string;
  /**
   * `--enable-expert-parallel`.
   * @default false
   */
  readonly expertParallel?: boolean;
  /**
   * `false` passes `--kernel-config.enable_flashinfer_autotune=False`.
   * @default true
   */
  readonly flashInferAutotune?: boolean;
}

/** One model preset: everything the planner and the renderers need to know about a model. */
export interface ModelPreset {
  /** Canonical short name, lower case (what `inference.preset.name` usually says). */
  readonly name: string;
  /** Hugging Face model ID (`org/model`), where the model has one. */
  readonly huggingFaceId?: string;
  /** Pinned Hugging Face revision (commit), where Kaito pins one. */
  readonly revision?: string;
  /** Other names that select this preset (Kaito's legacy short aliases), lower case. */
  readonly aliases: readonly string[];
  readonly source: PresetSource;
  /** Size of the weights on disk and in GPU memory before expansion, GiB (Kaito's `modelFileSize`). */
  readonly weightsGiB: number;
  /** Disk the serving node needs, GiB (weights + 80 GiB system for catalog models). */
  readonly diskGiB: number;
  /** Longest context the model accepts (`modelTokenLimit`). */
  readonly maxContextTokens: number;
  /** First entry of `architectures` in the model's config. */
  readonly architecture: string;
  /** Quantization method of the published weights, if any (`fp8`, `awq`, ...). */
  readonly quantization?: string;
  readonly kvCache: KvCacheShape;
  /** Weights dtype the runtime loads: `auto` for quantized models. */
  readonly dtype: 'bfloat16' | 'float16' | 'float32' | 'auto';
  readonly defaultRuntime: RuntimeName;
  /** Whether `kaito.sh/runtime: transformers` is accepted. */
  readonly transformersAllowed: boolean;
  /** Whether vLLM may load LoRA adapters for this model (Kaito's `DisallowLoRA` is the inverse). */
  readonly vllmLoraAllowed: boolean;
  /** Whether the model may be split across several nodes (vLLM + Ray). */
  readonly distributedAllowed: boolean;
  /** Present when the model can be fine-tuned. */
  readonly tuning?: TuningSupport;
  /** The model's license gate needs a Hugging Face token (`modelAccessSecret`). */
  readonly gated: boolean;
  /** Kaito rejects it ("Model X is deprecated and no longer supported"). */
  readonly deprecated?: boolean;
  /** The weights are downloaded from Hugging Face by the runtime (otherwise pulled from an OCI artifact). */
  readonly downloadAtRuntime: boolean;
  /** Smallest GPU count Kaito's classic presets declared (`GPUCountRequirement`). */
  readonly minGpuCount?: number;
  /** The architecture needs a CUDA toolkit inside the pod (DeepGEMM, FlashInfer). */
  readonly requiresCudaToolkit?: boolean;
  readonly vllm?: VllmPresetOptions;
}

/** Cloud whose SKU table an instance type belongs to. */
export type Cloud = 'azure' | 'aws' | 'arc';

/** One GPU instance type. */
export interface GpuSku {
  /** Instance type as the cloud spells it (`Standard_NC24ads_A100_v4`, `p5.48xlarge`). */
  readonly name: string;
  readonly cloud: Cloud;
  /** GPUs per node. */
  readonly gpuCount: number;
  /** Memory of one GPU, GiB. */
  readonly gpuMemoryPerGpuGiB: number;
  /** Memory of all GPUs of the node, GiB. */
  readonly totalGpuMemoryGiB: number;
  /** Marketing name of the GPU (`NVIDIA A100`). */
  readonly gpuModel: string;
  readonly gpuVendor: 'nvidia' | 'amd' | 'aws';
  /** CUDA compute capability (`8.0`), absent for non-NVIDIA accelerators. */
  readonly computeCapability?: string;
  /** The node has local NVMe disks for weights. */
  readonly nvme: boolean;
  /** Dropped from Kaito's current table but still in use (V100, T4, M60 era). */
  readonly legacy: boolean;
}
