/*
 * The Pulumi component schema of the five components, as Pulumi's component analyzer
 * (@pulumi/pulumi/provider/experimental) derives it from the TypeScript source: what a Pulumi program in
 * another language could be handed. The analyzer refuses what the schema cannot describe (literal unions,
 * readonly arrays, intersections, resources of this package); here it must accept every component, and each
 * component's inputs must be exactly these names and types.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ComponentProvider } from '@pulumi/pulumi/provider/experimental';
import {
  GpuNodePool,
  InferenceService,
  KaitoOperator,
  KaitoWorkspace,
  TYPE_PREFIX,
  TuningJob,
} from '../../../src/pulumi';
import { OPERATOR_NODE_PROVISIONERS } from '../../../src/render/operator';
import { GPU_DRIVERS, GPU_INSTANCE_PROFILES, OS_SKUS } from '../../../src/plan/node-pool';

const ROOT = resolve(__dirname, '../../..');
const PACKAGE = TYPE_PREFIX.split(':')[0];

/** A schema property, or the item or value of one. */
interface Property {
  readonly type?: string;
  readonly $ref?: string;
  readonly items?: Property;
  readonly additionalProperties?: Property;
  readonly plain?: boolean;
}

interface Schema {
  readonly resources: Record<string, { inputProperties: Record<string, Property>; requiredInputs: string[] }>;
  readonly types: Record<string, { type: string; enum?: Array<{ name: string; value: string }> }>;
}

/**
 * A property as TypeScript would spell it: `string`, a type of the schema by name, `T[]`, `Record<string, T>`,
 * `any`; wrapped in `Input<>` when it may be an output (the rest are plain values).
 */
function spelled(p: Property): string {
  const local = `#/types/${PACKAGE}:index:`;
  let t: string;
  if (p.$ref === 'pulumi.json#/Any') t = 'any';
  else if (p.$ref !== undefined) t = p.$ref.startsWith(local) ? p.$ref.slice(local.length) : p.$ref;
  else if (p.type === 'array') t = `${spelled(p.items!)}[]`;
  else if (p.type === 'object') t = `Record<string, ${spelled(p.additionalProperties!)}>`;
  else t = p.type!;
  return p.plain === true || t === 'any' ? t : `Input<${t}>`;
}

/** The inputs of a component: name -> spelled type, `?` after the name of an optional one. */
function inputsOf(schema: Schema, component: string): Record<string, string> {
  const resource = schema.resources[`${TYPE_PREFIX}${component}`];
  return Object.fromEntries(
    Object.entries(resource.inputProperties).map(([name, p]) => [
      resource.requiredInputs.includes(name) ? name : `${name}?`,
      spelled(p),
    ]),
  );
}

let schema: Schema;

beforeAll(async () => {
  // The analyzer reads a program directory: its package.json (the entry point) and tsconfig.json.
  const dir = mkdtempSync(join(tmpdir(), 'pulumi-schema-'));
  const entry = join(ROOT, 'src/pulumi/index.ts');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: PACKAGE, version: '0.0.0', main: entry }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
      files: [entry],
      include: [],
    }),
  );
  // The analysis builds a TypeScript program of the face and its dependencies: tens of seconds.
  const provider = new ComponentProvider({
    components: [KaitoWorkspace, InferenceService, TuningJob, GpuNodePool, KaitoOperator],
    name: PACKAGE,
    dirname: dir,
  });
  schema = JSON.parse(await provider.getSchema()) as Schema;
}, 180_000);

test('the analyzer describes the five components, under the type tokens they register', () => {
  expect(Object.keys(schema.resources).sort()).toEqual(
    ['GpuNodePool', 'InferenceService', 'KaitoOperator', 'KaitoWorkspace', 'TuningJob'].map((c) => TYPE_PREFIX + c),
  );
});

const WAIT = { 'waitForReady?': 'boolean', 'readyTimeoutMinutes?': 'number' };
const PLACEMENT = {
  'metadata?': 'WorkloadMetadata',
  'instanceType?': 'string',
  'labelSelector?': 'LabelSelector',
  'mode?': 'WorkloadMode',
  ...WAIT,
};

test.each<[string, Record<string, string>]>([
  [
    'KaitoWorkspace',
    {
      'apiVersion?': 'WorkspaceApiVersion',
      'metadata?': 'KaitoWorkspaceMetadataArgs',
      resource: 'ResourceSpec',
      'inference?': 'InferenceSpec',
      'tuning?': 'TuningSpec',
      ...WAIT,
    },
  ],
  [
    'InferenceService',
    {
      preset: 'string',
      'modelAccessSecret?': 'string',
      'runtime?': 'RuntimeName',
      'adapters?': 'AdapterSpec[]',
      'config?': 'string',
      'loadBalancer?': 'boolean',
      'count?': 'number',
      ...PLACEMENT,
    },
  ],
  [
    'TuningJob',
    {
      preset: 'string',
      method: 'TuningMethod',
      input: 'DataSource',
      output: 'DataDestination',
      'config?': 'string',
      'modelAccessSecret?': 'string',
      ...PLACEMENT,
    },
  ],
  [
    'GpuNodePool',
    {
      resourceGroupName: 'Input<string>',
      clusterName: 'Input<string>',
      vmSize: 'string',
      'name?': 'string',
      'count?': 'number',
      'minCount?': 'number',
      'maxCount?': 'number',
      'nodeLabels?': 'Record<string, string>',
      'nodeTaints?': 'string[]',
      'osSKU?': 'OsSku',
      'gpuDriver?': 'GpuDriver',
      'gpuInstanceProfile?': 'GpuInstanceProfile',
      'osDiskSizeGB?': 'Input<number>',
      'availabilityZones?': 'Input<Input<string>[]>',
      'vnetSubnetID?': 'Input<string>',
      'tags?': 'Input<Record<string, Input<string>>>',
    },
  ],
  [
    'KaitoOperator',
    {
      'namespace?': 'string',
      'image?': 'Input<string>',
      'replicas?': 'number',
      'nodeProvisioner?': 'OperatorNodeProvisioner',
      'nodeClass?': 'NodeClassRef',
      'devicePlugin?': 'boolean',
      'devicePluginImage?': 'string',
      'watchNamespace?': 'string',
      'allowPrivilegedTemplates?': 'boolean',
      'admissionPolicy?': 'boolean',
    },
  ],
])('%s: the input names and types', (component, inputs) => {
  expect(inputsOf(schema, component)).toEqual(inputs);
});

test('the workspace spec types: the fields of a Workspace manifest', () => {
  const fields = (type: string) => {
    const t = schema.types[`${PACKAGE}:index:${type}`] as unknown as {
      properties: Record<string, Property>;
      required: string[];
    };
    return Object.fromEntries(
      Object.entries(t.properties).map(([n, p]) => [t.required.includes(n) ? n : `${n}?`, spelled(p)]),
    );
  };
  expect(fields('ResourceSpec')).toEqual({
    'count?': 'number',
    'instanceType?': 'string',
    labelSelector: 'LabelSelector',
    'preferredNodes?': 'string[]',
    'partition?': 'PartitionSpec',
  });
  expect(fields('PartitionSpec')).toEqual({ mode: 'PartitionMode', 'profile?': 'string', 'count?': 'number' });
  expect(fields('InferenceSpec')).toEqual({
    'preset?': 'PresetSpec',
    'template?': 'PodTemplateSpec',
    'config?': 'string',
    'adapters?': 'AdapterSpec[]',
  });
  expect(fields('PresetSpec')).toEqual({
    name: 'string',
    'accessMode?': 'PresetAccessMode',
    'presetOptions?': 'PresetOptions',
  });
  expect(fields('TuningSpec')).toEqual({
    'preset?': 'PresetSpec',
    'method?': 'TuningMethod',
    'config?': 'string',
    'input?': 'DataSource',
    'output?': 'DataDestination',
  });
  expect(fields('DataSource')).toEqual({
    'name?': 'string',
    'urls?': 'string[]',
    'image?': 'string',
    'imagePullSecrets?': 'string[]',
    'volumeSource?': 'VolumeSource',
  });
  expect(fields('AdapterSpec')).toEqual({ 'source?': 'DataSource', 'strength?': 'string' });
  // Kubernetes objects: their fields are any value to the schema (the API server checks them).
  expect(fields('PodTemplateSpec')).toEqual({ 'metadata?': 'any', 'spec?': 'any' });
  expect(fields('VolumeSource')['persistentVolumeClaim?']).toBe('any');
});

test('the enums hold exactly the values the core accepts', () => {
  const values = (type: string) => schema.types[`${PACKAGE}:index:${type}`].enum!.map((e) => e.value);
  expect(values('WorkspaceApiVersion')).toEqual(['kaito.sh/v1alpha1', 'kaito.sh/v1beta1']);
  expect(values('RuntimeName')).toEqual(['vllm', 'transformers']);
  expect(values('WorkloadMode')).toEqual(['operator', 'direct']);
  expect(values('TuningMethod')).toEqual(['lora', 'qlora']);
  expect(values('PartitionMode')).toEqual(['mig', 'accelerator']);
  expect(values('PresetAccessMode')).toEqual(['public', 'private']);
  expect(values('OsSku')).toEqual([...OS_SKUS]);
  expect(values('GpuDriver')).toEqual([...GPU_DRIVERS]);
  expect(values('GpuInstanceProfile')).toEqual([...GPU_INSTANCE_PROFILES]);
  expect(values('OperatorNodeProvisioner')).toEqual([...OPERATOR_NODE_PROVISIONERS]);
});
