import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError, checkWorkspaces, parseWorkspaces, validateWorkspace } from '../../src';
import { runCli, type CliIo } from '../../src/cli';
import { generateCases, type FuzzCase } from './generate';

/*
 * The fuzz suite: generated bad inputs (./generate.ts) with a fixed seed, through the CLI (in process, through
 * its main function, and a few through the real bin) and the library. For every case: exit 0 or 1, never a
 * crash; on exit 1 every line names its file and a field path (or a line and column); no stack trace; the error
 * a case must cause is there; each case within a time bound, the whole run within a memory bound.
 *
 *   npm test                                  400 cases, a few seconds
 *   KAITO_FUZZ_CASES=20000 npx jest test/fuzz the larger run
 *   KAITO_FUZZ_SEED=7 ...                     another seed (a failure names its seed and case number)
 */

const SEED = Number(process.env.KAITO_FUZZ_SEED ?? 20261202);
const CASES = Number(process.env.KAITO_FUZZ_CASES ?? 400);
/**
 * Per case. An input refused early takes milliseconds; the largest the limits let through (several documents,
 * 3 MiB in all) takes the YAML parser a few seconds on a loaded machine. Before the limits, one input ran for
 * minutes until the heap gave out.
 */
const CASE_MS = 10_000;
/** The test process as a whole, Jest included: one unbounded input alone took 4 GB. */
const PEAK_RSS_BYTES = 1.5 * 1024 ** 3;

const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|native\)?)$/m;
/** `f.yaml: path: message`, `f.yaml#2: ...` (later documents) or `f.yaml:3:5: ...` (the text itself). */
const ERROR_LINE = /^f\.yaml(#\d+|:\d+:\d+)?: \S/;

function cli(argv: readonly string[], text: string) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    readFile: () => text,
    readStdin: () => text,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  };
  return { code: runCli(argv, io), stdout, stderr };
}

/** What is wrong with the CLI's answer to a case, if anything. */
function cliProblems(c: FuzzCase, result: ReturnType<typeof cli>): string[] {
  const out: string[] = [];
  if (result.code !== 0 && result.code !== 1) out.push(`exit code ${result.code}`);
  const all = result.stdout + result.stderr;
  if (STACK_LINE.test(all)) out.push('a stack trace');
  if (all.includes('internal error')) out.push('an internal error');
  if (result.code === 1) {
    const lines = result.stdout.split('\n').filter(Boolean);
    if (lines.length === 0) out.push('exit 1 without an error line');
    const bad = lines.filter((l) => !ERROR_LINE.test(l));
    if (bad.length > 0) out.push(`lines that name no file: ${JSON.stringify(bad.slice(0, 2))}`);
  }
  const warnings = result.stderr.split('\n').filter(Boolean);
  if (warnings.some((l) => !/^f\.yaml(#\d+|:\d+:\d+)?: warning: /.test(l))) out.push('stderr that is not a warning');
  if (c.expect !== undefined && (result.code !== 1 || !result.stdout.includes(c.expect))) {
    out.push(`expected exit 1 with ${JSON.stringify(c.expect)}, got ${result.code}: ${result.stdout.slice(0, 300)}`);
  }
  return out;
}

/** The library either answers or throws its own ValidationError (text: parseWorkspaces; objects: all). */
function libraryProblems(input: string | object): string[] {
  const out: string[] = [];
  if (typeof input !== 'string') {
    try {
      checkWorkspaces(input);
      validateWorkspace(input);
    } catch (e) {
      out.push(`checkWorkspaces/validateWorkspace threw ${String(e)}`);
    }
  }
  try {
    parseWorkspaces(input);
  } catch (e) {
    if (!(e instanceof ValidationError)) out.push(`parseWorkspaces threw ${String(e)}`);
    else if (e.problems.length === 0) out.push('a ValidationError without problems');
  }
  return out;
}

describe(`fuzz: ${CASES} generated bad inputs (seed ${SEED})`, () => {
  test('the generator is deterministic and covers what the suite claims', () => {
    const first = [...generateCases(SEED, 400)];
    expect([...generateCases(SEED, 50)].map((c) => c.description)).toEqual(
      first.slice(0, 50).map((c) => c.description),
    );
    const described = first.map((c) => c.description).join('\n');
    for (const kind of [
      '= null',
      'delete ',
      'levels of',
      'characters>',
      'items',
      'added',
      'billion laughs',
      'undefined alias',
      'duplicate key',
      'over 3 MiB',
      'documents',
    ]) {
      expect([kind, described.includes(kind)]).toEqual([kind, true]);
    }
    // Enough cases carry the error they must cause for the oracle to mean something.
    expect(first.filter((c) => c.expect !== undefined).length).toBeGreaterThan(100);
  });

  test('every case: exit 0 or 1 with file and field path, no stack trace, the expected error, bounded time', () => {
    const failures: string[] = [];
    let i = 0;
    for (const c of generateCases(SEED, CASES)) {
      const started = performance.now();
      const problems = [
        ...cliProblems(c, cli(['validate', 'f.yaml'], c.text)),
        ...(i % 4 === 0
          ? cliProblems({ ...c, expect: undefined }, cli(['render', '--mode', 'direct', 'f.yaml'], c.text))
          : []),
        ...libraryProblems(c.text),
        ...(c.value === undefined ? [] : libraryProblems(c.value as object)),
      ];
      const ms = performance.now() - started;
      if (ms > CASE_MS) problems.push(`took ${Math.round(ms)} ms`);
      if (problems.length > 0) failures.push(`case ${i} (seed ${SEED}) ${c.description}: ${problems.join('; ')}`);
      i++;
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(process.resourceUsage().maxRSS * 1024).toBeLessThan(PEAK_RSS_BYTES);
  });
});

describe('fuzz: through the real kaito bin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kaito-fuzz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // The sources through ts-node, so no build is needed; the heap capped well below what one bomb used to take.
  const kaito = (args: readonly string[]) => {
    const { NODE_OPTIONS: _vm, ...env } = process.env;
    try {
      const stdout = execFileSync(
        process.execPath,
        [
          '--max-old-space-size=128',
          '-r',
          'ts-node/register/transpile-only',
          join(__dirname, '../../src/cli/main.ts'),
          ...args,
        ],
        { cwd: join(__dirname, '../..'), env, encoding: 'utf8', stdio: 'pipe' },
      );
      return { code: 0, stdout, stderr: '' };
    } catch (e) {
      const r = e as { status: number | null; stdout: string; stderr: string };
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    }
  };

  // One process (starting one costs seconds here): hostile files, each one line; a 50 MB file read no further
  // than the limit.
  test('hostile files and a 50 MB file of 900,000 adapters: one line each, exit 1, fast, no stack trace', () => {
    const files: Record<string, string> = {
      'laughs.yaml': [...generateCases(SEED, 400)].find((c) => c.description.endsWith('billion laughs'))!.text,
      'nope.yaml': 'apiVersion: kaito.sh/v1beta1\nkind: Workspace\nx: *nope\n',
      'deep.yaml': `a: ${'['.repeat(1000)}${']'.repeat(1000)}\n`,
      'count.yaml':
        'apiVersion: kaito.sh/v1beta1\nkind: Workspace\nmetadata: {name: phi}\nresource: {count: 1e15, instanceType: Standard_NC24ads_A100_v4, labelSelector: {matchLabels: {apps: phi}}}\ninference: {preset: {name: phi-3-mini-4k-instruct}}\n',
      'lb.yaml':
        'apiVersion: kaito.sh/v1beta1\nkind: Workspace\nmetadata: {name: phi, annotations: {kaito.sh/enablelb: True}}\nresource: {instanceType: Standard_NC24ads_A100_v4, labelSelector: {matchLabels: {apps: phi}}}\ninference: {preset: {name: phi-3-mini-4k-instruct}}\n',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const head =
      'apiVersion: kaito.sh/v1beta1\nkind: Workspace\nmetadata: {name: phi}\nresource: {instanceType: Standard_NC24ads_A100_v4, labelSelector: {matchLabels: {apps: phi}}}\ninference:\n  preset: {name: phi-3-mini-4k-instruct}\n  adapters:\n';
    const adapter = (i: number) => `  - {source: {name: a${i}, image: r.io/a}, strength: "1"}\n`;
    const file = join(dir, 'big.yaml');
    writeFileSync(file, head + Array.from({ length: 900_000 }, (_, i) => adapter(i)).join(''));
    const started = Date.now();
    const result = kaito(['validate', file, ...Object.keys(files).map((f) => join(dir, f))]);
    expect([result.code, result.stdout.replaceAll(`${dir}/`, ''), result.stderr]).toEqual([
      1,
      [
        "big.yaml: input is larger than 3 MiB (3145728 bytes), the limit (the Kubernetes API server's request size limit); split it into several files",
        'laughs.yaml: YAML aliases expand to more than 100 nodes, the limit; write the repeated values out',
        'nope.yaml:3:4: alias *nope has no anchor &nope before it',
        'deep.yaml:1:139: nested more than 64 levels deep, the limit',
        'count.yaml: resource.count: must be less than or equal to 1000, got 1000000000000000',
        'lb.yaml: metadata.annotations[kaito.sh/enablelb]: must be of type string, got boolean true',
        '',
      ].join('\n'),
      '',
    ]);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});
