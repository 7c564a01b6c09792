import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RECONCILER_IMAGE_REPOSITORY } from '../../src/render/operator';

/*
 * The GitHub workflows, checked by actionlint (built from its Go module by scripts/go-tool.sh) with
 * shellcheck on the `run:` scripts.
 */

const ROOT = join(__dirname, '../..');
const WORKFLOWS = join(ROOT, '.github/workflows');
let actionlint: string;

beforeAll(() => {
  const r = spawnSync('bash', [join(ROOT, 'scripts/go-tool.sh'), 'path', 'actionlint'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not build actionlint: ${r.stderr}`);
  actionlint = r.stdout.trim();
  if (spawnSync('shellcheck', ['--version']).status !== 0) {
    throw new Error('shellcheck is not installed (apt-get install shellcheck): actionlint checks run: scripts with it');
  }
}, 600_000);

const lint = (args: readonly string[], input?: string) =>
  spawnSync(actionlint, ['-no-color', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    ...(input !== undefined ? { input } : {}),
  });

test('actionlint finds nothing in .github/workflows', () => {
  const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith('.yml'));
  expect(files).toEqual(['release.yml']);
  const r = lint(files.map((f) => join(WORKFLOWS, f)));
  expect([r.status, r.stdout, r.stderr]).toEqual([0, '', '']);
});

test('actionlint does report a broken workflow (the check can fail)', () => {
  const broken =
    'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo "${{ github.nope }}"\n';
  const r = lint(['-'], broken);
  expect(r.status).toBe(1);
  expect(r.stdout).toContain('property "nope" is not defined in object type');
});

test('the release pushes the image the operator bundle deploys: <repository>:<package version>', () => {
  const workflow = parse(readFileSync(join(WORKFLOWS, 'release.yml'), 'utf8')) as {
    on: { push: { tags: string[] } };
    jobs: Record<string, { needs?: string; steps: Array<{ run?: string; name?: string }> }>;
  };
  expect(workflow.on.push.tags).toEqual(['v*.*.*']);
  expect([workflow.jobs.npm!.needs, workflow.jobs.image!.needs]).toEqual(['test', 'test']);
  const runs = (job: string) => workflow.jobs[job]!.steps.map((s) => s.run ?? '').join('\n');
  expect(runs('test')).toContain('bash .ci/run');
  expect(runs('npm')).toContain('npm publish --provenance');
  expect(runs('image')).toContain('npm run image:build');
  expect(runs('image')).toContain(`reference="${RECONCILER_IMAGE_REPOSITORY}:\${version}"`);
});
