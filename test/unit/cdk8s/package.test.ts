import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { validateWorkspace } from '../../../src/api';
import { renderOperator } from '../../../src/render';
import { ASO_AGENT_POOL, ROOT, crdSchema, ids, plain, structureProblems, type Manifest } from './helpers';

/*
 * The README's cdk8s example in a new project: the package built and packed (`npm pack` of its files),
 * installed offline with the cdk8s peer
 * dependencies (from the npm cache `npm ci` filled, pinned to our lockfile like test/package/pack.test.ts),
 * compiled with strict TypeScript, run, and its manifests checked.
 */

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let work: string;
let manifests: Manifest[];

/** The TypeScript block of the README's "cdk8s" section. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## cdk8s\n'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (match === null) throw new Error('README.md has no TypeScript example in its cdk8s section');
  return match[1];
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kaito-cdk8s-pack-'));
  // The package's files, built into a staging directory (not lib/, which other tests may be building).
  const stage = join(work, 'stage');
  mkdirSync(stage);
  for (const file of ['package.json', 'README.md', 'LICENSE']) copyFileSync(join(ROOT, file), join(stage, file));
  cpSync(join(ROOT, 'crds'), join(stage, 'crds'), { recursive: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(stage, 'lib')], {
    encoding: 'utf8',
  });
  const packed = execFileSync(npm, ['pack', '--ignore-scripts', '--pack-destination', work, '--json'], {
    cwd: stage,
    encoding: 'utf8',
  });
  const tarball = (JSON.parse(packed.slice(packed.indexOf('['))) as Array<{ filename: string }>)[0].filename;
  const project = join(work, 'app');
  mkdirSync(project);
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const versions = Object.fromEntries(
    Object.entries(lock.packages)
      .filter(([path, entry]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && entry.version)
      .map(([path, entry]) => [path.slice('node_modules/'.length), entry.version as string]),
  );
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', private: true, overrides: versions }),
  );
  const peers = ['cdk8s', 'cdk8s-plus-28', 'constructs'].map((name) => `${name}@${versions[name]}`);
  execFileSync(npm, ['install', '--offline', '--no-audit', '--no-fund', join(work, tarball), ...peers], {
    cwd: project,
    encoding: 'utf8',
  });
  writeFileSync(join(project, 'main.ts'), readmeExample());
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'node16',
        moduleResolution: 'node16',
        target: 'es2022',
        types: [],
        skipLibCheck: true,
      },
      files: ['main.ts'],
    }),
  );
  execFileSync(process.execPath, [tsc, '-p', project], {
    cwd: project,
    encoding: 'utf8',
  });
  execFileSync(process.execPath, ['main.js'], { cwd: project, encoding: 'utf8' });
  const dist = join(project, 'dist');
  manifests = readdirSync(dist)
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dist, f), 'utf8')).map((d) => d.toJS() as Manifest));
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the README example synthesizes the operator, the node pool and the Workspace', () => {
  expect(ids(manifests)).toEqual([
    ...ids(plain(renderOperator()) as Manifest[]),
    'ManagedClustersAgentPool/default/gpu',
    'Workspace/default/phi-3',
  ]);
  expect(manifests.slice(0, 9)).toEqual(plain(renderOperator()));
});

test('its manifests are valid: the Workspace for the CRD and the validator, the pool for ASO', () => {
  const [pool, workspace] = manifests.slice(9);
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
  for (const m of manifests) {
    const model = models[`${m.apiVersion}/${m.kind}`];
    if (model === undefined) continue;
    const Model = await model();
    expect(() => new Model(m).validate()).not.toThrow();
    checked++;
  }
  expect(checked).toBe(4);
});
