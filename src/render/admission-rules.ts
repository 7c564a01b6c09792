import { MSG } from '../api/messages';
import { ANNOTATION_BYPASS_RESOURCE_CHECKS, ANNOTATION_NODE_IMAGE_FAMILY, ANNOTATION_RUNTIME } from '../api/types';
import { at, lit, quoted, v, type PolicyValidation, type PolicyVariable } from './admission-cel';
import { fitValidations, fitVariables } from './admission-fit';

/*
 * The CEL of the Workspace admission policy: the create-time rules of src/api/rules.ts that need the catalog
 * or annotations (what the CRD's own CEL cannot read), with the catalog as `params` (a KaitoCatalog), then the
 * fit check (./admission-fit). Each rule says what `kaito validate` says, as `path: message`.
 */

export type { PolicyValidation, PolicyVariable } from './admission-cel';

const annotation = (key: string) => `variables.annotations[${lit(key)}]`;
const hasAnnotation = (key: string) => `${lit(key)} in variables.annotations`;

/** Where the rules read the workspace and the catalog; lazily evaluated, at most once per request. */
export function policyVariables(): PolicyVariable[] {
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
    ...fitVariables(),
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
  const name = quoted(v('presetName'));
  const canonical = quoted(`${preset}.name`);
  const inferencePreset = `(${v('presetPath')} == 'inference.preset')`;
  const secret =
    '(has(object.inference.preset.presetOptions) && has(object.inference.preset.presetOptions.modelAccessSecret))';
  const strengthOnVllm = `${v('adapters')}.map(a, has(a.strength) && ${v('runtime')} == 'vllm' && double(a.strength) != 1.0)`;
  const template = 'object.inference.template';
  const containers = `${template}.spec.containers`;
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
    ...fitValidations(),
  ];
}
