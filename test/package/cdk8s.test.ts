import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { validateWorkspace } from '../../src/api';
import { renderOperator } from '../../src/render';
import { ASO_AGENT_POOL, crdSchema, ids, plain, structureProblems, type Manifest } from '../unit/cdk8s/helpers';
import {
  COMMONJS_TSCONFIG,
  NODENEXT_TSCONFIG,
  ROOT,
  TSC_7,
  installProject,
  node,
  packPackage,
  readmeExample,
  removeAll,
  scratchDir,
  tsc5,
} from './support/project';

/*
 * The README's cdk8s example, pasted into three new projects that install the packed package and the cdk8s
 * peers offline: (a) the settings of the cdk8s `typescript-app` template (its tsconfig.json as shipped, run
 * through ts-node as its cdk8s.yaml does), (b) a plain CommonJS project and (c) an ES module project on
 * `nodenext`, each compiled by TypeScript 5 and by TypeScript 7. Every build synthesizes the same manifests.
 */

const CDK8S = ['cdk8s', 'cdk8s-plus-28', 'constructs'];
const TEMPLATE = join(ROOT, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app');
let work: string;
let tarball: string;
const synthesized: Record<string, Manifest[]> = {};

/** What the example wrote to dist/, as plain objects (and dist/ emptied for the next run). */
function readDist(project: string): Manifest[] {
  const dist = join(project, 'dist');
  const manifests = readdirSync(dist)
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dist, f), 'utf8')).map((d) => d.toJS() as Manifest));
  rmSync(dist, { recursive: true });
  return manifests;
}

function project(name: string, tsconfig: object, packageJson: Record<string, unknown> = {}): string {
  const dir = join(work, name);
  installProject(dir, { tarball, with: [...CDK8S, 'typescript', 'ts-node', '@types/node'], packageJson });
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  writeFileSync(join(dir, 'main.ts'), readmeExample('cdk8s'));
  return dir;
}

beforeAll(() => {
  work = scratchDir('kaito-cdk8s-pack-');
  tarball = packPackage(work);

  const template = project('template', JSON.parse(readFileSync(join(TEMPLATE, 'tsconfig.json'), 'utf8')) as object);
  cpSync(join(TEMPLATE, 'cdk8s.yaml'), join(template, 'cdk8s.yaml'));
  node(template, [join(template, 'node_modules', 'ts-node', 'dist', 'bin.js'), 'main.ts']);
  synthesized['template, ts-node'] = readDist(template);

  for (const [name, tsconfig, packageJson] of [
    ['commonjs', COMMONJS_TSCONFIG, {}],
    ['nodenext', NODENEXT_TSCONFIG, { type: 'module' }],
  ] as const) {
    const dir = project(name, tsconfig, packageJson);
    for (const [compiler, tsc] of [
      ['TypeScript 5', tsc5(dir)],
      ['TypeScript 7', TSC_7],
    ]) {
      node(dir, [tsc, '-p', '.']);
      node(dir, ['main.js']);
      synthesized[`${name}, ${compiler}`] = readDist(dir);
    }
  }
}, 600_000);

afterAll(removeAll);

test('the cdk8s template settings ran ts-node on TypeScript 5 as its cdk8s.yaml says', () => {
  expect(readFileSync(join(work, 'template', 'cdk8s.yaml'), 'utf8')).toContain('app: npx ts-node main.ts');
  const ts = JSON.parse(readFileSync(join(work, 'template', 'node_modules', 'typescript', 'package.json'), 'utf8'));
  expect((ts as { version: string }).version).toMatch(/^5\./);
});

test('every project and compiler synthesizes the same manifests', () => {
  expect(Object.keys(synthesized)).toEqual([
    'template, ts-node',
    'commonjs, TypeScript 5',
    'commonjs, TypeScript 7',
    'nodenext, TypeScript 5',
    'nodenext, TypeScript 7',
  ]);
  for (const manifests of Object.values(synthesized)) expect(manifests).toEqual(synthesized['template, ts-node']);
});

test('the README example synthesizes the operator, the node pool and the Workspace', () => {
  const manifests = synthesized['template, ts-node'];
  expect(ids(manifests)).toEqual([
    ...ids(plain(renderOperator()) as Manifest[]),
    'ManagedClustersAgentPool/default/gpu',
    'Workspace/default/phi-3',
  ]);
  expect(manifests.slice(0, renderOperator().length)).toEqual(plain(renderOperator()));
});

test('its manifests are valid: the Workspace for the CRD and the validator, the pool for ASO', () => {
  const [pool, workspace] = synthesized['template, ts-node'].slice(renderOperator().length);
  expect(structureProblems(ASO_AGENT_POOL, pool)).toEqual([]);
  expect(structureProblems(crdSchema('crds/kaito.sh_workspaces.yaml', 'v1beta1'), workspace)).toEqual([]);
  expect(validateWorkspace(workspace)).toEqual([]);
  expect(workspace).toEqual({
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    metadata: { name: 'phi-3', namespace: 'default' },
    resource: { labelSelector: { matchLabels: { 'kubernetes.azure.com/agentpool': 'gpu' } } },
    inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
  });
});

test('the operator objects are valid Kubernetes objects (kubernetes-models)', async () => {
  interface Validatable {
    validate(): void;
  }
  type Model = new (data: object) => Validatable;
  const models: Record<string, () => Promise<Model>> = {
    'v1/Namespace': async () => (await import('kubernetes-models/v1/Namespace')).Namespace as unknown as Model,
    'v1/ServiceAccount': async () =>
      (await import('kubernetes-models/v1/ServiceAccount')).ServiceAccount as unknown as Model,
    'v1/Service': async () => (await import('kubernetes-models/v1/Service')).Service as unknown as Model,
    'apps/v1/Deployment': async () =>
      (await import('kubernetes-models/apps/v1/Deployment')).Deployment as unknown as Model,
  };
  let checked = 0;
  for (const m of synthesized['template, ts-node']) {
    const model = models[`${m.apiVersion}/${m.kind}`];
    if (model === undefined) continue;
    const Model = await model();
    expect(() => new Model(m).validate()).not.toThrow();
    checked++;
  }
  expect(checked).toBe(4);
});
