import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { companionObject } from '../../src/cli/render';
import { checkManifest, type CheckOptions } from '../../src/plan';
import { renderForMode, type KubeObject, type RenderOptions } from '../../src/render';

/*
 * The fidelity corpus (test/fidelity/README.md): one Workspace file per kind of Kaito v0.12.0 example, each
 * with the verdict and the rendered values Kaito gives, read from its generators. `expect` lines are values
 * where we give what Kaito gives; `ours` lines are values where we differ on purpose, each followed by the
 * line saying what Kaito gives and why we do not.
 */

const dir = join(__dirname, '..', 'fidelity');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

type Op = '=' | 'has' | 'lacks' | 'set=';

interface Assertion {
  readonly line: number;
  readonly source: 'expect' | 'ours';
  readonly target: string;
  readonly path: string;
  readonly op: Op;
  readonly value: unknown;
}

interface Header {
  readonly kind: string;
  readonly upstream: string;
  readonly verdict: string;
  readonly verdictOurs?: string;
  readonly options: RenderOptions;
  readonly check: CheckOptions;
  readonly assertions: readonly Assertion[];
  readonly unexplained: readonly number[];
}

const ASSERTION = /^# (expect|ours): (\S+) (\S+) (=|has|lacks|set=) (.+)$/;

/** The `# ...` header of a corpus file. */
function header(text: string): Header {
  const lines = text.split('\n');
  const field = (name: string): string | undefined =>
    lines.find((l) => l.startsWith(`# ${name}: `))?.slice(name.length + 4);
  const assertions: Assertion[] = [];
  const unexplained: number[] = [];
  lines.forEach((l, i) => {
    const m = ASSERTION.exec(l);
    if (m === null) return;
    const source = m[1] as 'expect' | 'ours';
    assertions.push({ line: i + 1, source, target: m[2], path: m[3], op: m[4] as Op, value: JSON.parse(m[5]) });
    if (source === 'ours' && !/^# {3}upstream: \S/.test(lines[i + 1] ?? '')) unexplained.push(i + 1);
  });
  const verdictOurs = field('verdict-ours');
  if (verdictOurs !== undefined && field('why') === undefined) unexplained.push(0);
  return {
    kind: field('kind') ?? '',
    upstream: field('upstream') ?? '',
    verdict: field('verdict') ?? '',
    ...(verdictOurs === undefined ? {} : { verdictOurs }),
    options: JSON.parse(field('options') ?? '{}') as RenderOptions,
    check: JSON.parse(field('check') ?? '{}') as CheckOptions,
    assertions,
    unexplained,
  };
}

/** One path step: `name`, `[3]`, `[key=value]` (the element whose `key` is `value`) or `length`. */
function step(value: unknown, segment: string): unknown {
  const index = /^\[(\d+)\]$/.exec(segment);
  if (index !== null) return (value as unknown[] | undefined)?.[Number(index[1])];
  const select = /^\[([^=\]]+)=([^\]]*)\]$/.exec(segment);
  if (select !== null) {
    return (value as Record<string, unknown>[] | undefined)?.find((e) => String(e[select[1]]) === select[2]);
  }
  if (segment === 'length' && Array.isArray(value)) return value.length;
  return (value as Record<string, unknown> | undefined)?.[segment];
}

/** `spec.containers[0].args` → `spec`, `containers`, `[0]`, `args`; `.` is the value itself. */
function at(value: unknown, path: string): unknown {
  if (path === '.') return value;
  const segments = path.match(/\[[^\]]*\]|[^.[\]]+/g) ?? [];
  return segments.reduce(step, value);
}

/** `Kind/name`: that object; `Kind/*`: every object of the kind, in order; `*`: `Kind/name` of them all. */
function target(objects: readonly KubeObject[], ref: string): unknown {
  if (ref === '*') return objects.map((o) => `${o.kind}/${o.metadata.name}`);
  const [kind, name] = ref.split('/');
  const ofKind = objects.filter((o) => o.kind === kind);
  return name === '*' ? ofKind : ofKind.find((o) => o.metadata.name === name);
}

/** The verdict in the corpus's words: `valid`, or `invalid <path> :: <message>` of each error. */
function verdictOf(text: string, options: CheckOptions): string {
  const errors = checkManifest(text, options).checks.flatMap((c) => c.problems.filter((p) => p.severity === 'error'));
  return errors.length === 0 ? 'valid' : errors.map((e) => `invalid ${e.path} :: ${e.message}`).join(' | ');
}

/** What `kaito render --mode direct` prints for the file: its companions as written, the workspaces' objects. */
function rendered(text: string, check: CheckOptions, options: RenderOptions): KubeObject[] {
  const { checks, companions } = checkManifest(text, check);
  const documents = [
    ...companions.map((c) => ({ index: c.index, objects: [companionObject(c, 'default')] })),
    ...checks.map((c) => ({ index: c.index, objects: renderForMode(c.workspace!, c.plan!, 'direct', options) })),
  ];
  return documents.sort((a, b) => a.index - b.index).flatMap((d) => d.objects);
}

describe('fidelity corpus', () => {
  test('covers every kind of Kaito example, one file each', () => {
    expect(files.map((f) => f.replace(/\.yaml$/, '')).sort()).toEqual(
      [
        // preset families
        'phi-4-mini',
        'phi-3-medium-4k',
        'llama-3.1-8b',
        'mistral-7b-instruct',
        'ministral-3-8b',
        'qwen-2.5-coder-7b',
        'gemma-3-4b',
        'deepseek-r1-distill-qwen-14b',
        'deepseek-v3-multi-node',
        'falcon-7b',
        'gpt-oss-20b',
        // inference features
        'inference-adapters',
        'adapter-strength',
        'adapter-strength-partial',
        'custom-template',
        'custom-config',
        'tool-calling',
        'performance-mode',
        'load-balancer',
        'multi-doc-secret-pvc',
        // nodes
        'byo-nodes',
        'multi-node',
        'mig',
        'accelerator-partition',
        'accelerator-with-profile',
        // tuning: every input kind and every output kind
        'tuning-urls-to-image',
        'tuning-image-to-volume',
        'tuning-volume-pvc',
        // not supported yet
        'inference-set',
      ].sort(),
    );
    const kinds = files.map((f) => header(readFileSync(join(dir, f), 'utf8')).kind);
    expect(kinds.filter((k) => k === '')).toEqual([]);
    expect(new Set(kinds).size).toBe(kinds.length);
  });

  describe.each(files)('%s', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const h = header(text);

    test('names its upstream example, and says why for every value where we differ', () => {
      expect(h.upstream).toMatch(/^examples\/|^none/);
      expect(h.unexplained).toEqual([]);
      if ((h.verdictOurs ?? h.verdict) === 'valid') expect(h.assertions.length).toBeGreaterThan(0);
    });

    test(`verdict: ${h.verdictOurs ?? h.verdict}`, () => {
      const verdict = verdictOf(text, h.check);
      if (h.verdictOurs === undefined) expect(verdict).toBe(h.verdict);
      else expect([verdict, h.verdict === h.verdictOurs]).toEqual([h.verdictOurs, false]);
    });

    const valid = (h.verdictOurs ?? h.verdict) === 'valid';
    const cases = valid
      ? h.assertions.map((a) => [`${a.source} ${a.target} ${a.path} ${a.op} (line ${a.line})`, a] as const)
      : [];
    if (cases.length === 0) return;
    const objects = rendered(text, h.check, h.options);
    test.each(cases)('%s', (_name, a) => {
      const actual = at(target(objects, a.target), a.path);
      const where = `${file}:${a.line}`;
      switch (a.op) {
        case '=':
          expect({ where, actual }).toEqual({ where, actual: a.value });
          break;
        case 'set=':
          expect({ where, actual: [...(actual as unknown[])].map((x) => JSON.stringify(x)).sort() }).toEqual({
            where,
            actual: (a.value as unknown[]).map((x) => JSON.stringify(x)).sort(),
          });
          break;
        case 'has':
          expect({ where, actual }).toEqual({ where, actual: expect.arrayContaining(a.value as unknown[]) });
          break;
        case 'lacks':
          expect({ where, list: Array.isArray(actual) }).toEqual({ where, list: true });
          for (const v of a.value as unknown[])
            expect({ where, actual }).not.toEqual({ where, actual: expect.arrayContaining([v]) });
          break;
      }
    });
  });
});
