import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Chart, Testing, type App } from 'cdk8s';
import { parse } from 'yaml';
import { checkStructure, parseWorkspace, type Problem, type Workspace } from '../../../src/api';
import type { JSONSchemaProps } from '../../../src/api/schema';
import { planWorkspace, type WorkspacePlan } from '../../../src/plan';
import { runCli } from '../../../src/cli/run';

export const ROOT = join(__dirname, '..', '..', '..');
export const SEED_DIR = join(ROOT, 'test', 'fixtures', 'seed');
export const seedPath = (file: string): string => join(SEED_DIR, file);

/** A synthesized manifest. */
export type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
};

/** A fresh chart in a fresh app (optionally with a namespace). */
export function chart(namespace?: string): Chart {
  const app: App = Testing.app();
  return new Chart(app, 'test', namespace === undefined ? {} : { namespace });
}

/** What `cdk8s synth` writes for a chart, as plain objects. */
export const synth = (c: Chart): Manifest[] => Testing.synth(c) as Manifest[];

/** A plain copy: what an object looks like once written as YAML or JSON. */
export const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function seed(file: string): { ws: Workspace; plan: WorkspacePlan } {
  const ws = parseWorkspace(readFileSync(seedPath(file), 'utf8'));
  return { ws, plan: planWorkspace(ws) };
}

/** What `kaito render ARGS... -o json` prints (run in-process), as plain objects. */
export function kaitoRender(args: readonly string[]): Manifest[] {
  let out = '';
  let err = '';
  const code = runCli(['render', ...args, '-o', 'json'], {
    readFile: (path) => readFileSync(path, 'utf8'),
    readStdin: () => '',
    stdout: (text) => (out += text),
    stderr: (text) => (err += text),
  });
  if (code !== 0) throw new Error(`kaito render ${args.join(' ')} exited ${code}: ${out}${err}`);
  return (JSON.parse(out) as { items: Manifest[] }).items;
}

/** The openAPIV3Schema of a CRD file, for a version (the first one when not given). */
export function crdSchema(file: string, version?: string): JSONSchemaProps {
  const crd = parse(readFileSync(join(ROOT, file), 'utf8')) as {
    spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: JSONSchemaProps } }> };
  };
  const v = version === undefined ? crd.spec.versions[0] : crd.spec.versions.find((x) => x.name === version);
  if (v === undefined) throw new Error(`${file} has no version ${version}`);
  return v.schema.openAPIV3Schema;
}

/** Errors and warnings (unknown fields) of a manifest against a CRD schema. */
export const structureProblems = (schema: JSONSchemaProps, manifest: unknown): Problem[] =>
  checkStructure(schema, manifest);

/** `Kind/namespace/name` of each manifest. */
export const ids = (manifests: readonly Manifest[]): string[] =>
  manifests.map((m) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`);

/** The error a function throws (fails the test when it throws none). */
export function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

/*
 * ManagedClustersAgentPool (containerservice.azure.com/v20250801) as ASO's generated API defines the fields
 * GpuNodePool writes (names, types, enums, lengths). No package ships ASO's CRDs, so this is
 * the structural part of its schema for those fields, written from v2/api/containerservice/v20250801.
 */
const str: JSONSchemaProps = { type: 'string' };
const int: JSONSchemaProps = { type: 'integer' };
const strings: JSONSchemaProps = { type: 'array', items: str };
const stringMap: JSONSchemaProps = { type: 'object', additionalProperties: str };
export const ASO_AGENT_POOL: JSONSchemaProps = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string', enum: ['containerservice.azure.com/v20250801'] },
    kind: { type: 'string', enum: ['ManagedClustersAgentPool'] },
    metadata: {
      type: 'object',
      required: ['name', 'namespace'],
      properties: { name: str, namespace: str, labels: stringMap },
    },
    spec: {
      type: 'object',
      required: ['owner'],
      properties: {
        azureName: { type: 'string', minLength: 1, maxLength: 12 },
        owner: { type: 'object', required: ['name'], properties: { name: str, armId: str } },
        vmSize: str,
        count: int,
        enableAutoScaling: { type: 'boolean' },
        minCount: int,
        maxCount: int,
        mode: { type: 'string', enum: ['Gateway', 'System', 'User'] },
        osType: { type: 'string', enum: ['Linux', 'Windows'] },
        osSKU: {
          type: 'string',
          enum: ['AzureLinux', 'AzureLinux3', 'CBLMariner', 'Ubuntu', 'Ubuntu2204', 'Windows2019', 'Windows2022'],
        },
        nodeLabels: stringMap,
        nodeTaints: strings,
        gpuProfile: { type: 'object', properties: { driver: { type: 'string', enum: ['Install', 'None'] } } },
        gpuInstanceProfile: { type: 'string', enum: ['MIG1g', 'MIG2g', 'MIG3g', 'MIG4g', 'MIG7g'] },
      },
    },
  },
};
