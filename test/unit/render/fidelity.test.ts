import { defaultPresets } from '../../../src/catalog';
import { renderInference, servedModelName } from '../../../src/render';
import { container, podOf, workspace } from './helpers';

/*
 * What Kaito v0.12.0's own generators put into the inference pod, value for value (read from
 * pkg/workspace/inference/preset_inferences.go and pkg/model/interface.go at that tag).
 */

const argsOf = (parts: Record<string, unknown>): string[] => {
  const { ws, plan } = workspace(parts);
  return container(podOf(renderInference(ws, plan)), 'ws').args ?? [];
};

describe('served model name (Kaito: the lower-cased last segment of the Hugging Face repository)', () => {
  test('exactly the 8 legacy aliases whose name is not the repository suffix are served under the suffix', () => {
    const renamed = defaultPresets
      .list()
      .map((preset) => [preset.name, servedModelName({ preset, plan: {} as never, name: 'ws' })] as const)
      .filter(([name, served]) => name !== served);
    expect(renamed).toEqual([
      ['mistral-7b', 'mistral-7b-v0.3'],
      ['mistral-7b-instruct', 'mistral-7b-instruct-v0.3'],
      ['ministral-3-3b-instruct', 'ministral-3-3b-instruct-2512'],
      ['ministral-3-8b-instruct', 'ministral-3-8b-instruct-2512'],
      ['ministral-3-14b-instruct', 'ministral-3-14b-instruct-2512'],
      ['gemma-3-4b-instruct', 'gemma-3-4b-it'],
      ['gemma-3-27b-instruct', 'gemma-3-27b-it'],
      ['mistral-large-3-675b-instruct', 'mistral-large-3-675b-instruct-2512'],
    ]);
  });

  test('vLLM and transformers flags carry it', () => {
    expect(argsOf({ inference: { preset: { name: 'mistral-7b-instruct' } } })[0]).toBe(
      '--served-model-name=mistral-7b-instruct-v0.3',
    );
    expect(
      argsOf({ inference: { preset: { name: 'gemma-3-4b-instruct', presetOptions: { modelAccessSecret: 'hf' } } } })[0],
    ).toBe('--served-model-name=gemma-3-4b-it');
    const tf = argsOf({
      metadata: { name: 'ws', namespace: 'ml', annotations: { 'kaito.sh/runtime': 'transformers' } },
      inference: { preset: { name: 'mistral-7b' } },
    });
    expect(tf.filter((a) => a.startsWith('--served_model_name'))).toEqual(['--served_model_name=mistral-7b-v0.3']);
  });

  test('a Hugging Face ID outside the catalog, and a classic preset', () => {
    const hf = argsOf({ inference: { preset: { name: 'Qwen/Qwen2.5-0.5B-Instruct' } } });
    expect(hf.slice(0, 2)).toEqual(['--served-model-name=qwen2.5-0.5b-instruct', '--model=Qwen/Qwen2.5-0.5B-Instruct']);
    expect(argsOf({ inference: { preset: { name: 'falcon-7b' } } })[0]).toBe('--served-model-name=falcon-7b');
  });
});
