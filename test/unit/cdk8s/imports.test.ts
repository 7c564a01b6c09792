import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers';

/*
 * imports/ is what `npm run import` (cdk8s import of the CRD files cdk8s.yaml lists) generates, offline.
 * Regenerating it into a temporary directory must give the same files: a CRD changed without
 * `npm run import` fails here.
 */

const CLI = join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');

test('imports/ is up to date with the CRD files (npm run import)', () => {
  const out = mkdtempSync(join(tmpdir(), 'kaito-imports-'));
  try {
    execFileSync(process.execPath, [CLI, 'import', '--no-check-upgrade', '--output', out], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    const files = readdirSync(join(ROOT, 'imports')).sort();
    expect(readdirSync(out).sort()).toEqual(files);
    expect(files).toEqual(['kaito.sh.ts', 'karpenter-nodeclaim-karpenter.sh.ts', 'karpenter-nodepool-karpenter.sh.ts']);
    for (const file of files) {
      expect([file, readFileSync(join(out, file), 'utf8')]).toEqual([
        file,
        readFileSync(join(ROOT, 'imports', file), 'utf8'),
      ]);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 60_000);

test('the Workspace classes: v1alpha1 is named plainly by cdk8s import, the constructs emit v1beta1 on purpose', () => {
  const text = readFileSync(join(ROOT, 'imports', 'kaito.sh.ts'), 'utf8');
  expect(text).toContain("apiVersion: 'kaito.sh/v1alpha1',\n    kind: 'Workspace',");
  expect(text).toContain('export class WorkspaceV1Beta1 extends ApiObject');
  expect(text).toContain("apiVersion: 'kaito.sh/v1beta1',\n    kind: 'Workspace',");
});
