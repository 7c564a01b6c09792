import { stringify } from 'yaml';
import type { JSONSchemaProps } from '../api/schema';
import { KAITO_GROUP } from '../api/types';
import type { KubeObject } from './options';

/*
 * The KaitoCatalog CustomResourceDefinition: the preset and instance-type catalog as a cluster-scoped custom
 * resource, the parameters of the Workspace admission policy (./admission); the object is ./kaito-catalog.
 * crds/kaito.sh_kaitocatalogs.yaml is this CRD as YAML (npm run gen:crds).
 */

export const KAITO_CATALOG_KIND = 'KaitoCatalog';
export const KAITO_CATALOG_VERSION = 'v1alpha1';
export const KAITO_CATALOG_API_VERSION = `${KAITO_GROUP}/${KAITO_CATALOG_VERSION}`;
export const KAITO_CATALOG_CRD_NAME = `kaitocatalogs.${KAITO_GROUP}`;
/** Name of the KaitoCatalog object the admission policy's binding reads. */
export const KAITO_CATALOG_NAME = 'default';

/** The label every object of the admission policy carries (a new copy each call). */
export const partOf = () => ({ 'app.kubernetes.io/part-of': 'kaito-constructs' });

// Bounds: the API server estimates CEL cost from them, and a catalog is a few hundred entries.
const MAX_PRESETS = 2048;
const MAX_NAMES = 8192;
const MAX_SKUS = 2048;
const NAME_MAX = 256;

const str = (maxLength = NAME_MAX, extra: JSONSchemaProps = {}): JSONSchemaProps => ({
  type: 'string',
  maxLength,
  ...extra,
});
const bool = (description: string): JSONSchemaProps => ({ type: 'boolean', description });
const num = (description: string): JSONSchemaProps => ({ type: 'number', minimum: 0, description });
const names = (description: string): JSONSchemaProps => ({
  type: 'array',
  maxItems: 3,
  items: str(),
  description,
});

function presetSchema(): JSONSchemaProps {
  return {
    type: 'object',
    required: [
      'name',
      'defaultRuntime',
      'transformersAllowed',
      'vllmLoraAllowed',
      'distributedAllowed',
      'tunable',
      'gated',
      'downloadAtRuntime',
      'deprecated',
      'weightsGiB',
      'kvBytesPerToken',
      'instanceTypesThatFit',
    ],
    properties: {
      name: str(NAME_MAX, { description: 'Canonical preset name.' }),
      defaultRuntime: str(NAME_MAX, { enum: ['vllm', 'transformers'] }),
      transformersAllowed: bool('kaito.sh/runtime: transformers is accepted.'),
      vllmLoraAllowed: bool('vLLM may load LoRA adapters for the model.'),
      distributedAllowed: bool('The model may span several nodes.'),
      tunable: bool('The model can be fine-tuned.'),
      gated: bool('The weights need a Hugging Face token.'),
      downloadAtRuntime: bool('The runtime downloads the weights from Hugging Face.'),
      deprecated: bool('Rejected as deprecated.'),
      weightsGiB: num('Size of the weights, GiB.'),
      kvBytesPerToken: num('KV cache bytes of one token across all layers.'),
      instanceTypesThatFit: {
        type: 'object',
        required: ['vllm', 'transformers', 'lora', 'qlora'],
        properties: {
          vllm: names('Instance types one node of which serves the model on vLLM.'),
          transformers: names('... on transformers.'),
          lora: names('... tunes it with LoRA.'),
          qlora: names('... tunes it with QLoRA.'),
        },
      },
    },
  };
}

function skuSchema(): JSONSchemaProps {
  return {
    type: 'object',
    required: ['name', 'gpuCount', 'gpuMemoryPerGpuGiB', 'totalGpuMemoryGiB', 'gpuModel', 'gpuMemoryUtilization'],
    properties: {
      name: str(NAME_MAX, { description: 'Instance type as the cloud spells it.' }),
      gpuCount: { type: 'integer', minimum: 1, maximum: 64, description: 'GPUs per node.' },
      gpuMemoryPerGpuGiB: num('Memory of one GPU, GiB.'),
      totalGpuMemoryGiB: num('Memory of all GPUs of a node, GiB.'),
      gpuModel: str(NAME_MAX),
      gpuMemoryUtilization: { type: 'number', minimum: 0, maximum: 1, description: 'vLLM GPU memory fraction.' },
    },
  };
}

/** The openAPIV3Schema of the KaitoCatalog. */
export function kaitoCatalogSchema(): JSONSchemaProps {
  return {
    type: 'object',
    description: 'The Kaito preset and instance-type catalog the Workspace admission policy reads.',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        required: ['presets', 'presetNames', 'skus', 'tunablePresets'],
        properties: {
          presets: {
            type: 'object',
            maxProperties: MAX_PRESETS,
            additionalProperties: presetSchema(),
            description: 'Presets by canonical name, lower case.',
          },
          presetNames: {
            type: 'object',
            maxProperties: MAX_NAMES,
            additionalProperties: str(),
            description:
              'Every name that selects a preset (name, alias, Hugging Face ID), lower case, to its key in presets.',
          },
          skus: {
            type: 'object',
            maxProperties: MAX_SKUS,
            additionalProperties: skuSchema(),
            description: 'Instance types by name, lower case.',
          },
          tunablePresets: { type: 'array', maxItems: MAX_PRESETS, items: str() },
        },
      },
    },
  };
}

/** The `kaitocatalogs.kaito.sh` CustomResourceDefinition: cluster-scoped, one version, no status. */
export function renderKaitoCatalogCrd(): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: KAITO_CATALOG_CRD_NAME, labels: partOf() },
    spec: {
      group: KAITO_GROUP,
      names: {
        kind: KAITO_CATALOG_KIND,
        listKind: `${KAITO_CATALOG_KIND}List`,
        plural: 'kaitocatalogs',
        singular: 'kaitocatalog',
        categories: ['kaito'],
      },
      scope: 'Cluster',
      versions: [
        {
          name: KAITO_CATALOG_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: kaitoCatalogSchema() },
        },
      ],
    },
  };
}

/** The first line of crds/kaito.sh_kaitocatalogs.yaml. */
export const CATALOG_CRD_YAML_HEADER =
  "# The kaito.sh KaitoCatalog CustomResourceDefinition (the admission policy's parameters), generated by kaito-constructs. Do not edit.\n";

/** The content of crds/kaito.sh_kaitocatalogs.yaml. */
export function renderKaitoCatalogCrdYaml(): string {
  return CATALOG_CRD_YAML_HEADER + stringify(renderKaitoCatalogCrd(), { lineWidth: 0 });
}
