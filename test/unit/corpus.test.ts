import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkWorkspaces } from '../../src/plan';

const corpus = join(__dirname, '..', 'corpus');
const invalid = readdirSync(join(corpus, 'invalid')).filter((f) => f.endsWith('.yaml'));

/** The `# expect: path :: message` header of a corpus file. */
function expectation(text: string): { path: string; message: string } {
  const match = /^# expect: (.*?) :: (.*)$/m.exec(text);
  if (!match) throw new Error('corpus file without an expect header');
  return { path: match[1], message: match[2] };
}

describe('bad-input corpus', () => {
  test('has at least 30 cases, each with a valid twin', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(30);
    expect(readdirSync(join(corpus, 'valid')).sort()).toEqual([...invalid].sort());
  });

  test.each(invalid)('%s is rejected with exactly its one problem', (file) => {
    const text = readFileSync(join(corpus, 'invalid', file), 'utf8');
    const { path, message } = expectation(text);
    const errors = checkWorkspaces(text).flatMap((c) => c.problems.filter((p) => p.severity === 'error'));
    expect(errors).toHaveLength(1);
    expect(errors[0].path).toBe(path);
    expect(errors[0].message).toContain(message);
  });

  test.each(invalid)('the valid twin of %s passes and plans', (file) => {
    const text = readFileSync(join(corpus, 'valid', file), 'utf8');
    const checks = checkWorkspaces(text);
    expect(checks).toHaveLength(1);
    expect(checks[0].problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(checks[0].plan).toBeDefined();
  });
});
