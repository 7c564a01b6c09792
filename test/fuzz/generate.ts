import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { INPUT_LIMITS, childPath, validationSchema } from '../../src/api';
import type { JSONSchemaProps } from '../../src/api/schema';

/*
 * Generated bad inputs for the fuzz suite: valid workspaces (the seed examples and a few of our own), each
 * broken by mutations of its object (wrong types at every path, huge numbers and strings, unicode, missing and
 * unknown fields, deep nesting, long lists) or of its text (aliases, duplicate keys, truncation, stray
 * characters, several documents, oversize). A case that breaks a rule the schema states carries what the
 * error must say (`expect`), so the suite checks more than "no crash".
 */

/** mulberry32: a small seeded PRNG, so that a seed gives the same cases on every machine. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** In [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** One generated input. */
export interface FuzzCase {
  /** What was done to which seed, to reproduce and to read a failure. */
  readonly description: string;
  readonly text: string;
  /** The object, for object-level mutations (the library is also handed it directly). */
  readonly value?: unknown;
  /** A line the output must contain (`path: message` start), when the mutation certainly breaks a rule. */
  readonly expect?: string;
}

type Segment = string | number;

const SEED_DIR = join(__dirname, '..', 'fixtures', 'seed');

/** The valid workspaces every case starts from. */
export function seedWorkspaces(): Array<{ name: string; value: Record<string, unknown> }> {
  const files = readdirSync(SEED_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: f, value: parse(readFileSync(join(SEED_DIR, f), 'utf8')) as Record<string, unknown> }));
  const labels = { matchLabels: { apps: 'phi' } };
  return [
    ...files,
    {
      name: 'v1beta1-inference',
      value: {
        apiVersion: 'kaito.sh/v1beta1',
        kind: 'Workspace',
        metadata: {
          name: 'phi',
          namespace: 'team-a',
          labels: { team: 'a' },
          annotations: { 'kaito.sh/runtime': 'transformers', 'kaito.sh/enablelb': 'True' },
        },
        resource: { count: 1, instanceType: 'Standard_NC24ads_A100_v4', labelSelector: labels },
        inference: {
          preset: { name: 'phi-3-mini-4k-instruct' },
          adapters: [{ source: { name: 'a', image: 'r.example.com/a:1' }, strength: '0.5' }],
        },
      },
    },
    {
      name: 'v1beta1-byo-partition',
      value: {
        apiVersion: 'kaito.sh/v1beta1',
        kind: 'Workspace',
        metadata: { name: 'mig' },
        resource: {
          labelSelector: { matchLabels: { apps: 'mig' }, matchExpressions: [{ key: 'gpu', operator: 'Exists' }] },
          preferredNodes: ['node-1'],
        },
        inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
      },
    },
    {
      name: 'v1beta1-tuning-urls',
      value: {
        apiVersion: 'kaito.sh/v1beta1',
        kind: 'Workspace',
        metadata: { name: 'tune' },
        resource: { instanceType: 'Standard_NC24ads_A100_v4', labelSelector: labels },
        tuning: {
          preset: { name: 'phi-3-mini-4k-instruct' },
          method: 'qlora',
          input: { urls: ['https://example.com/data.parquet'] },
          output: { image: 'r.example.com/out:1', imagePushSecret: 'push' },
        },
      },
    },
  ];
}

/** Every path in a value (the root excluded), to a depth past the nesting limit. */
function pathsOf(value: unknown, prefix: Segment[] = [], out: Segment[][] = []): Segment[][] {
  if (prefix.length > 70) return out;
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i]);
      pathsOf(v, [...prefix, i], out);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k]);
      pathsOf(v, [...prefix, k], out);
    }
  }
  return out;
}

/** The path as the validator prints it. */
export function printed(path: readonly Segment[]): string {
  return path.reduce<string>((p, s) => childPath(p, s), '');
}

/** The schema of the value at `path`, where the schema describes it (not inside schemaless fields). */
function schemaAt(schema: JSONSchemaProps, path: readonly Segment[]): JSONSchemaProps | undefined {
  let here: JSONSchemaProps | undefined = schema;
  for (const segment of path) {
    if (here === undefined) return undefined;
    if (typeof segment === 'number') here = here.items;
    else {
      const additional: JSONSchemaProps | boolean | undefined = here.additionalProperties;
      here = here.properties?.[segment] ?? (typeof additional === 'object' ? additional : undefined);
    }
  }
  return here;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function get(root: unknown, path: readonly Segment[]): unknown {
  return path.reduce<unknown>((v, s) => (v as Record<Segment, unknown>)?.[s], root);
}

function set(root: unknown, path: readonly Segment[], value: unknown): void {
  const parent = get(root, path.slice(0, -1)) as Record<Segment, unknown>;
  parent[path[path.length - 1]] = value;
}

function remove(root: unknown, path: readonly Segment[]): void {
  const parent = get(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
  else delete (parent as Record<Segment, unknown>)[last];
}

const UNICODE = [
  '１２７.０.０.１',
  'ｌｏｃａｌｈｏｓｔ',
  'phi\u0000x',
  'a\u202Eb',
  '\uFEFFphi',
  'phi\u200B',
  '😀',
  '\uD800',
  'İ',
  'ß'.repeat(70),
  '$(touch /tmp/x)',
  "'; rm -rf / #",
  '\n\n',
  '',
];

const HUGE_NUMBERS = [1e15, 100000, 1001, 2 ** 53 + 2, 1e308, -1, 0, -0, 0.5, 1.5e3, 2 ** 31];

function otherType(rng: Random): unknown {
  return rng.pick<() => unknown>([
    () => rng.int(10),
    () => -rng.int(1000) - 1,
    () => rng.next() * 10,
    () => true,
    () => false,
    () => null,
    () => 'text',
    () => [],
    () => ['a', 1],
    () => ({}),
    () => ({ a: 1 }),
  ])();
}

function nested(depth: number, array: boolean): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = array ? [value] : { n: value };
  return value;
}

interface Mutation {
  readonly description: string;
  /** The start of an error line the mutation must cause, where the schema says so. */
  readonly expect?: string;
}

function mutateValue(root: Record<string, unknown>, rng: Random): Mutation {
  const paths = pathsOf(root);
  const path = rng.pick(paths);
  const at = printed(path);
  const old = get(root, path);
  const schema = validationSchema(versionOf(root));
  const s = schemaAt(schema, path);
  const kind = rng.pick([
    'wrong type',
    'wrong type',
    'huge number',
    'huge string',
    'unicode',
    'delete',
    'unknown field',
    'deep',
    'many items',
  ] as const);
  switch (kind) {
    case 'wrong type': {
      const value = otherType(rng);
      set(root, path, value);
      const actual = typeOf(value);
      const matches = s?.type === undefined || s.type === actual || (s.type === 'number' && actual === 'integer');
      const expect = at === 'kind' || at === 'apiVersion' ? `${at}: must be` : `${at}: must be of type ${s?.type}`;
      return { description: `${at} = ${JSON.stringify(value)}`, ...(matches ? {} : { expect }) };
    }
    case 'huge number': {
      const value = rng.pick(HUGE_NUMBERS);
      set(root, path, value);
      let expect: string | undefined;
      if (s?.type === undefined) expect = undefined;
      else if (at === 'kind' || at === 'apiVersion') expect = `${at}: must be`;
      else if (s.type !== 'integer' && s.type !== 'number') expect = `${at}: must be of type ${s.type}`;
      else if (s.type === 'integer' && !Number.isInteger(value)) expect = `${at}: must be of type integer`;
      else if (s.maximum !== undefined && value > s.maximum)
        expect = `${at}: must be less than or equal to ${s.maximum}`;
      else if (s.minimum !== undefined && value < s.minimum) {
        expect = `${at}: must be greater than or equal to ${s.minimum}`;
      }
      return { description: `${at} = ${value}`, ...(expect ? { expect } : {}) };
    }
    case 'huge string': {
      const length = rng.pick([300, 5000, 100_000, 1_100_000]);
      const value = rng.pick(['x', 'é', '🦙']).repeat(length);
      set(root, path, value);
      const tooLong = s?.type === 'string' && s.maxLength !== undefined && value.length > s.maxLength;
      // A string of more than 3 MiB of UTF-8 makes the whole text too large, whatever its field.
      const oversize = Buffer.byteLength(value) > INPUT_LIMITS.maxBytes;
      const expect = oversize
        ? 'input is larger than 3 MiB'
        : tooLong
          ? `${at}: must be at most ${s.maxLength} characters long`
          : undefined;
      return { description: `${at} = <${length} characters>`, ...(expect ? { expect } : {}) };
    }
    case 'unicode': {
      const value = rng.pick(UNICODE);
      set(root, path, value);
      return { description: `${at} = ${JSON.stringify(value)}` };
    }
    case 'delete': {
      remove(root, path);
      const key = path[path.length - 1];
      const required = typeof key === 'string' && (schemaAt(schema, path.slice(0, -1))?.required ?? []).includes(key);
      const expect = at === 'kind' || at === 'apiVersion' ? `${at}: must be` : `${at}: required value`;
      return { description: `delete ${at}`, ...(required || at === 'kind' || at === 'apiVersion' ? { expect } : {}) };
    }
    case 'unknown field': {
      const target = typeof old === 'object' && old !== null && !Array.isArray(old) ? path : [];
      const name = rng.pick(['inferenceX', 'replicas', '__proto__', 'constructor', 'spec', 'ö']);
      const parent = get(root, target) as Record<string, unknown>;
      Object.defineProperty(parent, name, {
        value: rng.pick([1, 'x', {}]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return { description: `${printed(target) || '<root>'}.${name} added` };
    }
    case 'deep': {
      const depth = rng.pick([40, 70, 200, 2000]);
      const array = rng.chance(0.5);
      set(root, path, nested(depth, array));
      return {
        description: `${at} = ${depth} levels of ${array ? 'arrays' : 'objects'}`,
        ...(depth + path.length > 64 ? { expect: 'nested more than 64 levels deep, the limit' } : {}),
      };
    }
    case 'many items': {
      const length = rng.pick([11, 65, 101, 1001]);
      const first: unknown = Array.isArray(old) && old.length > 0 ? old[0] : 'x';
      // Copies, not one shared object (which the YAML writer would turn into aliases); an item too deep or
      // too large to copy becomes a string.
      let item = () => structuredClone(first);
      try {
        // Copies of a huge string would fill the generator's memory, not test anything more.
        if ((JSON.stringify(first)?.length ?? 0) > 10_000) item = () => 'x';
      } catch {
        item = () => 'x';
      }
      set(root, path, Array.from({ length }, item));
      const tooMany = s?.type === 'array' && s.maxItems !== undefined && length > s.maxItems;
      return {
        description: `${at} = ${length} items`,
        ...(tooMany ? { expect: `${at}: must have at most ${s.maxItems} items, has ${length}` } : {}),
      };
    }
  }
}

/**
 * YAML; or JSON, which is YAML too, for large values (the YAML writer is slow on them) and for values nested
 * deeper than its stack allows.
 */
function toText(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    // Deeper than JSON.stringify goes: the YAML writer cannot either.
  }
  if (json !== undefined && json.length > 8 * 1024) return `${json}\n`;
  try {
    return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
  } catch {
    return `${json ?? 'null'}\n`;
  }
}

function versionOf(value: Record<string, unknown>): 'v1alpha1' | 'v1beta1' {
  return value.apiVersion === 'kaito.sh/v1alpha1' ? 'v1alpha1' : 'v1beta1';
}

/** Text-level mutations: what only YAML text can carry. */
function mutateText(text: string, rng: Random): { description: string; text: string; expect?: string } {
  const kind = rng.pick([
    'alias bomb',
    'undefined alias',
    'duplicate key',
    'truncate',
    'stray characters',
    'oversize',
    'deep text',
    'tags and directives',
    'many documents',
    'crlf and bom',
  ] as const);
  switch (kind) {
    case 'alias bomb': {
      let bomb = 'x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
      for (let i = 1; i < 9; i++)
        bomb += `x${i}: &x${i} [${Array(9)
          .fill(`*x${i - 1}`)
          .join(', ')}]\n`;
      return { description: 'billion laughs', text: text + bomb, expect: 'YAML aliases expand to more than 100 nodes' };
    }
    case 'undefined alias':
      return {
        description: 'undefined alias',
        text: `${text}extra: *nope\n`,
        expect: 'alias *nope has no anchor &nope before it',
      };
    case 'duplicate key': {
      const lines = text.split('\n');
      const keyed = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\S[^:]*:/.test(l));
      const [line] = rng.pick(keyed);
      const key = line.slice(0, line.indexOf(':'));
      return {
        description: `duplicate key ${key}`,
        text: `${text}${key}: again\n`,
        expect: `duplicate key ${JSON.stringify(key)}`,
      };
    }
    case 'truncate': {
      const at = rng.int(text.length);
      return { description: `truncated at ${at}`, text: text.slice(0, at) };
    }
    case 'stray characters': {
      let out = text;
      const count = 1 + rng.int(4);
      for (let i = 0; i < count; i++) {
        const at = rng.int(out.length);
        out =
          out.slice(0, at) +
          rng.pick([':', '[', '{', '&', '*', '!', '\t', '"', "'", '|', '>', '%', '@', '`', '- ', '\u0000']) +
          out.slice(at);
      }
      return { description: `${count} stray characters`, text: out };
    }
    case 'oversize':
      return {
        description: 'over 3 MiB',
        text: `${text}# ${'x'.repeat(3 * 1024 * 1024)}\n`,
        expect: 'input is larger than 3 MiB',
      };
    case 'deep text': {
      const depth = rng.pick([65, 1000, 100_000]);
      return {
        description: `${depth} levels of flow nesting`,
        text: `${text}deep: ${'['.repeat(depth)}${']'.repeat(depth)}\n`,
        expect: 'nested more than 64 levels deep, the limit',
      };
    }
    case 'tags and directives':
      return {
        description: 'tags and a YAML 1.1 directive',
        text: `%YAML 1.1\n---\n${text}blob: !!binary aGVsbG8=\nwhen: !!timestamp 2001-12-14\nset: !!set {a, b}\nodd: !custom {x: 1}\n`,
      };
    case 'many documents':
      return {
        description: '1001 documents',
        text: `${'---\nx: 1\n'.repeat(1000)}---\n${text}`,
        expect: 'input has more than 1000 documents, the limit',
      };
    case 'crlf and bom':
      return { description: 'CRLF line ends and a BOM', text: `\uFEFF${text.replace(/\n/g, '\r\n')}` };
  }
}

/** `count` cases from `seed`, the same on every run, one at a time (a large run does not hold them all). */
export function* generateCases(seed: number, count: number): Generator<FuzzCase> {
  const rng = new Random(seed);
  const seeds = seedWorkspaces();
  for (let i = 0; i < count; i++) {
    const base = rng.pick(seeds);
    const value = structuredClone(base.value);
    const roll = rng.next();
    if (roll < 0.6) {
      // One mutation of the object: what it must cause holds.
      const mutation = mutateValue(value, rng);
      yield {
        description: `${base.name}: ${mutation.description}`,
        text: toText(value),
        value,
        ...(mutation.expect ? { expect: mutation.expect } : {}),
      };
    } else if (roll < 0.8) {
      // Several mutations at once, and sometimes several documents: no crash, a clear answer.
      const n = 2 + rng.int(4);
      const parts: string[] = [];
      for (let m = 0; m < n; m++) parts.push(mutateValue(value, rng).description);
      const docs = rng.chance(0.3) ? 2 + rng.int(3) : 1;
      const text = Array.from({ length: docs }, () => toText(value)).join('---\n');
      yield { description: `${base.name}: ${parts.join('; ')} (${docs} documents)`, text, value };
    } else {
      const mutation = mutateText(toText(value), rng);
      yield {
        description: `${base.name}: ${mutation.description}`,
        text: mutation.text,
        ...(mutation.expect ? { expect: mutation.expect } : {}),
      };
    }
  }
}
