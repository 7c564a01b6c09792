import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, installProject, node, packPackage, removeAll, scratchDir } from './support/project';

/*
 * The package as users get it: packed, installed into an empty project with `npm ci --offline` (see
 * support/project.ts), then imported and run through its bins.
 */

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
let project: string;

beforeAll(() => {
  const work = scratchDir('kaito-pack-');
  project = join(work, 'app');
  installProject(project, { tarball: packPackage(work) });
}, 240_000);

afterAll(removeAll);

test('the package ships lib, crds, types, README and LICENSE, and no tests or sources', () => {
  const installed = join(project, 'node_modules', 'kaito-constructs');
  expect(readdirSync(installed).sort()).toEqual(['LICENSE', 'README.md', 'crds', 'lib', 'package.json']);
  expect(readdirSync(join(installed, 'lib')).sort()).toEqual([
    'api',
    'catalog',
    'cdk8s',
    'cli',
    'index.d.ts',
    'index.js',
    'index.js.map',
    'plan',
    'pulumi',
    'reconciler',
    'render',
  ]);
});

test('only the runtime dependencies are installed with it: no cdk8s, no Pulumi', () => {
  const top = readdirSync(join(project, 'node_modules')).filter((n) => !n.startsWith('.'));
  expect(top).toEqual(expect.arrayContaining(['kaito-constructs', 'yaml', 'kubernetes-types', '@kubernetes']));
  expect(top.filter((n) => ['cdk8s', 'constructs', '@pulumi', 'typescript', 'prom-client'].includes(n))).toEqual([]);
});

test('import { planWorkspace } from "kaito-constructs" works in a fresh project', () => {
  const script = `
    const { parseWorkspace, planWorkspace } = require('kaito-constructs');
    const ws = parseWorkspace({
      apiVersion: 'kaito.sh/v1alpha1', kind: 'Workspace', metadata: { name: 'w' },
      resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'w' } } },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    const plan = planWorkspace(ws);
    console.log(JSON.stringify([plan.nodeCount, plan.gpusPerNode, plan.dtype]));
  `;
  expect(JSON.parse(node(project, ['-e', script]))).toEqual([1, 1, 'float16']);
});

test('npx kaito validate runs from the installed bin', () => {
  const seed = join(ROOT, 'test', 'fixtures', 'seed', 'phi-3-mini-inference.yaml');
  copyFileSync(seed, join(project, 'ws.yaml'));
  const ok = spawnSync(npm, ['exec', '--offline', '--', 'kaito', 'validate', 'ws.yaml'], {
    cwd: project,
    encoding: 'utf8',
  });
  expect([ok.status, ok.stdout]).toEqual([0, 'ws.yaml: valid (Workspace workspace-phi-3-mini, kaito.sh/v1alpha1)\n']);
  writeFileSync(join(project, 'bad.yaml'), 'apiVersion: kaito.sh/v1beta1\nkind: Workspace\nmetadata: {name: b}\n');
  const bad = spawnSync(npm, ['exec', '--offline', '--', 'kaito', 'validate', 'bad.yaml'], {
    cwd: project,
    encoding: 'utf8',
  });
  expect([bad.status, bad.stdout]).toEqual([1, 'bad.yaml: resource: required value\n']);
});

test('kaito --version, -v and version print the installed package version', () => {
  for (const flag of ['--version', '-v', 'version']) {
    const run = spawnSync(npm, ['exec', '--offline', '--', 'kaito', flag], { cwd: project, encoding: 'utf8' });
    expect([flag, run.status, run.stdout]).toEqual([flag, 0, `kaito ${version}\n`]);
  }
});

test('kaito-reconciler --help runs from the installed bin', () => {
  const run = spawnSync(npm, ['exec', '--offline', '--', 'kaito-reconciler', '--help'], {
    cwd: project,
    encoding: 'utf8',
  });
  expect(run.status).toBe(0);
  expect(run.stdout.split('\n')[0]).toBe('Usage: kaito-reconciler [flags]');
});
