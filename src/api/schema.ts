import type { JSONSchemaProps as K8sSchemaProps, ValidationRule } from 'kubernetes-types/apiextensions/v1';
import { MSG } from './messages';
import { IMAGE_REF_ANY_CASE_PATTERN } from './image-ref';
import {
  BLOCKED_NAME_PATTERN,
  BLOCKED_V4_PATTERN,
  DOTTED_QUAD_PATTERN,
  HTTP_URL_PATTERN,
  IPV6_GLOBAL_PATTERN,
  IPV6_HOST_PATTERN,
  IPV6_TUNNEL_PATTERN,
  NUMERIC_HOST_PATTERN,
  STRICT_URL_PATTERN,
} from './url-safety';
import { MIG_PROFILE_PATTERN, RESERVED_SELECTOR_KEYS, type WorkspaceVersion } from './types';
import { MAX_NODE_COUNT } from './limits';

/*
 * The Workspace schema, written once. It drives the structural checks of the TypeScript validator and
 * becomes the CRD's openAPIV3Schema, CEL rules included. Where a rule can be said in CEL, it is said
 * here, with the same message the TypeScript validator uses (see ./messages).
 */

/** An OpenAPI v3 schema as a CRD holds it, with the Kubernetes extensions. */
export type JSONSchemaProps = Omit<K8sSchemaProps, 'properties' | 'items' | 'additionalProperties'> & {
  properties?: Record<string, JSONSchemaProps>;
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps | boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: ValidationRule[];
};

const str = (extra: JSONSchemaProps = {}): JSONSchemaProps => ({ type: 'string', ...extra });
const strList = (extra: JSONSchemaProps = {}): JSONSchemaProps => ({ type: 'array', items: str(), ...extra });
const schemaless = (description: string): JSONSchemaProps => ({
  type: 'object',
  description,
  'x-kubernetes-preserve-unknown-fields': true,
});

const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** Names of Secrets, nodes and other objects are DNS-1123 subdomains: at most 253 characters. */
const OBJECT_NAME_MAX = 253;
/** A list of object names (pull secrets, nodes). */
const nameList = (maxItems: number, extra: JSONSchemaProps = {}): JSONSchemaProps =>
  strList({ maxItems, items: str({ maxLength: OBJECT_NAME_MAX }), ...extra });
/** Label values are at most 63 characters (Kubernetes). */
const LABEL_VALUE_MAX = 63;
/** Adapter names become `puller-<name>` container names, which are DNS-1123 labels of at most 63. */
const ADAPTER_NAME_MAX = 56;
/**
 * An inference workspace's name is its StatefulSet's, whose pods carry the label controller-revision-hash
 * `<name>-<hash>` (the hash up to 10 characters), a label value of at most 63.
 */
const INFERENCE_NAME_MAX = 52;

/** A CEL string literal holding `text` (backslashes and quotes escaped, so regexes survive intact). */
export function celString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** An image reference; the CEL rule refuses what cannot be one (the validator also warns about upper case). */
function imageRef(): JSONSchemaProps {
  return str({
    maxLength: 512,
    'x-kubernetes-validations': [
      { rule: `self.matches(${celString(IMAGE_REF_ANY_CASE_PATTERN)})`, message: `image ${MSG.imageReference}` },
    ],
  });
}

function labelSelector(): JSONSchemaProps {
  const reserved = RESERVED_SELECTOR_KEYS.map((k) => `'${k}'`).join(', ');
  return {
    type: 'object',
    description: 'Labels of the GPU nodes. Copied onto provisioned nodes and required by the workload node affinity.',
    properties: {
      matchLabels: { type: 'object', additionalProperties: str({ maxLength: LABEL_VALUE_MAX }), maxProperties: 64 },
      matchExpressions: {
        type: 'array',
        maxItems: 32,
        items: {
          type: 'object',
          required: ['key', 'operator'],
          properties: {
            key: str({ maxLength: 317 }),
            operator: str({ enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }),
            values: strList({ maxItems: 64, items: str({ maxLength: LABEL_VALUE_MAX }) }),
          },
        },
      },
    },
    'x-kubernetes-map-type': 'atomic',
    'x-kubernetes-validations': [
      {
        rule: `has(self.matchLabels) && self.matchLabels.exists(k, !(k in [${reserved}]))`,
        message: `matchLabels ${MSG.reservedSelector}`,
      },
    ],
  };
}

function presetSpec(version: WorkspaceVersion): JSONSchemaProps {
  const presetOptions: Record<string, JSONSchemaProps> = {
    image: str({ maxLength: 512, description: 'Image of a private preset (deprecated).' }),
    imagePullSecrets: nameList(32, { description: 'Pull secrets of a private preset image (deprecated).' }),
  };
  if (version === 'v1beta1') {
    presetOptions.modelAccessSecret = str({
      maxLength: 253,
      description: 'Secret in the workspace namespace with key HF_TOKEN, for gated models.',
    });
  }
  return {
    type: 'object',
    required: ['name'],
    properties: {
      name: str({
        minLength: 1,
        maxLength: 256,
        description: 'A registered preset name, a legacy alias, or a Hugging Face ID org/model.',
      }),
      accessMode: str({ enum: ['public', 'private'], description: 'Deprecated.' }),
      presetOptions: { type: 'object', properties: presetOptions },
    },
    'x-kubernetes-validations': [
      {
        rule: "!has(self.accessMode) || self.accessMode != 'private' || (has(self.presetOptions) && has(self.presetOptions.image))",
        message: `presetOptions.image ${MSG.privateImage}`,
      },
    ],
  };
}

/**
 * The tuning input URL rules, mirroring unsafeUrlReason in ./url-safety pattern for pattern: each URL is
 * judged by the first of scheme, syntax, host it fails, so the rules that report it say the same.
 */
function urlRules(): ValidationRule[] {
  const m = (pattern: string): string => `u.lowerAscii().matches(${celString(pattern)})`;
  const all = (condition: string): string => `!has(self.urls) || self.urls.all(u, ${condition})`;
  // Two rules with the same message: one would exceed the API server's cost budget for a rule.
  const names = `${m(BLOCKED_NAME_PATTERN)} || ${m(BLOCKED_V4_PATTERN)}`;
  const addresses =
    `(${m(NUMERIC_HOST_PATTERN)} && !${m(DOTTED_QUAD_PATTERN)}) || ` +
    `(${m(IPV6_HOST_PATTERN)} && (!${m(IPV6_GLOBAL_PATTERN)} || ${m(IPV6_TUNNEL_PATTERN)}))`;
  return [
    { rule: all(m(HTTP_URL_PATTERN)), message: `every URL ${MSG.urlScheme}`, fieldPath: '.urls' },
    {
      rule: all(`!${m(HTTP_URL_PATTERN)} || ${m(STRICT_URL_PATTERN)}`),
      message: `every URL ${MSG.urlSyntax}`,
      fieldPath: '.urls',
    },
    ...[names, addresses].map((blocked) => ({
      rule: all(`!${m(STRICT_URL_PATTERN)} || !(${blocked})`),
      message: `every URL ${MSG.urlHost}`,
      fieldPath: '.urls',
    })),
  ];
}

function dataSource(kind: 'input' | 'adapter'): JSONSchemaProps {
  const properties: Record<string, JSONSchemaProps> = {
    name: str({ maxLength: 253 }),
    urls: strList({ maxItems: 100, items: str({ maxLength: 1024 }) }),
    image: imageRef(),
    imagePullSecrets: nameList(32),
    volumeSource: schemaless('A Kubernetes VolumeSource.'),
  };
  const validations =
    kind === 'input'
      ? [
          {
            rule: '[has(self.urls), has(self.image), has(self.volumeSource)].filter(x, x).size() == 1',
            message: MSG.inputExactlyOne,
          },
          ...urlRules(),
        ]
      : [
          { rule: '!has(self.urls)', message: MSG.adapterUrls },
          {
            rule: 'has(self.name) && (has(self.image) || has(self.volumeSource))',
            message: MSG.adapterSourceRequired,
          },
          {
            rule: `!has(self.name) || (self.name.size() <= ${ADAPTER_NAME_MAX} && self.name.matches(${celString(DNS1123_LABEL)}))`,
            message: `name ${MSG.adapterName}`,
            fieldPath: '.name',
          },
        ];
  return { type: 'object', properties, 'x-kubernetes-validations': validations };
}

function inferenceSpec(version: WorkspaceVersion): JSONSchemaProps {
  return {
    type: 'object',
    description: 'Serve a model.',
    properties: {
      preset: presetSpec(version),
      template: schemaless('A pod template run as is (exclusive with preset).'),
      config: str({ maxLength: 253, description: 'ConfigMap with key inference_config.yaml.' }),
      adapters: {
        type: 'array',
        maxItems: 10,
        items: {
          type: 'object',
          properties: {
            source: dataSource('adapter'),
            strength: str({ maxLength: 32 }),
          },
          'x-kubernetes-validations': [
            {
              rule: "!has(self.strength) || (self.strength.matches('^([0-9]+[.]?[0-9]*|[.][0-9]+)$') && double(self.strength) >= 0.0 && double(self.strength) <= 1.0)",
              message: MSG.strengthRange,
              fieldPath: '.strength',
            },
          ],
        },
        'x-kubernetes-validations': [
          {
            rule: 'self.all(a, !has(a.source) || !has(a.source.name) || self.filter(b, has(b.source) && has(b.source.name) && b.source.name == a.source.name).size() == 1)',
            message: MSG.adaptersUnique,
          },
        ],
      },
    },
    'x-kubernetes-validations': [
      { rule: 'has(self.preset) != has(self.template)', message: MSG.presetXorTemplate },
      {
        rule: '!has(oldSelf.preset) || !has(self.preset) || self.preset.name == oldSelf.preset.name',
        message: `preset.name ${MSG.immutable}`,
        fieldPath: '.preset.name',
      },
      { rule: 'has(self.template) == has(oldSelf.template)', message: `template cannot be set or unset once created` },
    ],
  };
}

function tuningSpec(version: WorkspaceVersion): JSONSchemaProps {
  return {
    type: 'object',
    description: 'Fine-tune a model.',
    required: ['method', 'input', 'output'],
    properties: {
      preset: presetSpec(version),
      method: str({ enum: ['lora', 'qlora'] }),
      config: str({ maxLength: 253, description: 'ConfigMap with key training_config.yaml.' }),
      input: dataSource('input'),
      output: {
        type: 'object',
        properties: {
          image: imageRef(),
          imagePushSecret: str({ maxLength: 253 }),
          volumeSource: schemaless('A Kubernetes VolumeSource.'),
        },
        'x-kubernetes-validations': [
          { rule: 'has(self.image) != has(self.volumeSource)', message: MSG.outputExactlyOne },
          { rule: '!has(self.image) || has(self.imagePushSecret)', message: MSG.imagePushSecret },
        ],
      },
    },
    'x-kubernetes-validations': [
      { rule: 'has(self.preset)', message: MSG.tuningPreset },
      {
        rule: '!has(oldSelf.preset) || (has(self.preset) && self.preset.name == oldSelf.preset.name)',
        message: `preset ${MSG.immutable}`,
        fieldPath: '.preset',
      },
      {
        rule: 'has(self.method) == has(oldSelf.method) && (!has(self.method) || self.method == oldSelf.method)',
        message: `method ${MSG.immutable}`,
        fieldPath: '.method',
      },
    ],
  };
}

function resourceSpec(version: WorkspaceVersion): JSONSchemaProps {
  const properties: Record<string, JSONSchemaProps> = {
    count: {
      type: 'integer',
      minimum: 1,
      // An AKS node pool holds at most 1,000 nodes; without a bound, one workspace could ask the reconciler
      // for millions of NodeClaims.
      maximum: MAX_NODE_COUNT,
      description: `Number of nodes, at most ${MAX_NODE_COUNT} (deprecated in v1beta1).`,
    },
    instanceType: str({ maxLength: 128, description: 'GPU instance type to provision.' }),
    labelSelector: labelSelector(),
    preferredNodes: nameList(64, { description: 'Existing nodes to use first (deprecated).' }),
  };
  if (version === 'v1alpha1') properties.instanceType.default = 'Standard_NC24ads_A100_v4';
  if (version === 'v1beta1') {
    properties.partition = {
      type: 'object',
      required: ['mode'],
      properties: {
        mode: str({ enum: ['mig', 'accelerator'] }),
        profile: str({ maxLength: 64 }),
        // Bounded like resource.count (a node offers at most 8 GPUs).
        count: { type: 'integer', minimum: 1, maximum: MAX_NODE_COUNT },
      },
      'x-kubernetes-validations': [
        { rule: 'self == oldSelf', message: `partition ${MSG.immutable}` },
        {
          rule: `self.mode != 'mig' || (has(self.profile) && self.profile.matches(${celString(MIG_PROFILE_PATTERN)}) && !has(self.count))`,
          message: MSG.migProfile,
        },
        {
          rule: "self.mode != 'accelerator' || (has(self.count) && !has(self.profile))",
          message: MSG.acceleratorCount,
        },
      ],
    };
  }
  const partitionRules =
    version === 'v1beta1'
      ? [
          {
            rule: '!has(self.partition) || !has(self.instanceType)',
            message: `partition ${MSG.partitionByo}`,
            fieldPath: '.partition',
          },
          {
            rule: 'has(self.partition) == has(oldSelf.partition)',
            message: `partition ${MSG.immutable}`,
            fieldPath: '.partition',
          },
        ]
      : [];
  return {
    type: 'object',
    required: ['labelSelector'],
    properties,
    'x-kubernetes-validations': [
      {
        rule: '!has(oldSelf.instanceType) || (has(self.instanceType) && self.instanceType == oldSelf.instanceType)',
        message: `instanceType ${MSG.immutable}`,
        fieldPath: '.instanceType',
      },
      {
        rule: 'self.labelSelector == oldSelf.labelSelector',
        message: `labelSelector ${MSG.immutable}`,
        fieldPath: '.labelSelector',
      },
      {
        rule: 'has(self.count) == has(oldSelf.count) && (!has(self.count) || self.count == oldSelf.count)',
        message: `count ${MSG.immutable}`,
        fieldPath: '.count',
      },
      ...partitionRules,
    ],
  };
}

function condition(): JSONSchemaProps {
  return {
    type: 'object',
    required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
    properties: {
      type: str({ maxLength: 316 }),
      status: str({ enum: ['True', 'False', 'Unknown'] }),
      observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
      lastTransitionTime: str({ format: 'date-time' }),
      reason: str({ maxLength: 1024 }),
      message: str({ maxLength: 32768 }),
    },
  };
}

function statusSpec(version: WorkspaceVersion): JSONSchemaProps {
  const properties: Record<string, JSONSchemaProps> = {
    workerNodes: nameList(MAX_NODE_COUNT),
    conditions: {
      type: 'array',
      // The reconciler writes five condition types; Kubernetes APIs bound such lists (Gateway API: 8).
      maxItems: 16,
      items: condition(),
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
  };
  if (version === 'v1beta1') {
    properties.state = str({ enum: ['Pending', 'Ready', 'NotReady', 'Running', 'Succeeded', 'Failed'] });
    properties.targetNodeCount = { type: 'integer', format: 'int32', minimum: 0 };
    properties.performance = {
      type: 'object',
      properties: {
        metrics: {
          type: 'object',
          maxProperties: 64,
          additionalProperties: {
            type: 'object',
            properties: {
              description: str({ maxLength: 1024 }),
              value: str({ maxLength: 256 }),
              unit: str({ maxLength: 64 }),
              config: { type: 'object', maxProperties: 32, additionalProperties: str({ maxLength: 256 }) },
            },
          },
        },
      },
    };
  }
  return { type: 'object', properties };
}

/** The openAPIV3Schema of one Workspace version, CEL rules included. */
export function workspaceSchema(version: WorkspaceVersion): JSONSchemaProps {
  return {
    type: 'object',
    description: 'Workspace: serve or fine-tune a model on GPU nodes.',
    required: ['resource'],
    properties: {
      apiVersion: str(),
      kind: str(),
      metadata: { type: 'object' },
      resource: resourceSpec(version),
      inference: inferenceSpec(version),
      tuning: tuningSpec(version),
      status: statusSpec(version),
    },
    'x-kubernetes-validations': [
      { rule: 'has(self.inference) != has(self.tuning)', message: MSG.inferenceXorTuning },
      {
        rule: `self.metadata.name.size() <= 63 && self.metadata.name.matches(${celString(DNS1123_LABEL)})`,
        message: `metadata.name ${MSG.nameDns1123Label}`,
      },
      {
        rule: `!has(self.inference) || self.metadata.name.size() <= ${INFERENCE_NAME_MAX}`,
        message: `metadata.name: ${MSG.inferenceNameLength}`,
      },
      {
        rule: "!has(self.inference) || self.metadata.name.matches('^[a-z]')",
        message: `metadata.name: ${MSG.inferenceNameLetter}`,
      },
      {
        rule: 'has(self.inference) == has(oldSelf.inference)',
        message: 'inference and tuning cannot be toggled once set',
      },
      {
        rule: '!has(self.tuning) || !has(self.resource.count) || self.resource.count == 1',
        message: MSG.tuningCount,
        fieldPath: '.resource.count',
      },
      ...(version === 'v1beta1'
        ? [
            {
              rule: '!has(self.tuning) || !has(self.resource.partition)',
              message: MSG.tuningPartition,
              fieldPath: '.resource.partition',
            },
          ]
        : []),
    ],
  };
}

/**
 * The part of ObjectMeta the TypeScript validator checks. It is not part of the CRD: the API server checks
 * ObjectMeta itself, and a CRD schema may constrain only `metadata.name` and `generateName`.
 */
function objectMeta(): JSONSchemaProps {
  return {
    type: 'object',
    required: ['name'],
    properties: {
      name: str(),
      generateName: str(),
      namespace: str(),
      // Label values: at most 63 characters; keys are checked by the API server.
      labels: { type: 'object', additionalProperties: str({ maxLength: LABEL_VALUE_MAX }) },
      annotations: { type: 'object', additionalProperties: str() },
      finalizers: strList(),
    },
    'x-kubernetes-preserve-unknown-fields': true,
  };
}

/** The schema the TypeScript validator checks: the CRD's, with `metadata` described and required. */
export function validationSchema(version: WorkspaceVersion): JSONSchemaProps {
  const schema = workspaceSchema(version);
  return {
    ...schema,
    required: [...(schema.required ?? []), 'metadata'],
    properties: { ...schema.properties, metadata: objectMeta() },
  };
}

export { DNS1123_LABEL, ADAPTER_NAME_MAX, INFERENCE_NAME_MAX };
