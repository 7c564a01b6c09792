import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPresets, defaultSkus } from '../../src/catalog';
import { run } from './cli-run';

/* The CLI for people: the version, catalog listings, and hints when something is misspelled. */

const version = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string })
  .version;

const typo = (field: string, apiVersion = 'v1alpha1') => `apiVersion: kaito.sh/${apiVersion}
kind: Workspace
metadata: {name: a}
resource:
  ${field}: Standard_NC6s_v3
  labelSelector: {matchLabels: {a: b}}
inference: {preset: {name: phi-3-mini-4k-instruct}}
`;

test.each([['--version'], ['-v'], ['version']])('kaito %s prints the package version', (flag) => {
  expect(run([flag])).toEqual({ code: 0, stdout: `kaito ${version}\n`, stderr: '' });
});

test('a misspelled command suggests the command', () => {
  const result = run(['valdate', 'x.yaml']);
  expect(result.code).toBe(2);
  expect(result.stderr.split('\n')[0]).toBe('kaito: unknown command "valdate". Did you mean "kaito validate"?');
  expect(run(['frobnicate']).stderr.split('\n')[0]).toBe('kaito: unknown command "frobnicate".');
});

describe('a misspelled field', () => {
  test('warns with the field it may be, and the default that takes over without it', () => {
    const result = run(['validate', 'w.yaml'], { 'w.yaml': typo('instancetype') });
    expect([result.code, result.stdout]).toEqual([0, 'w.yaml: valid (Workspace a, kaito.sh/v1alpha1)\n']);
    expect(result.stderr).toBe(
      'w.yaml: warning: resource.instancetype: unknown field; the API server drops it. Did you mean "instanceType"? ' +
        'Without it, resource.instanceType takes its default "Standard_NC24ads_A100_v4"\n',
    );
  });

  test('in v1beta1, where instanceType has no default, only the hint', () => {
    const result = run(['validate', 'w.yaml'], { 'w.yaml': typo('instanceTyp', 'v1beta1') });
    expect(result.stderr).toBe(
      'w.yaml: warning: resource.instanceTyp: unknown field; the API server drops it. Did you mean "instanceType"?\n',
    );
  });

  test('is an error with --strict (exit 1)', () => {
    const result = run(['validate', '--strict', 'w.yaml'], { 'w.yaml': typo('instancetype') });
    expect(result).toEqual({
      code: 1,
      stdout:
        'w.yaml: resource.instancetype: unknown field; the API server drops it. Did you mean "instanceType"? ' +
        'Without it, resource.instanceType takes its default "Standard_NC24ads_A100_v4"\n',
      stderr: '',
    });
  });
});

test('an unknown instance type names the three closest and points at kaito skus, not the whole catalog', () => {
  const result = run(['validate', 'w.yaml'], { 'w.yaml': typo('instanceType').replace('NC6s_v3', 'NC6s_v4') });
  expect([result.code, result.stdout]).toEqual([
    1,
    'w.yaml: resource.instanceType: unknown instance type "Standard_NC6s_v4". Did you mean "Standard_NC6s_v3", ' +
      '"Standard_NC12s_v3", "Standard_NC24s_v3"? kaito skus lists every known one; register it with registerSku(), ' +
      'or add the annotation kaito.sh/bypass-resource-checks to skip the GPU checks\n',
  ]);
});

describe('kaito plan with flags', () => {
  test('names the flag, not a YAML path', () => {
    const result = run(['plan', '--preset', 'phi-3-mini-4k-instrukt', '--instance-type', 'Standard_NC6s_v4']);
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n').map((l) => l.split(':')[0])).toEqual(['--instance-type', '--preset', '']);
    expect(result.stdout).toContain('--preset: unknown preset "phi-3-mini-4k-instrukt". Did you mean');
  });

  test('a runtime the model does not support names --runtime', () => {
    const result = run([
      'plan',
      '--preset',
      'ministral-3-3b-instruct',
      '--instance-type',
      'Standard_NC24ads_A100_v4',
      '--runtime',
      'transformers',
    ]);
    expect([result.code, result.stdout]).toEqual([
      1,
      '--runtime: model "ministral-3-3b-instruct" does not support inference with the transformers runtime; remove the annotation to use vLLM\n',
    ]);
  });
});

describe('kaito presets', () => {
  const rows = (stdout: string) => stdout.trimEnd().split('\n');

  test('a table of every preset, sorted by name', () => {
    const result = run(['presets']);
    expect(result.code).toBe(0);
    const lines = rows(result.stdout);
    expect(lines[0].split(/ {2,}/)).toEqual([
      'NAME',
      'HUGGING FACE ID',
      'RUNTIMES',
      'TUNABLE',
      'WEIGHTS GiB',
      'CONTEXT',
      'GATED',
    ]);
    expect(lines.length - 1).toBe(defaultPresets.list().length);
    const phi = lines.find((l) => l.startsWith('phi-3-mini-4k-instruct '))!;
    expect(phi.split(/ {2,}/)).toEqual([
      'phi-3-mini-4k-instruct',
      'microsoft/Phi-3-mini-4k-instruct',
      'vllm,transformers',
      'yes',
      '7.12',
      '4096',
      'no',
    ]);
    const names = lines.slice(1).map((l) => l.split(' ')[0]);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  test('--tunable, --runtime transformers and --gated filter; -o json prints the entries', () => {
    const tunable = JSON.parse(run(['presets', '--tunable', '-o', 'json']).stdout) as Array<{ name: string }>;
    expect(tunable.map((p) => p.name).sort()).toEqual(
      defaultPresets
        .list()
        .filter((p) => p.tuning !== undefined)
        .map((p) => p.name)
        .sort(),
    );
    const transformers = JSON.parse(run(['presets', '--runtime', 'transformers', '-o', 'json']).stdout) as unknown[];
    expect(transformers.length).toBe(defaultPresets.list().filter((p) => p.transformersAllowed).length);
    const gated = JSON.parse(run(['presets', '--gated', '-o', 'json']).stdout) as Array<{ gated: boolean }>;
    expect(gated.length).toBe(defaultPresets.list().filter((p) => p.gated).length);
    expect(gated.every((p) => p.gated)).toBe(true);
  });

  test('a bad flag is a usage error', () => {
    expect(run(['presets', '--runtime', 'onnx']).code).toBe(2);
    expect(run(['presets', 'extra']).stderr.split('\n')[0]).toBe(
      'kaito presets: presets takes no arguments, got extra',
    );
  });
});

describe('kaito skus', () => {
  test('--cloud azure --min-gpu-memory 80: the A100 80 GB, H100 and H200 sizes', () => {
    const result = run(['skus', '--cloud', 'azure', '--min-gpu-memory', '80']);
    expect(
      result.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/ {2,}/)),
    ).toEqual([
      ['INSTANCE TYPE', 'CLOUD', 'GPUS', 'GPU', 'GiB/GPU', 'GiB TOTAL'],
      ['Standard_NC24ads_A100_v4', 'azure', '1', 'NVIDIA A100', '80', '80'],
      ['Standard_NC48ads_A100_v4', 'azure', '2', 'NVIDIA A100', '80', '160'],
      ['Standard_NC96ads_A100_v4', 'azure', '4', 'NVIDIA A100', '80', '320'],
      ['Standard_ND96amsr_A100_v4', 'azure', '8', 'NVIDIA A100', '80', '640'],
      ['Standard_NC40ads_H100_v5', 'azure', '1', 'NVIDIA H100', '94', '94'],
      ['Standard_NC80adis_H100_v5', 'azure', '2', 'NVIDIA H100', '94', '188'],
      ['Standard_ND96isr_H100_v5', 'azure', '8', 'NVIDIA H100', '80', '640'],
      ['Standard_NCC40ads_H100_v5', 'azure', '1', 'NVIDIA H100', '94', '94'],
      ['Standard_ND96isr_H200_v5', 'azure', '8', 'NVIDIA H200', '141', '1128'],
    ]);
  });

  test('every instance type by default, legacy ones marked; -o json and --min-gpus', () => {
    const all = run(['skus']).stdout.trimEnd().split('\n');
    expect(all.length - 1).toBe(defaultSkus.list().length);
    expect(all.find((l) => l.startsWith('Standard_NC6s_v3 '))!.split(/ {2,}/)).toEqual([
      'Standard_NC6s_v3',
      'azure',
      '1',
      'NVIDIA V100',
      '16',
      '16',
      'legacy',
    ]);
    const eight = JSON.parse(run(['skus', '--min-gpus', '8', '-o', 'json']).stdout) as Array<{ gpuCount: number }>;
    expect(eight.length).toBe(defaultSkus.list().filter((s) => s.gpuCount >= 8).length);
  });

  test('a bad number is a usage error naming the flag', () => {
    const result = run(['skus', '--min-gpu-memory', 'lots']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe('kaito skus: --min-gpu-memory must be a non-negative number, got "lots"');
  });
});
