import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';
import { runProgram, type NormalizedResource } from './harness';

/*
 * The README's Pulumi example in a new project: the package packed and installed offline with the Pulumi
 * peer dependencies (from the npm cache `npm ci` filled, pinned to our lockfile like
 * test/package/pack.test.ts), the example compiled with strict TypeScript against the installed typings,
 * run under the same mocks as here, and its resource graph compared with the graph the same example
 * declares from the sources.
 *
 * The package is built into a staging directory (not lib/) and packed from there with the files `npm pack`
 * would take, so that this test does not race other tests that pack the repository.
 */

const ROOT = join(__dirname, '..', '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let work: string;
let packed: { graph: NormalizedResource[]; url: string };

/** The TypeScript block of the README's "Pulumi" section. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Pulumi\n'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (match === null) throw new Error('README.md has no TypeScript example in its Pulumi section');
  return match[1];
}

const toCommonJs = (source: string): string =>
  ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;

type Overrides = { [name: string]: string | Overrides };

/**
 * npm `overrides` that pin the new project to the versions our lockfile resolved, nested where the lockfile
 * nests a second version of a package under another (minipass 3 under minipass-pipeline, for one): offline,
 * npm can only install what `npm ci` cached.
 */
function lockedVersions(): { overrides: Overrides; versions: Record<string, string> } {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; link?: boolean }>;
  };
  const overrides: Overrides = {};
  const versions: Record<string, string> = {};
  const entries = Object.entries(lock.packages).filter(([path, e]) => path.startsWith('node_modules/') && e.version);
  // Parents before children.
  entries.sort(([a], [b]) => a.split('node_modules/').length - b.split('node_modules/').length);
  for (const [path, entry] of entries) {
    const names = path
      .split('node_modules/')
      .slice(1)
      .map((n) => n.replace(/\/$/, ''));
    if (names.length === 1) versions[names[0]] = entry.version!;
    let tree = overrides;
    for (const name of names.slice(0, -1)) {
      const node = tree[name];
      tree = typeof node === 'object' ? node : (tree[name] = node === undefined ? {} : { '.': node });
    }
    const leaf = names.at(-1)!;
    const node = tree[leaf];
    if (typeof node === 'object') node['.'] = entry.version!;
    else tree[leaf] = entry.version!;
  }
  return { overrides, versions };
}

function pack(): string {
  const stage = join(work, 'stage');
  mkdirSync(stage);
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(stage, 'lib')]);
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  for (const entry of ['package.json', ...manifest.files.filter((f) => f !== 'lib/')]) {
    if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(stage, entry), { recursive: true });
  }
  const out = execFileSync(npm, ['pack', '--ignore-scripts', '--pack-destination', work, '--json'], {
    cwd: stage,
    encoding: 'utf8',
  });
  return join(work, (JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string }>)[0].filename);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kaito-pulumi-pack-'));
  const tarball = pack();
  const project = join(work, 'app');
  mkdirSync(project);
  const { overrides, versions } = lockedVersions();
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', private: true, overrides }),
  );
  const peers = ['@pulumi/pulumi', '@pulumi/kubernetes', '@pulumi/azure-native'].map((n) => `${n}@${versions[n]}`);
  execFileSync(npm, ['install', '--offline', '--no-audit', '--no-fund', tarball, ...peers], {
    cwd: project,
    encoding: 'utf8',
  });
  // The example as a user writes it, type-checked against the installed package.
  writeFileSync(join(project, 'index.ts'), readmeExample());
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
      files: ['index.ts'],
    }),
  );
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], {
    cwd: project,
    encoding: 'utf8',
  });
  // The same mock harness, run in the new project against its own @pulumi/pulumi.
  writeFileSync(join(project, 'harness.js'), toCommonJs(readFileSync(join(__dirname, 'harness.ts'), 'utf8')));
  writeFileSync(
    join(project, 'run.js'),
    `const { runProgram } = require('./harness.js');
     let program;
     runProgram(() => { program = require('./index.js'); }).then(({ graph, error }) => {
       if (error) throw error;
       program.url.apply((url) => console.log(JSON.stringify({ graph: graph.normalized(), url })));
     });`,
  );
  const out = execFileSync(process.execPath, ['run.js'], { cwd: project, encoding: 'utf8' });
  packed = JSON.parse(out.trim().split('\n').at(-1)!) as typeof packed;
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the README example declares the node pool, the operator and the inference Workspace', () => {
  expect(packed.graph.map((r) => `${r.type} ${r.name}`)).toEqual([
    'kaito-constructs:index:GpuNodePool gpu',
    'azure-native:containerservice:AgentPool gpu-agentpool-gpu',
    'kaito-constructs:index:KaitoOperator kaito',
    'kubernetes:rbac.authorization.k8s.io/v1:ClusterRole kaito-clusterrole-kaito-reconciler',
    'kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding kaito-clusterrolebinding-kaito-reconciler',
    'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition kaito-customresourcedefinition-workspaces.kaito.sh',
    'kubernetes:apps/v1:Deployment kaito-deployment-kaito-reconciler',
    'kubernetes:core/v1:Namespace kaito-namespace-kaito-system',
    'kubernetes:rbac.authorization.k8s.io/v1:Role kaito-role-kaito-reconciler-leader-election',
    'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding kaito-rolebinding-kaito-reconciler-leader-election',
    'kubernetes:core/v1:Service kaito-service-kaito-reconciler-metrics',
    'kubernetes:core/v1:ServiceAccount kaito-serviceaccount-kaito-reconciler',
    'kaito-constructs:index:InferenceService phi-3',
    'kaito-constructs:index:KaitoWorkspace phi-3',
    'kubernetes:kaito.sh/v1beta1:Workspace phi-3-workspace-phi-3',
  ]);
  expect(packed.url).toBe('http://phi-3.default.svc.cluster.local:80');
  const workspace = packed.graph.find((r) => r.name === 'phi-3-workspace-phi-3')!;
  expect(workspace.parent).toBe('phi-3');
  expect(workspace.dependsOn).toEqual(['gpu-agentpool-gpu', 'kaito-customresourcedefinition-workspaces.kaito.sh']);
  expect(workspace.inputs.resource).toEqual({
    labelSelector: { matchLabels: { 'kubernetes.azure.com/agentpool': 'gpu' } },
  });
});

test('the installed package declares the same graph as the sources, resource by resource', async () => {
  const exports: { url?: unknown } = {};
  const module = { exports };
  const local = (id: string): unknown =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    id === 'kaito-constructs/pulumi' ? require('../../../src/pulumi') : require(id);
  const run = await runProgram(() =>
    new Function('require', 'exports', 'module', toCommonJs(readmeExample()))(local, exports, module),
  );
  expect(run.error).toBeUndefined();
  expect(JSON.parse(JSON.stringify(run.graph.normalized()))).toEqual(packed.graph);
});
