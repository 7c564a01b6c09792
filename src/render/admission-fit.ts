import {
  CUDA_CONTEXT_GIB,
  DEFAULT_SIZING_CONTEXT,
  GIB,
  LORA_STATE_FRACTION,
  PER_GPU_OVERHEAD_GIB,
  QLORA_BITS,
  QLORA_OVERHEAD,
  TUNING_ACTIVATIONS_GIB,
  TUNING_UTILIZATION,
  WEIGHTS_EXPANSION,
  WEIGHTS_HEADROOM,
} from '../plan/estimate';
import { at, dbl, fitsHint, printed, round2, v, type PolicyValidation, type PolicyVariable } from './admission-cel';

/*
 * The fit check of src/plan/plan.ts in CEL, for the admission policy: the planner's arithmetic term for term
 * and in the same order (IEEE doubles on both sides), so that the numbers and messages agree.
 */

/** The planner's numbers, read only when `variables.checkFit` holds (a known preset on a known instance type). */
export function fitVariables(): PolicyVariable[] {
  const sku = v('sku');
  const preset = v('preset');
  return [
    { name: 'gpus', expression: `double(${sku}.gpuCount)` },
    { name: 'total', expression: `double(${sku}.totalGpuMemoryGiB)` },
    { name: 'perGpu', expression: `double(${sku}.gpuMemoryPerGpuGiB)` },
    { name: 'util', expression: `double(${sku}.gpuMemoryUtilization)` },
    { name: 'weightsGiB', expression: `double(${preset}.weightsGiB)` },
    {
      name: 'kvGiB',
      expression: `${dbl(DEFAULT_SIZING_CONTEXT)} * double(${preset}.kvBytesPerToken) / ${dbl(GIB)}`,
    },
    {
      name: 'availForWeights',
      expression:
        `(${v('perGpu')} * ${v('util')} - (${dbl(PER_GPU_OVERHEAD_GIB)} + ${v('kvGiB')} / ${v('gpus')})) / ` +
        dbl(WEIGHTS_HEADROOM),
    },
    { name: 'weights', expression: `${v('weightsGiB')} * ${dbl(WEIGHTS_EXPANSION)}` },
    // -1: no number of GPUs holds the model (each is too small for its share of the KV cache). A quotient past
    // 2^53 cannot be a GPU count either (and would not fit an int).
    {
      name: 'minGpus',
      expression:
        `${v('availForWeights')} <= 0.0 || ${v('weights')} / ${v('availForWeights')} >= 9007199254740992.0 ? -1 : ` +
        `int(${v('weights')} / ${v('availForWeights')}) + 1`,
    },
    {
      name: 'nodes',
      expression: `${v('minGpus')} < 0 ? -1 : (${v('minGpus')} + int(${sku}.gpuCount) - 1) / int(${sku}.gpuCount)`,
    },
    {
      name: 'vllmRequired',
      expression:
        `(${v('weights')} * ${dbl(WEIGHTS_HEADROOM)} + (${v('minGpus')} < 0 ? ${v('gpus')} : double(${v('minGpus')})) * ` +
        `${dbl(PER_GPU_OVERHEAD_GIB)} + ${v('kvGiB')}) / ${v('util')}`,
    },
    { name: 'tooMany', expression: `!${preset}.distributedAllowed && (${v('nodes')} < 0 || ${v('nodes')} > 1)` },
    {
      name: 'transformersRequired',
      expression: `${v('weightsGiB')} * ${dbl(WEIGHTS_EXPANSION)} + ${dbl(PER_GPU_OVERHEAD_GIB)} * ${v('gpus')}`,
    },
    {
      name: 'tuningRequired',
      expression:
        `(object.tuning.method == 'qlora' ? ${v('weightsGiB')} * (${dbl(QLORA_BITS)} / 16.0) * ${dbl(QLORA_OVERHEAD)} : ` +
        `${v('weightsGiB')}) + ${v('weightsGiB')} * ${dbl(LORA_STATE_FRACTION)} + ${dbl(TUNING_ACTIVATIONS_GIB)} + ` +
        dbl(CUDA_CONTEXT_GIB),
    },
  ];
}

/** The planner's fit errors: tuning, then inference with transformers, then inference with vLLM. */
export function fitValidations(): PolicyValidation[] {
  const preset = v('preset');
  const sku = v('sku');
  const count = 'object.resource.count';
  const explicit = 'has(object.resource.count)';
  return [
    {
      expression: `!has(object.tuning) || !${v('checkFit')} || ${v('tuningRequired')} <= ${v('total')} * ${dbl(TUNING_UTILIZATION)}`,
      message: 'resource.instanceType: the tuning run does not fit in the GPU memory of one node',
      messageExpression: at(
        'resource.instanceType',
        `object.tuning.method + ' tuning of ' + ${preset}.name + ' needs ' + ${printed(round2(v('tuningRequired')))} + ` +
          `' GiB of GPU memory; ' + ${sku}.name + ' has ' + ${printed(round2(v('total')))} + ' GiB (' + ` +
          `string(int(${sku}.gpuCount)) + ' x ' + ${printed(v('perGpu'))} + ' GiB ' + ${sku}.gpuModel + ').' + ` +
          `(object.tuning.method == 'lora' ? ' QLoRA needs less.' : '') + ` +
          fitsHint(
            `(object.tuning.method == 'qlora' ? ${preset}.instanceTypesThatFit.qlora : ${preset}.instanceTypesThatFit.lora)`,
            'Instance types that fit',
          ),
      ),
    },
    {
      expression: `!has(object.inference) || !${v('checkFit')} || ${v('runtime')} != 'transformers' || ${v('transformersRequired')} <= ${v('total')}`,
      message:
        'resource.instanceType: the model does not fit in the GPU memory of one node with the transformers runtime',
      messageExpression: at(
        'resource.instanceType',
        `${preset}.name + ' needs ' + ${printed(round2(v('transformersRequired')))} + ` +
          `' GiB of GPU memory on one node with the transformers runtime, which cannot span nodes; ' + ${sku}.name + ` +
          `' has ' + ${printed(v('total'))} + ' GiB.' + ` +
          fitsHint(`${preset}.instanceTypesThatFit.transformers`, 'Instance types that fit'),
      ),
    },
    {
      expression:
        `!has(object.inference) || !${v('checkFit')} || ${v('runtime')} != 'vllm' || ` +
        `!(${v('nodes')} < 0 || (${explicit} && ${v('nodes')} > ${count}) || ${v('tooMany')})`,
      message: 'the model does not fit in the GPU memory of the nodes',
      messageExpression:
        `(${explicit} && !${v('tooMany')} ? 'resource.count: ' : 'resource.instanceType: ') + ` +
        `${preset}.name + ' needs ' + ${printed(round2(v('vllmRequired')))} + ' GiB of GPU memory; ' + ` +
        `(${v('nodes')} < 0 ? ${sku}.name + ' GPUs (' + ${printed(v('perGpu'))} + ` +
        `' GiB) are too small to hold any of the model next to its KV cache' : ` +
        `(${v('tooMany')} ? ${preset}.name + ' cannot span nodes, and ' + ${sku}.name + ' has ' + ${printed(v('total'))} + ' GiB' : ` +
        `'count ' + string(${count}) + ' gives ' + ${printed(`double(${count}) * ${v('total')}`)} + ' GiB (' + ` +
        `string(${count}) + ' x ' + ${printed(v('total'))} + ' GiB); it needs ' + string(${v('nodes')}) + ' nodes')) + '.' + ` +
        fitsHint(`${preset}.instanceTypesThatFit.vllm`, 'Instance types that fit on one node'),
    },
  ];
}
