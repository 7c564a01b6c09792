import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogNamesModule } from '../../scripts/gen-names';
import { defaultPresets, defaultSkus, type InstanceType, type PresetName } from '../../src/catalog';

test('src/catalog/names.ts is the catalog as it is (npm run gen:names)', () => {
  expect(readFileSync(join(__dirname, '..', '..', 'src', 'catalog', 'names.ts'), 'utf8')).toBe(catalogNamesModule());
});

test('the unions name every preset, alias and instance type the catalog resolves, and nothing else', () => {
  const text = catalogNamesModule();
  const members = (type: string): string[] => {
    const body = text.slice(text.indexOf(`export type ${type} =`)).split(';')[0];
    return [...body.matchAll(/\| '([^']+)'/g)].map((m) => m[1]);
  };
  const presets = members('PresetName');
  expect(presets.length).toBe(new Set(defaultPresets.list().flatMap((p) => [p.name, ...p.aliases])).size);
  expect(presets.filter((n) => defaultPresets.find(n) === undefined)).toEqual([]);
  const skus = members('InstanceType');
  expect(skus.slice().sort()).toEqual(
    defaultSkus
      .list()
      .map((s) => s.name)
      .sort(),
  );
});

test('any other string is still a PresetName and an InstanceType', () => {
  const custom: PresetName = 'my-org/my-model';
  const known: PresetName = 'phi-3-mini-4k-instruct';
  const sku: InstanceType = 'Standard_NC6s_v3';
  const registered: InstanceType = 'Custom_GPU_v1';
  expect([custom, known, sku, registered]).toEqual([
    'my-org/my-model',
    'phi-3-mini-4k-instruct',
    'Standard_NC6s_v3',
    'Custom_GPU_v1',
  ]);
});
