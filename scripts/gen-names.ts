/*
 * Writes src/catalog/names.ts: the preset names and instance types of the default catalog as literal
 * unions, so that editors complete them. test/unit/catalog-names.test.ts fails when the file is out of date.
 *
 *   npm run gen:names
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_PRESETS } from '../src/catalog/models';
import { GPU_SKUS } from '../src/catalog/skus';

const union = (names: readonly string[]): string =>
  [...new Set(names)]
    .sort((a, b) => a.localeCompare(b))
    .map((n) => `  | ${JSON.stringify(n).replace(/"/g, "'")}\n`)
    .join('');

/** The text of src/catalog/names.ts for the catalog as it is. */
export function catalogNamesModule(): string {
  const presets = MODEL_PRESETS.flatMap((p) => [p.name, ...p.aliases]);
  return `// Generated from the catalog by \`npm run gen:names\` (scripts/gen-names.ts); do not edit.

/**
 * A model preset the default catalog knows, by name or alias. Any other string is accepted too (a preset
 * added with \`registerPreset()\`, a Hugging Face ID): the union is there for editors to complete.
 */
export type PresetName =
${union(presets)}  | (string & {});

/**
 * A GPU instance type the default catalog knows. Any other string is accepted too (one added with
 * \`registerSku()\`): the union is there for editors to complete.
 */
export type InstanceType =
${union(GPU_SKUS.map((s) => s.name))}  | (string & {});
`;
}

if (require.main === module) {
  writeFileSync(join(__dirname, '..', 'src', 'catalog', 'names.ts'), catalogNamesModule());
}
