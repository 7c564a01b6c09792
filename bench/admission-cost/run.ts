/*
 * The CEL cost of the Workspace admission policy, as the API server charges it (the Go program next to this file
 * runs the policy with k8s.io/apiserver v0.35.4's own admission code), on the corpus, the seeds and the largest
 * inputs the CRD lets through. Budgets per request: 10,000,000 for variables, validations and messages together,
 * 1,000,000 per expression, 2,500,000 for the match conditions.
 *
 *   npm run bench:admission-cost        (needs Go, as the cluster suite does; the first build takes minutes)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

import { renderAdmissionPolicy, renderKaitoCatalog } from '../../src/render';

const ROOT = join(__dirname, '..', '..');
const HERE = __dirname;
const GO = process.env.GO ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go');
const BINARY = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kaito-constructs', 'admission-cost');

type Json = Record<string, unknown>;
interface Case {
  name: string;
  operation: 'CREATE' | 'UPDATE';
  object: Json;
  oldObject?: Json;
  allowed: boolean;
}
interface Result {
  name: string;
  matchCost: number;
  validationCost: number;
  messageCost: number;
  maxExpressionCost: number;
  denied: string[];
  errors: string[];
}

const read = (path: string): Json => parse(readFileSync(path, 'utf8')) as Json;
const named = (object: Json): Json => ({
  ...object,
  metadata: { ...(object.metadata as Json), namespace: 'team' },
});
const create = (name: string, object: Json, allowed = true): Case => ({
  name,
  operation: 'CREATE',
  object: named(object),
  allowed,
});

function cases(): Case[] {
  const corpus = join(ROOT, 'test', 'corpus', 'valid');
  const seeds = join(ROOT, 'test', 'fixtures', 'seed');
  const out: Case[] = [
    ...readdirSync(corpus)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => create(`corpus/valid/${f}`, read(join(corpus, f)))),
    ...readdirSync(seeds)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => create(`seed/${f}`, read(join(seeds, f)))),
  ];
  const invalid = join(ROOT, 'test', 'corpus', 'invalid');
  for (const f of ['explicit-count-does-not-fit.yaml', 'unknown-preset.yaml', 'strength-on-vllm.yaml']) {
    out.push(create(`corpus/invalid/${f}`, read(join(invalid, f))));
  }
  const base = read(join(corpus, 'count-zero.yaml'));
  const annotations = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`example.com/a${i}`, 'v'.repeat(200)]));
  const adapters = Array.from({ length: 10 }, (_, i) => ({
    source: { name: `adapter-${i}`.padEnd(56, 'x'), image: `registry.example.com/${'a'.repeat(400)}:${i}` },
    strength: '0.5',
  }));
  out.push(
    create('10 adapters with strengths, 200 annotations', {
      ...base,
      metadata: { name: 'big', annotations: { ...annotations, 'kaito.sh/runtime': 'transformers' } },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' }, adapters },
    }),
    create('an unknown 256-character preset name of quotes and backslashes', {
      ...base,
      inference: { preset: { name: '"\\'.repeat(128) } },
    }),
    create('a 250 KiB runtime annotation', {
      ...base,
      metadata: { name: 'big', annotations: { 'kaito.sh/runtime': '"'.repeat(250 * 1024) } },
    }),
    create(
      'a pod template the user may not run',
      { ...base, inference: { template: { spec: { containers: [{ name: 'c', image: 'nginx' }] } } } },
      false,
    ),
  );
  // Updates of a 1 MiB pod template: the match condition compares the old and new objects (equal templates
  // compare to the end, a finalizer-only update is then not checked).
  const template = (marker: string) => ({
    spec: {
      containers: [
        {
          name: 'c',
          image: 'nginx',
          env: Array.from({ length: 4096 }, (_, i) => ({ name: `E${i}`, value: `${'x'.repeat(240)}${marker}` })),
        },
      ],
    },
  });
  const big = (marker: string, finalizers: string[] = []) =>
    named({ ...base, metadata: { name: 'big', finalizers }, inference: { template: template(marker) } });
  out.push(
    {
      name: 'an update of a 1 MiB pod template (its last value)',
      operation: 'UPDATE',
      object: big('b'),
      oldObject: big('a'),
      allowed: true,
    },
    {
      name: 'a finalizer on a 1 MiB pod template',
      operation: 'UPDATE',
      object: big('a', ['example.com/f']),
      oldObject: big('a'),
      allowed: true,
    },
  );
  return out;
}

function build(): void {
  execFileSync(GO, ['build', '-o', BINARY, '.'], {
    cwd: HERE,
    stdio: 'inherit',
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
  });
}

function main(): void {
  build();
  const input = JSON.stringify({ policy: renderAdmissionPolicy(), params: renderKaitoCatalog(), cases: cases() });
  const output = execFileSync(BINARY, [], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const results = output
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Result);
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  process.stdout.write(
    `${'case'.padEnd(66)} ${pad('match', 9)} ${pad('rules', 9)} ${pad('messages', 9)} ${pad('max expr', 9)}  denied\n`,
  );
  for (const r of results) {
    process.stdout.write(
      `${r.name.slice(0, 66).padEnd(66)} ${pad(r.matchCost, 9)} ${pad(r.validationCost, 9)} ${pad(r.messageCost, 9)} ${pad(r.maxExpressionCost, 9)}  ${r.denied.length}${r.errors.length > 0 ? `  ERRORS: ${r.errors.join('; ')}` : ''}\n`,
    );
  }
  const max = (f: (r: Result) => number) => Math.max(...results.map(f));
  process.stdout.write(
    `\nmax: match ${max((r) => r.matchCost)} of 2500000, rules + messages ${max((r) => r.validationCost + r.messageCost)} of 10000000, one expression ${max((r) => r.maxExpressionCost)} of 1000000; cases with errors: ${results.filter((r) => r.errors.length > 0).length}\n`,
  );
}

main();
