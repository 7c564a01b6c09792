import type { ConfigMap } from 'kubernetes-types/core/v1';
import type { TuningMethod, Workspace } from '../api/types';
import type { WorkspacePlan } from '../plan';
import { asKubeObject, childMetadata, renderContext, type RenderContext } from './labels';
import type { KubeObject, RenderOptions } from './options';

/*
 * The ConfigMaps a workspace gets when it names none: the runtime's inference config and the
 * fine-tuning config, with the values of Kaito's chart templates (inference-params-template,
 * lora-params-template, qlora-params-template).
 */

/** Key of the inference config in its ConfigMap. */
export const INFERENCE_CONFIG_KEY = 'inference_config.yaml';
/** Key of the training config in its ConfigMap. */
export const TRAINING_CONFIG_KEY = 'training_config.yaml';
/** Where config ConfigMaps are mounted. */
export const CONFIG_MOUNT_PATH = '/mnt/config';
/** Where tuning results are written (the templates' `output_dir`). */
export const RESULTS_PATH = '/mnt/results';

/** Name of the generated inference ConfigMap. */
export const inferenceConfigName = (ws: Workspace): string => `${ws.metadata.name}-inference-config`;
/** Name of the generated training ConfigMap. */
export const trainingConfigName = (ws: Workspace): string => `${ws.metadata.name}-training-config`;

/** The ConfigMap the inference pods mount: the user's, or the generated one. */
export function inferenceConfigMapName(ws: Workspace): string {
  return ws.inference?.config || inferenceConfigName(ws);
}

/** The ConfigMap the tuning pod mounts: the user's, or the generated one. */
export function trainingConfigMapName(ws: Workspace): string {
  return ws.tuning?.config || trainingConfigName(ws);
}

/**
 * `inference_config.yaml` with Kaito's template values, plus `max-model-len` from the plan where the
 * planner sized it (vLLM only); the commented lines list the vLLM flags users most often set.
 */
export function inferenceConfigYaml(plan: WorkspacePlan): string {
  const maxModelLen =
    plan.runtime === 'vllm' && plan.maxModelLen !== undefined
      ? `  max-model-len: ${plan.maxModelLen}\n`
      : '  # max-model-len: 2048\n';
  return (
    '# CPU memory share for the KV cache offload of vLLM (0 disables the offload).\n' +
    'kv_cache_cpu_memory_utilization: 0.5\n' +
    '\n' +
    '# vLLM engine arguments (https://docs.vllm.ai/en/stable/cli/serve/), without the leading dashes.\n' +
    'vllm:\n' +
    '  cpu-offload-gb: 0\n' +
    maxModelLen +
    '  # gpu-memory-utilization: 0.9\n' +
    '  # enable-chunked-prefill: false\n'
  );
}

/**
 * `training_config.yaml` for LoRA or QLoRA with the defaults of Kaito's templates. GPUs without
 * bfloat16 (the plan's dtype is float16) get float16 for the weights and the 4-bit compute dtype.
 */
export function trainingConfigYaml(method: TuningMethod, dtype: WorkspacePlan['dtype']): string {
  const torchDtype = dtype === 'float16' ? 'float16' : 'bfloat16';
  const quantization =
    method === 'qlora'
      ? '    load_in_4bit: true\n' +
        '    bnb_4bit_quant_type: "nf4"\n' +
        `    bnb_4bit_compute_dtype: "${torchDtype}"\n` +
        '    bnb_4bit_use_double_quant: true\n'
      : '    load_in_4bit: false\n';
  return (
    'training_config:\n' +
    '  ModelConfig: # arguments of AutoModelForCausalLM.from_pretrained\n' +
    `    torch_dtype: "${torchDtype}"\n` +
    '    local_files_only: true\n' +
    '    device_map: "auto"\n' +
    '\n' +
    '  QuantizationConfig: # arguments of transformers.BitsAndBytesConfig\n' +
    quantization +
    '\n' +
    '  LoraConfig: # arguments of peft.LoraConfig\n' +
    '    r: 8\n' +
    '    lora_alpha: 8\n' +
    '    lora_dropout: 0.0\n' +
    '\n' +
    '  TrainingArguments: # arguments of transformers.TrainingArguments\n' +
    `    output_dir: "${RESULTS_PATH}"\n` +
    '    ddp_find_unused_parameters: false\n' +
    '    save_strategy: "no"\n' +
    '    per_device_train_batch_size: 1\n' +
    '\n' +
    '  DataCollator: # arguments of transformers.DataCollatorForLanguageModeling\n' +
    '    mlm: true\n' +
    '\n' +
    '  DatasetConfig:\n' +
    '    shuffle_dataset: true\n' +
    '    train_test_split: 1 # train on all of the data\n'
  );
}

function configMap(ctx: RenderContext, name: string, key: string, text: string): KubeObject {
  const cm: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMetadata(ctx, name),
    data: { [key]: text },
  };
  return asKubeObject(cm);
}

/**
 * The ConfigMaps generated for a workspace: `<ws>-inference-config` for a preset inference workspace
 * without `inference.config`, `<ws>-training-config` for a tuning workspace without `tuning.config`.
 */
export function renderConfigMaps(ws: Workspace, plan: WorkspacePlan, options: RenderOptions = {}): KubeObject[] {
  const ctx = renderContext(ws, plan, options);
  if (ws.tuning !== undefined) {
    if (ws.tuning.config) return [];
    const method = plan.tuningMethod ?? ws.tuning.method ?? 'lora';
    return [configMap(ctx, trainingConfigName(ws), TRAINING_CONFIG_KEY, trainingConfigYaml(method, plan.dtype))];
  }
  if (ws.inference?.preset === undefined || ws.inference.config) return [];
  return [configMap(ctx, inferenceConfigName(ws), INFERENCE_CONFIG_KEY, inferenceConfigYaml(plan))];
}
