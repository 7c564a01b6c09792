import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { renderWorkspace, type KubeObject } from '../../../src/render';
import { SEED_FILES, seed } from './helpers';

/*
 * Golden files: the direct-mode render of each seed example, as multi-document YAML. A change in the
 * output fails here; when the change is intended, rewrite them with UPDATE_GOLDEN=1 and review the diff.
 */

const GOLDEN_DIR = join(__dirname, '..', '..', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Multi-document YAML, keys in the order the renderer writes them, no line folding. */
export function toYaml(file: string, objects: readonly KubeObject[]): string {
  const header = `# Direct-mode render of test/fixtures/seed/${file}. Regenerate: UPDATE_GOLDEN=1 npm run test:unit -- golden\n`;
  return header + objects.map((o) => stringify(o, { lineWidth: 0, indentSeq: true })).join('---\n');
}

describe('golden files (test/golden)', () => {
  test.each(SEED_FILES)('%s', (file) => {
    const { ws, plan } = seed(file);
    const actual = toYaml(file, renderWorkspace(ws, plan));
    const path = join(GOLDEN_DIR, file);
    if (UPDATE) {
      mkdirSync(GOLDEN_DIR, { recursive: true });
      writeFileSync(path, actual);
    }
    expect(existsSync(path)).toBe(true);
    expect(actual).toBe(readFileSync(path, 'utf8'));
  });
});
