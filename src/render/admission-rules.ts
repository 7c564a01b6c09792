import { MSG } from '../api/messages';
import { celString } from '../api/schema';
import { ANNOTATION_BYPASS_RESOURCE_CHECKS, ANNOTATION_NODE_IMAGE_FAMILY, ANNOTATION_RUNTIME } from '../api/types';
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

/*
 * The CEL of the Workspace admission policy: the create-time rules of src/api/rules.ts and the fit check of
 * src/plan/plan.ts that need the catalog or annotations (what the CRD's own CEL cannot read), with the
 * catalog as `params` (a KaitoCatalog). Each rule says what `kaito validate` says, as `path: message`;
 * the fit arithmetic is the planner's, term for term and in the same order, so the numbers agree.
 */

/** A policy variable: `variables.<name>` in later expressions. */
export interface PolicyVariable {
  readonly name: string;
  readonly expression: string;
}

/** One validation: `expression` must be true; otherwise the request is refused with `messageExpression`. */
export interface PolicyValidation {
  readonly expression: string;
  /** Shown when `messageExpression` cannot be (for instance a message over 5 KiB). */
  readonly message: string;
  readonly messageExpression: string;
}

/** A number as a CEL double literal. */
const dbl = (n: number): string => (Number.isInteger(n) ? `${n}.0` : String(n));
/** `text` as a CEL string literal. */
const lit = celString;
/** A CEL string expression JSON-quoted as JSON.stringify quotes it (backslash, quote and the usual controls). */
function quoted(expression: string): string {
  // CEL literals: each pair replaces the first with the second.
  const escapes: ReadonlyArray<readonly [string, string]> = [
    [String.raw`'\\'`, String.raw`'\\\\'`],
    [`'"'`, String.raw`'\\"'`],
    ...['n', 'r', 't', 'b', 'f'].map((c) => [`'\\${c}'`, `'\\\\${c}'`] as const),
  ];
  const body = escapes.reduce((e, [from, to]) => `${e}.replace(${from}, ${to})`, `(${expression})`);
  return `'"' + ${body} + '"'`;
}
/** A CEL double printed as JavaScript prints the number (whole numbers without a fraction). */
const printed = (e: string): string => `(double(int(${e})) == (${e}) ? string(int(${e})) : string(${e}))`;
/** Math.round(n * 100) / 100 of a non-negative CEL double. */
const round2 = (e: string): string => `(double(int((${e}) * 100.0 + 0.5)) / 100.0)`;
/** `path: message` as formatProblem prints it. */
const at = (path: string, message: string): string => `${lit(`${path}: `)} + ${message}`;
/** ' <label>: a, b, c' when the list is not empty. */
const fitsHint = (list: string, label: string): string =>
  `(${list}.size() > 0 ? ${lit(` ${label}: `)} + ${list}.join(', ') : '')`;

const annotation = (key: string) => `variables.annotations[${lit(key)}]`;
const hasAnnotation = (key: string) => `${lit(key)} in variables.annotations`;
const v = (name: string) => `variables.${name}`;

/** Where the rules read the workspace and the catalog; lazily evaluated, at most once per request. */
export function policyVariables(): PolicyVariable[] {
  const sku = v('sku');
  const preset = v('preset');
  return [
    { name: 'annotations', expression: 'has(object.metadata.annotations) ? object.metadata.annotations : {}' },
    { name: 'bypass', expression: hasAnnotation(ANNOTATION_BYPASS_RESOURCE_CHECKS) },
    {
      name: 'presetPath',
      expression:
        "has(object.inference) && has(object.inference.preset) ? 'inference.preset' : " +
        "(has(object.tuning) && has(object.tuning.preset) ? 'tuning.preset' : '')",
    },
    {
      name: 'presetName',
      expression:
        `${v('presetPath')} == 'inference.preset' ? object.inference.preset.name : ` +
        `(${v('presetPath')} == 'tuning.preset' ? object.tuning.preset.name : '')`,
    },
    { name: 'presetKey', expression: `${v('presetName')}.trim().lowerAscii()` },
    {
      name: 'presetKnown',
      expression:
        `${v('presetPath')} != '' && ${v('presetKey')} in params.spec.presetNames && ` +
        `params.spec.presetNames[${v('presetKey')}] in params.spec.presets`,
    },
    {
      name: 'preset',
      expression: `${v('presetKnown')} ? params.spec.presets[params.spec.presetNames[${v('presetKey')}]] : {}`,
    },
    {
      name: 'runtime',
      expression:
        `${hasAnnotation(ANNOTATION_RUNTIME)} && ${annotation(ANNOTATION_RUNTIME)} in ['vllm', 'transformers'] ? ` +
        `${annotation(ANNOTATION_RUNTIME)} : (${v('presetKnown')} ? ${preset}.defaultRuntime : 'vllm')`,
    },
    {
      name: 'huggingFace',
      expression: `${v('presetName')}.matches(${lit('^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$')})`,
    },
    { name: 'resolved', expression: `${v('presetPath')} != '' && (${v('presetKnown')} || ${v('huggingFace')})` },
    { name: 'instanceType', expression: "has(object.resource.instanceType) ? object.resource.instanceType : ''" },
    { name: 'skuKey', expression: `${v('instanceType')}.trim().lowerAscii()` },
    { name: 'skuKnown', expression: `${v('instanceType')} != '' && ${v('skuKey')} in params.spec.skus` },
    { name: 'sku', expression: `${v('skuKnown')} ? params.spec.skus[${v('skuKey')}] : {}` },
    { name: 'checkFit', expression: `${v('skuKnown')} && ${v('presetKnown')} && !${v('bypass')}` },
    {
      name: 'adapters',
      expression: 'has(object.inference) && has(object.inference.adapters) ? object.inference.adapters : []',
    },
    // The planner's numbers (src/plan/estimate.ts), read only when checkFit holds.
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

const SUPPORTED = (values: readonly string[]) => values.map((x) => JSON.stringify(x)).join(', ');

function annotationRule(key: string, values: readonly string[]): PolicyValidation {
  const path = `metadata.annotations[${key}]`;
  const list = `[${values.map(lit).join(', ')}]`;
  return {
    expression: `!(${hasAnnotation(key)}) || ${annotation(key)} in ${list}`,
    message: `${path}: unsupported value: supported values: ${SUPPORTED(values)}`,
    messageExpression: at(
      path,
      `'unsupported value ' + ${quoted(annotation(key))} + ${lit(`: supported values: ${SUPPORTED(values)}`)}`,
    ),
  };
}

/** The catalog and annotation rules, in the order checkRules reports them, then the fit check. */
export function catalogValidations(): PolicyValidation[] {
  const preset = v('preset');
  const sku = v('sku');
  const name = quoted(v('presetName'));
  const canonical = quoted(`${preset}.name`);
  const inferencePreset = `(${v('presetPath')} == 'inference.preset')`;
  const secret =
    '(has(object.inference.preset.presetOptions) && has(object.inference.preset.presetOptions.modelAccessSecret))';
  const strengthOnVllm = `${v('adapters')}.map(a, has(a.strength) && ${v('runtime')} == 'vllm' && double(a.strength) != 1.0)`;
  const template = 'object.inference.template';
  const containers = `${template}.spec.containers`;
  const count = 'object.resource.count';
  const explicit = 'has(object.resource.count)';
  return [
    annotationRule(ANNOTATION_RUNTIME, ['vllm', 'transformers']),
    annotationRule(ANNOTATION_NODE_IMAGE_FAMILY, ['ubuntu', 'azurelinux']),
    {
      expression: `${v('instanceType')} == '' || ${v('skuKnown')} || ${v('bypass')}`,
      message: 'resource.instanceType: unknown instance type; kaito skus lists every known one',
      messageExpression: at(
        'resource.instanceType',
        `'unknown instance type ' + ${quoted(v('instanceType'))} + ${lit(
          `. kaito skus lists every known one; register it with registerSku(), or add the annotation ${ANNOTATION_BYPASS_RESOURCE_CHECKS} to skip the GPU checks`,
        )}`,
      ),
    },
    {
      expression: `${v('presetPath')} == '' || ${v('resolved')}`,
      message: 'unknown preset; kaito presets lists them',
      messageExpression:
        `${v('presetPath')} + '.name: unknown preset ' + ${name} + ` +
        lit(
          '. Use a registered preset (kaito presets lists them), a Hugging Face ID (org/model), or register the model with registerPreset()',
        ),
    },
    {
      expression: `!${v('presetKnown')} || !${preset}.deprecated`,
      message: 'the model is deprecated and no longer supported',
      messageExpression: `${v('presetPath')} + '.name: model ' + ${name} + ' is deprecated and no longer supported'`,
    },
    {
      expression: `!${inferencePreset} || !${v('resolved')} || ${v('runtime')} != 'transformers' || (${v('presetKnown')} && ${preset}.transformersAllowed)`,
      message: `metadata.annotations[${ANNOTATION_RUNTIME}]: the model does not support inference with the transformers runtime`,
      messageExpression: at(
        `metadata.annotations[${ANNOTATION_RUNTIME}]`,
        `'model ' + ${name} + ' does not support inference with the transformers runtime; remove the annotation to use vLLM'`,
      ),
    },
    {
      expression: `!${inferencePreset} || !${v('presetKnown')} || !(${preset}.gated && ${preset}.downloadAtRuntime) || ${secret}`,
      message: 'inference.preset.presetOptions.modelAccessSecret: the model is gated on Hugging Face',
      messageExpression: at(
        'inference.preset.presetOptions.modelAccessSecret',
        `'model ' + ${canonical} + ' is gated on Hugging Face: name a Secret with key HF_TOKEN' + ` +
          `(object.apiVersion == 'kaito.sh/v1alpha1' ? ${lit(' (a kaito.sh/v1beta1 field: change apiVersion to kaito.sh/v1beta1)')} : '')`,
      ),
    },
    {
      expression: `!${inferencePreset} || !${v('presetKnown')} || ${preset}.downloadAtRuntime || !${secret}`,
      message: 'inference.preset.presetOptions.modelAccessSecret: the model ships its weights in an image',
      messageExpression: at(
        'inference.preset.presetOptions.modelAccessSecret',
        `'model ' + ${canonical} + ' ships its weights in an image, not from Hugging Face: remove modelAccessSecret'`,
      ),
    },
    {
      expression:
        `!has(object.inference) || !has(${template}) || (type(${template}) == map && 'spec' in ${template} && ` +
        `type(${template}.spec) == map && 'containers' in ${template}.spec && type(${containers}) == list && ` +
        `${containers}.size() > 0)`,
      message: 'inference.template.spec.containers: a pod template needs at least one container',
      messageExpression: lit('inference.template.spec.containers: a pod template needs at least one container'),
    },
    {
      expression: `${v('adapters')}.size() == 0 || ${v('runtime')} != 'vllm' || !${v('presetKnown')} || ${preset}.vllmLoraAllowed`,
      message: 'inference.adapters: vLLM cannot load LoRA adapters for this model; use the transformers runtime',
      messageExpression: at(
        'inference.adapters',
        `'vLLM cannot load LoRA adapters for model ' + ${canonical} + '; use the transformers runtime'`,
      ),
    },
    {
      expression: `!${strengthOnVllm}.exists(x, x)`,
      message: `inference.adapters: ${MSG.strengthVllm}`,
      messageExpression: `'inference.adapters[' + string(${strengthOnVllm}.indexOf(true)) + '].strength: ' + ${lit(MSG.strengthVllm)}`,
    },
    {
      expression: `${v('presetPath')} != 'tuning.preset' || !${v('resolved')} || (${v('presetKnown')} && ${preset}.tunable)`,
      message: 'tuning.preset.name: the model cannot be fine-tuned',
      messageExpression: at(
        'tuning.preset.name',
        `'model ' + ${name} + ' cannot be fine-tuned; tunable models: ' + params.spec.tunablePresets.join(', ')`,
      ),
    },
    // The fit check (planWorkspace): tuning, then inference with transformers, then inference with vLLM.
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
