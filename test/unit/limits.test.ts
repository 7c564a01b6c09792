import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Document, stringify } from 'yaml';
import {
  INPUT_LIMITS,
  MAX_NODE_COUNT,
  ValidationError,
  checkValue,
  parseWorkspace,
  readDocuments,
  validateWorkspace,
  type Problem,
} from '../../src';
import { runCli, type CliIo } from '../../src/cli';
import { readBoundedText } from '../../src/cli/io';

/** A valid v1beta1 inference workspace, changed by `patch`. */
function workspace(patch: Record<string, unknown> = {}, version = 'v1beta1'): Record<string, unknown> {
  return {
    apiVersion: `kaito.sh/${version}`,
    kind: 'Workspace',
    metadata: { name: 'phi' },
    resource: { instanceType: 'Standard_NC24ads_A100_v4', labelSelector: { matchLabels: { apps: 'phi' } } },
    inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    ...patch,
  };
}

const withCount = (count: unknown, version = 'v1beta1') =>
  workspace(
    {
      resource: {
        count,
        instanceType: 'Standard_NC24ads_A100_v4',
        labelSelector: { matchLabels: { apps: 'phi' } },
      },
    },
    version,
  );

function cli(argv: string[], files: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    readFile: (path) => {
      if (!(path in files)) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return files[path];
    },
    readStdin: () => '',
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  };
  return { code: runCli(argv, io), stdout, stderr };
}

const errors = (input: string | object): Array<[string, string]> =>
  validateWorkspace(input)
    .filter((p) => p.severity === 'error')
    .map((p) => [p.path, p.message]);

const located = (input: string): Array<Pick<Problem, 'path' | 'message' | 'line' | 'column'>> =>
  readDocuments(input).flatMap((d) =>
    d.problems.map(({ path, message, line, column }) => ({ path, message, line, column })),
  );

describe('resource.count is at most 1000', () => {
  test.each([
    ['v1beta1', 100000, '100000'],
    ['v1beta1', 1e15, '1000000000000000'],
    ['v1alpha1', 100000, '100000'],
    ['v1alpha1', 1001, '1001'],
  ])('%s count %d is one error naming resource.count', (version, count, shown) => {
    expect(errors(withCount(count, version))).toEqual([
      ['resource.count', `must be less than or equal to 1000, got ${shown}`],
    ]);
  });

  test('1000 itself is valid (the planner then decides whether it fits)', () => {
    expect(MAX_NODE_COUNT).toBe(1000);
    expect(errors(withCount(1000))).toEqual([]);
  });

  test('parseWorkspace throws a ValidationError, not a RangeError', () => {
    expect(() => parseWorkspace(withCount(1e15))).toThrow(ValidationError);
    expect(() => parseWorkspace(withCount(1e15))).toThrow(
      'Workspace is invalid:\n  resource.count: must be less than or equal to 1000, got 1000000000000000',
    );
  });

  test.each([['validate'], ['render'], ['render', '--mode', 'direct']])(
    'kaito %s: exit 1 and one line naming resource.count',
    (...command) => {
      const result = cli([...command, 'big.yaml'], { 'big.yaml': stringify(withCount(1e15)) });
      expect(result).toEqual({
        code: 1,
        stdout: 'big.yaml: resource.count: must be less than or equal to 1000, got 1000000000000000\n',
        stderr: '',
      });
    },
  );
});

describe('metadata must be ObjectMeta, with string names, labels and annotations', () => {
  test.each<[string, Record<string, unknown>, Array<[string, string]>]>([
    ['no metadata', workspace({ metadata: undefined }), [['metadata', 'required value']]],
    ['metadata: null', workspace({ metadata: null }), [['metadata', 'must be of type object, got null null']]],
    [
      'an unquoted boolean annotation (kaito.sh/enablelb: True)',
      workspace({ metadata: { name: 'phi', annotations: { 'kaito.sh/enablelb': true } } }),
      [['metadata.annotations[kaito.sh/enablelb]', 'must be of type string, got boolean true']],
    ],
    [
      'a number annotation',
      workspace({ metadata: { name: 'phi', annotations: { 'kaito.sh/enablelb': 1 } } }),
      [['metadata.annotations[kaito.sh/enablelb]', 'must be of type string, got integer 1 (quote it: "1")']],
    ],
    [
      'a namespace that is a list',
      workspace({ metadata: { name: 'phi', namespace: ['$(touch /tmp/x)'] } }),
      [['metadata.namespace', 'must be of type string, got array ["$(touch /tmp/x)"]']],
    ],
    [
      'a label that is a number',
      workspace({ metadata: { name: 'phi', labels: { team: 7 } } }),
      [['metadata.labels.team', 'must be of type string, got integer 7 (quote it: "7")']],
    ],
    [
      'a label value longer than 63 characters',
      workspace({ metadata: { name: 'phi', labels: { team: 'x'.repeat(64) } } }),
      [['metadata.labels.team', 'must be at most 63 characters long']],
    ],
    [
      'labels that are a list',
      workspace({ metadata: { name: 'phi', labels: ['a'] } }),
      [['metadata.labels', 'must be of type object, got array ["a"]']],
    ],
    [
      'a value with line breaks, echoed on one line',
      workspace({ metadata: { name: 'phi', labels: ['a\n\nb', 'c'] } }),
      [['metadata.labels', 'must be of type object, got array ["a\\n\\nb","c"]']],
    ],
    [
      'a huge value, echoed in 80 characters',
      workspace({ metadata: { name: 'x'.repeat(1_000_000) }, resource: 'y'.repeat(1_000_000) }),
      [['resource', `must be of type object, got string "${'y'.repeat(76)}...`]],
    ],
    [
      'a name that is a number',
      workspace({ metadata: { name: 42 } }),
      [['metadata.name', 'must be of type string, got integer 42 (quote it: "42")']],
    ],
  ])('%s', (_what, input, expected) => {
    expect(errors(input)).toEqual(expected);
  });

  test('kaito render --mode direct of an unquoted enablelb: exit 1 naming the annotation, no crash', () => {
    const text = stringify(workspace()).replace(
      '  name: phi\n',
      '  name: phi\n  annotations:\n    kaito.sh/enablelb: True\n',
    );
    expect(cli(['render', '--mode', 'direct', 'lb.yaml'], { 'lb.yaml': text })).toEqual({
      code: 1,
      stdout: 'lb.yaml: metadata.annotations[kaito.sh/enablelb]: must be of type string, got boolean true\n',
      stderr: '',
    });
  });

  test('kaito validate of a Workspace without metadata: exit 1, no TypeError', () => {
    const { metadata: _m, ...rest } = workspace();
    expect(cli(['validate', 'w.yaml'], { 'w.yaml': stringify(rest) })).toEqual({
      code: 1,
      stdout: 'w.yaml: metadata: required value\n',
      stderr: '',
    });
  });
});

describe('YAML that cannot be read says where', () => {
  test('a duplicate key: line, column and the key', () => {
    const text = 'apiVersion: kaito.sh/v1beta1\nkind: Workspace\ninference: {}\nresource: {}\ninference: {}\n';
    expect(located(text)).toEqual([{ path: '', message: 'duplicate key "inference"', line: 5, column: 1 }]);
    expect(cli(['validate', 'd.yaml'], { 'd.yaml': text })).toEqual({
      code: 1,
      stdout: 'd.yaml:5:1: duplicate key "inference"\n',
      stderr: '',
    });
  });

  test('a nested duplicate key, in the second document', () => {
    const text = 'a: 1\n---\nmetadata:\n  name: x\n  name: y\n';
    expect(located(text)).toEqual([{ path: '', message: 'duplicate key "name"', line: 5, column: 3 }]);
  });

  test('a syntax error', () => {
    expect(located('a: b\n  c: d\n')).toEqual([
      {
        path: '',
        message: 'not valid YAML: Nested mappings are not allowed in compact mappings',
        line: 1,
        column: 4,
      },
    ]);
  });

  test('an undefined alias is a problem at the alias, not a ReferenceError', () => {
    expect(located('a: &a [1]\nx: *nope\n')).toEqual([
      { path: '', message: 'alias *nope has no anchor &nope before it', line: 2, column: 4 },
    ]);
    expect(() => parseWorkspace('x: *nope\n')).toThrow(ValidationError);
  });

  test('whatever else the YAML package throws while converting is a problem too', () => {
    const toJS = jest.spyOn(Document.prototype, 'toJS').mockImplementation(() => {
      throw new TypeError('unexpected');
    });
    try {
      expect(located('a: 1\n')).toEqual([{ path: '', message: 'not valid YAML: unexpected' }]);
    } finally {
      toJS.mockRestore();
    }
  });

  test('the ValidationError message carries line and column', () => {
    expect(() => parseWorkspace('a: 1\na: 2\n')).toThrow(
      'Workspace is invalid:\n  line 2, column 1: duplicate key "a"',
    );
  });
});

describe('input limits', () => {
  test('the limits', () => {
    expect(INPUT_LIMITS).toEqual({
      maxBytes: 3 * 1024 * 1024,
      maxValueBytes: 6 * 1024 * 1024,
      maxDocuments: 1000,
      maxAliasCount: 100,
      maxDepth: 64,
    });
  });

  test('a text over 3 MiB is one problem that names the limit, before it is parsed', () => {
    const text = `${stringify(workspace())}# ${'x'.repeat(INPUT_LIMITS.maxBytes)}\n`;
    expect(errors(text)).toEqual([
      [
        '',
        "input is larger than 3 MiB (3145728 bytes), the limit (the Kubernetes API server's request size limit); split it into several files",
      ],
    ]);
  });

  test('multi-byte characters count as their UTF-8 bytes', () => {
    const text = `a: "${'é'.repeat(INPUT_LIMITS.maxBytes / 2)}"\n`;
    expect(text.length).toBeLessThan(INPUT_LIMITS.maxBytes);
    expect(errors(text)[0][1]).toMatch(/^input is larger than 3 MiB/);
  });

  test('a text within 3 MiB is within the value limit too, however much JSON it makes', () => {
    const adapter = (i: number) => `  - {source: {name: a${i}, image: r.io/a}, strength: "1"}\n`;
    let text = 'inference:\n  adapters:\n';
    for (let i = 0; text.length + 60 < INPUT_LIMITS.maxBytes; i++) text += adapter(i);
    expect(readDocuments(text)[0].problems).toEqual([]);
  });

  test('more than 1000 documents: one problem for the whole input', () => {
    const text = `${stringify(workspace())}---\n`.repeat(1001);
    expect(located(text)).toEqual([
      { path: '', message: 'input has more than 1000 documents, the limit; split it into several files' },
    ]);
    expect(readDocuments(`---\n${stringify(workspace())}`.repeat(1000))).toHaveLength(1000);
  });

  test.each([
    ['flow, 1,000 deep', `a: ${'['.repeat(1000)}${']'.repeat(1000)}\n`, 1, 139],
    ['flow, 100,000 deep', `${'{a: '.repeat(100000)}1${'}'.repeat(100000)}\n`, 1, 542],
    ['block, 1,000 deep', Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n'), 136, 137],
    ['flow, 65 deep (just past the limit)', `${'['.repeat(65)}${']'.repeat(65)}\n`, 1, 65],
  ])('nesting %s is a depth problem, not a stack overflow', (_what, text, line, column) => {
    expect(located(text)).toEqual([{ path: '', message: 'nested more than 64 levels deep, the limit', line, column }]);
  });

  test('64 levels of nesting are read', () => {
    expect(readDocuments(`a: ${'['.repeat(63)}${']'.repeat(63)}\n`)[0].problems).toEqual([]);
  });

  test('a billion-laughs document is refused without expanding it', () => {
    let text = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
    let previous = 'a';
    for (const name of 'bcdefghi') {
      text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]\n`;
      previous = name;
    }
    expect(located(text)).toEqual([
      { path: '', message: 'YAML aliases expand to more than 100 nodes, the limit; write the repeated values out' },
    ]);
  });

  test('more than 100 aliases in one document are refused where the 101st is', () => {
    const text = `a: &a x\nb: [${Array(101).fill('*a').join(', ')}]\n`;
    expect(located(text)).toEqual([
      {
        path: '',
        message: 'YAML aliases expand to more than 100 nodes, the limit; write the repeated values out',
        line: 2,
        column: 405,
      },
    ]);
  });

  test('a large anchor used 99 times is refused by its expanded size, before anything copies it', () => {
    const big = 'x'.repeat(80 * 1024);
    const text = `a: &big "${big}"\nb: [${Array(99).fill('*big').join(', ')}]\n`;
    expect(located(text)).toEqual([
      {
        path: '',
        message: 'larger than 6 MiB (6291456 bytes) as JSON, the limit, counting every YAML alias expanded',
      },
    ]);
  });

  test('a 6 MB anchor used 99 times: over the size limit, refused unread', () => {
    const text = `a: &big "${'x'.repeat(6_000_000)}"\nb: [${Array(99).fill('*big').join(', ')}]\n`;
    expect(errors(text)[0][1]).toMatch(/^input is larger than 3 MiB/);
  });
});

describe('objects handed to the library', () => {
  test('a cycle is a depth problem', () => {
    const value = workspace();
    (value.inference as Record<string, unknown>).self = value;
    expect(errors(value)).toEqual([
      [
        expect.stringMatching(/^(inference\.self\.){31}resource\.labelSelector$/),
        'nested more than 64 levels deep, the limit',
      ],
    ]);
  });

  test.each<[string, unknown, string]>([
    ['a Date', new Date(0), 'must be plain JSON data, got a Date'],
    ['a Map', new Map(), 'must be plain JSON data, got a Map'],
    ['a bigint', BigInt(1), 'must be plain JSON data, got a bigint'],
    ['a function', () => 1, 'must be plain JSON data, got a function'],
    ['Infinity', Infinity, 'must be a finite number, got Infinity'],
    ['NaN', NaN, 'must be a finite number, got NaN'],
  ])('%s is refused with its path', (_what, value, message) => {
    expect(errors(withCount(value))).toEqual([['resource.count', message]]);
    expect(() => parseWorkspace(withCount(value))).toThrow(ValidationError);
  });

  test('checkValue stops at the size limit, whatever the size of the value', () => {
    const huge = { items: Array.from({ length: 4_000_000 }, () => 'abcdefgh') };
    const started = Date.now();
    expect(checkValue(huge)?.message).toMatch(/^larger than 6 MiB/);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('the kaito command never shows a stack trace', () => {
  const failingIo = (): CliIo & { err: () => string } => {
    let stderr = '';
    return {
      readFile: () => stringify(workspace()),
      readStdin: () => '',
      stdout: () => {
        throw new TypeError('boom');
      },
      stderr: (t) => (stderr += t),
      err: () => stderr,
    };
  };

  test('an internal error is one line, exit 1', () => {
    const io = failingIo();
    expect(runCli(['validate', 'w.yaml'], io)).toBe(1);
    expect(io.err()).toBe('kaito: internal error: boom (run with --debug for the stack)\n');
  });

  test('--debug shows the stack', () => {
    const io = failingIo();
    expect(runCli(['validate', '--debug', 'w.yaml'], io)).toBe(1);
    expect(io.err()).toMatch(/^kaito: internal error: TypeError: boom\n {4}at /);
  });

  test('a file larger than the limit is read only up to the limit, then refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaito-limits-'));
    try {
      const file = join(dir, 'big.yaml');
      writeFileSync(file, Buffer.alloc(INPUT_LIMITS.maxBytes * 2, 'a'));
      expect(readBoundedText(file)).toHaveLength(INPUT_LIMITS.maxBytes + 1);
      const small = join(dir, 'small.yaml');
      writeFileSync(small, 'é\n');
      expect(readBoundedText(small)).toBe('é\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
