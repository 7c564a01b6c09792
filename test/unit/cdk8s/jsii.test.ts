import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers';

/*
 * The cdk8s face compiles with jsii, the compiler that makes cdk8s construct libraries usable from Python,
 * Go, Java and .NET: its public API may use only what those languages can take (classes, interfaces,
 * string-keyed maps, `T[]` arrays, string unions of jsii types, no mapped, literal or intersection types).
 * jsii compiles a package, so the face and the core modules it imports are copied into a scratch package
 * whose entry point is src/cdk8s/index.ts, with this project's node_modules linked in; no language
 * bindings are generated (no targets). 10 s on an idle two-core machine, 40 s on a busy one.
 */

/** The folders of src/ the cdk8s face is built from (it never imports the other faces). */
const FACE_SOURCES = ['api', 'catalog', 'plan', 'render', 'cdk8s'];
const PEERS = ['cdk8s', 'cdk8s-plus-28', 'constructs'];

interface Diagnostic {
  readonly file: string;
  readonly category: 'error' | 'warning';
  readonly code: string;
  readonly message: string;
}

let dir: string;
let diagnostics: Diagnostic[];
let status: number | null;
let summary: string;

function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kaito-jsii-'));
  for (const folder of FACE_SOURCES) cpSync(join(ROOT, 'src', folder), join(dir, 'src', folder), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  cpSync(join(ROOT, 'README.md'), join(dir, 'README.md'));
  const peers = Object.fromEntries(PEERS.map((p) => [p, installedVersion(p)]));
  const pkg = {
    name: 'kaito-constructs-cdk8s',
    version: '0.0.0',
    description: 'The cdk8s face of kaito-constructs, compiled by jsii.',
    license: 'Apache-2.0',
    author: { name: 'kaito-constructs', roles: ['author'] },
    repository: { type: 'git', url: 'https://github.com/kaito-constructs/kaito-constructs.git' },
    main: 'lib/cdk8s/index.js',
    types: 'lib/cdk8s/index.d.ts',
    peerDependencies: Object.fromEntries(PEERS.map((p) => [p, `^${peers[p]}`])),
    devDependencies: peers,
    jsii: { outdir: 'dist', targets: {}, tsc: { rootDir: 'src', outDir: 'lib' } },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'jsii', 'bin', 'jsii'), dir], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  status = run.status;
  const output = `${run.stdout}\n${run.stderr}`;
  summary = output.split('\n').find((l) => l.startsWith('Errors: ')) ?? output;
  diagnostics = output.split('\n').flatMap((line): Diagnostic[] => {
    const m = /^(?:(\S+):\d+:\d+ - )?(error|warning) (JSII\d+|TS\d+): (.*)$/.exec(line);
    return m === null ? [] : [{ file: m[1] ?? '', category: m[2] as 'error' | 'warning', code: m[3]!, message: m[4]! }];
  });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('jsii compiles the cdk8s face without errors', () => {
  expect(diagnostics.filter((d) => d.category === 'error')).toEqual([]);
  expect(summary).toMatch(/^Errors: 0 \| Warnings: \d+/);
  expect(status).toBe(0);
});

test('the only warnings are names some languages reserve, which cdk8s itself uses (namespace, operator)', () => {
  const warnings = diagnostics.filter((d) => d.category === 'warning');
  expect(warnings.length).toBeGreaterThan(0);
  for (const w of warnings) {
    expect(w.code).toBe('JSII5018');
    expect(w.message).toMatch(/^"(namespace|operator)" is a reserved word in C#\./);
  }
});

interface AssemblyType {
  readonly kind: string;
  readonly base?: string;
  readonly properties?: readonly { readonly name: string; readonly type: unknown; readonly optional?: boolean }[];
}

test('the assembly holds the five constructs with their props; WorkspaceObjects is TypeScript only', () => {
  const assembly = JSON.parse(readFileSync(join(dir, '.jsii'), 'utf8')) as { types: Record<string, AssemblyType> };
  const type = (name: string): AssemblyType => assembly.types[`kaito-constructs-cdk8s.${name}`]!;
  const classes = Object.keys(assembly.types).filter((fqn) => assembly.types[fqn]!.kind === 'class');
  expect(classes.sort()).toEqual(
    ['GpuNodePool', 'InferenceService', 'KaitoOperator', 'KaitoWorkspace', 'TuningJob'].map(
      (c) => `kaito-constructs-cdk8s.${c}`,
    ),
  );
  for (const c of classes) expect(assembly.types[c]!.base).toBe('constructs.Construct');
  const prop = (t: string, name: string) => type(t).properties?.find((p) => p.name === name);
  expect(prop('GpuNodePoolProps', 'provider')).toMatchObject({ type: { primitive: 'string' } });
  expect(prop('GpuNodePoolProps', 'nodeTaints')).toMatchObject({
    optional: true,
    type: { collection: { kind: 'array', elementtype: { primitive: 'string' } } },
  });
  expect(prop('KaitoWorkspaceProps', 'resource')).toMatchObject({
    type: { fqn: 'kaito-constructs-cdk8s.WorkspaceResource' },
  });
  expect(prop('WorkspaceInference', 'template')).toMatchObject({ type: { fqn: 'cdk8s-plus-28.k8s.PodTemplateSpec' } });
  expect(prop('InferenceService', 'warnings')).toMatchObject({
    type: { collection: { kind: 'array', elementtype: { fqn: 'kaito-constructs-cdk8s.ValidationProblem' } } },
  });
  // The TypeScript-only members (the core's internal model and catalogs) are not in the assembly.
  expect(prop('InferenceService', 'workspace')).toBeUndefined();
  expect(prop('WorkloadProps', 'presets')).toBeUndefined();
});
