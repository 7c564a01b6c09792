import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * The package as users get it: `npm pack`, installed into an empty project (offline, from the npm cache
 * that `npm ci` filled), then imported and run through its bin.
 */

const root = join(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kaito-pack-'));
  const packed = execFileSync(npm, ['pack', '--pack-destination', work, '--json'], { cwd: root, encoding: 'utf8' });
  const tarball = (JSON.parse(packed.slice(packed.indexOf('['))) as Array<{ filename: string }>)[0].filename;
  const project = join(work, 'app');
  execFileSync('mkdir', ['-p', project]);
  // Offline, npm can only install what `npm ci` cached: pin the fresh project to the versions our lockfile
  // resolved (otherwise npm picks the newest version of a transitive dependency, which is not cached).
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const overrides = Object.fromEntries(
    Object.entries(lock.packages)
      .filter(([path, entry]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && entry.version)
      .map(([path, entry]) => [path.slice('node_modules/'.length), entry.version]),
  );
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', private: true, overrides }),
  );
  execFileSync(npm, ['install', '--offline', '--no-audit', '--no-fund', join(work, tarball)], {
    cwd: project,
    encoding: 'utf8',
  });
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the package ships lib, crds, types, README and LICENSE, and no tests or sources', () => {
  const installed = join(work, 'app', 'node_modules', 'kaito-constructs');
  const top = readdirSync(installed).sort();
  expect(top).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'lib', 'package.json']));
  expect(top).not.toContain('src');
  expect(top).not.toContain('test');
  expect(readdirSync(join(installed, 'lib'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts', 'cli']));
});

test('import { planWorkspace } from "kaito-constructs" works in a fresh project', () => {
  const project = join(work, 'app');
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
  const out = execFileSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8' });
  expect(JSON.parse(out)).toEqual([1, 1, 'float16']);
});

test('npx kaito validate runs from the installed bin', () => {
  const project = join(work, 'app');
  const seed = join(root, 'test', 'fixtures', 'seed', 'phi-3-mini-inference.yaml');
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
