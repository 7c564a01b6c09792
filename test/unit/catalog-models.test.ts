import { MODEL_PRESETS } from '../../src/catalog/models';
import type { ModelPreset } from '../../src/catalog/types';

function preset(name: string): ModelPreset {
  const found = MODEL_PRESETS.find((p) => p.name === name);
  if (found === undefined) throw new Error(`no preset named ${name}`);
  return found;
}

const catalog = MODEL_PRESETS.filter((p) => p.source === 'catalog');

const LEGACY_ALIASES = [
  'phi-4',
  'phi-4-mini-instruct',
  'llama-3.1-8b-instruct',
  'llama-3.3-70b-instruct',
  'deepseek-r1-distill-llama-8b',
  'deepseek-r1-distill-qwen-14b',
  'deepseek-r1-0528',
  'deepseek-v3-0324',
  'phi-3-mini-4k-instruct',
  'phi-3-mini-128k-instruct',
  'phi-3-medium-4k-instruct',
  'phi-3-medium-128k-instruct',
  'phi-3.5-mini-instruct',
  'qwen2.5-coder-7b-instruct',
  'qwen2.5-coder-32b-instruct',
  'gpt-oss-20b',
  'gpt-oss-120b',
  'gemma-3-4b-instruct',
  'gemma-3-27b-instruct',
  'mistral-7b',
  'mistral-7b-instruct',
  'ministral-3-3b-instruct',
  'ministral-3-8b-instruct',
  'ministral-3-14b-instruct',
  'mistral-large-3-675b-instruct',
];

describe('MODEL_PRESETS', () => {
  test('counts per source', () => {
    expect(catalog).toHaveLength(60);
    expect(MODEL_PRESETS.filter((p) => p.source === 'classic').map((p) => p.name)).toEqual([
      'falcon-7b',
      'falcon-7b-instruct',
      'falcon-40b',
      'falcon-40b-instruct',
      'phi-2',
    ]);
    expect(MODEL_PRESETS.filter((p) => p.source === 'private').map((p) => p.name)).toEqual([
      'llama-2-7b',
      'llama-2-7b-chat',
      'llama-2-13b',
      'llama-2-13b-chat',
      'llama-2-70b',
      'llama-2-70b-chat',
    ]);
    expect(MODEL_PRESETS).toHaveLength(71);
  });

  test('the 25 legacy aliases are exactly the catalog aliases, and each is its entry name', () => {
    const withAlias = catalog.filter((p) => p.aliases.length > 0);
    expect(withAlias).toHaveLength(25);
    expect(withAlias.flatMap((p) => p.aliases).sort()).toEqual([...LEGACY_ALIASES].sort());
    for (const p of withAlias) expect(p.aliases).toEqual([p.name]);
    expect(MODEL_PRESETS.filter((p) => p.source !== 'catalog').every((p) => p.aliases.length === 0)).toBe(true);
  });

  test('names, aliases and Hugging Face IDs never collide, case-insensitively', () => {
    const owner = new Map<string, string>();
    for (const p of MODEL_PRESETS) {
      const keys = new Set(
        [p.name, ...p.aliases, ...(p.huggingFaceId ? [p.huggingFaceId] : [])].map((k) => k.toLowerCase()),
      );
      for (const key of keys) {
        expect(owner.get(key) ?? p.name).toBe(p.name);
        owner.set(key, p.name);
      }
    }
    const ids = MODEL_PRESETS.flatMap((p) => (p.huggingFaceId ? [p.huggingFaceId.toLowerCase()] : []));
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('names and aliases are lower case; catalog names follow the alias or the last ID segment', () => {
    for (const p of MODEL_PRESETS) {
      expect(p.name).toBe(p.name.toLowerCase());
      for (const a of p.aliases) expect(a).toBe(a.toLowerCase());
    }
    for (const p of catalog) {
      const lastSegment = p.huggingFaceId!.split('/').pop()!.toLowerCase();
      expect(p.name).toBe(p.aliases[0] ?? lastSegment);
    }
  });

  test('catalog invariants', () => {
    for (const p of catalog) {
      expect(p.huggingFaceId).toMatch(/^[^/]+\/[^/]+$/);
      expect(p.diskGiB).toBe(Math.trunc(p.weightsGiB + 80));
      expect(p.defaultRuntime).toBe('vllm');
      expect(p.distributedAllowed).toBe(true);
      expect(p.downloadAtRuntime).toBe(true);
      expect(p.vllmLoraAllowed).toBe(true);
      expect(p.dtype).toBe(p.quantization === undefined ? 'bfloat16' : 'auto');
      expect(Number.isInteger(p.kvCache.layers) && Number.isInteger(p.kvCache.headDim)).toBe(true);
    }
    expect(catalog.filter((p) => p.transformersAllowed)).toHaveLength(20);
    expect(catalog.filter((p) => p.tuning !== undefined).map((p) => p.name)).toEqual([
      'phi-4',
      'phi-4-mini-instruct',
      'phi-3-mini-4k-instruct',
      'phi-3-mini-128k-instruct',
      'phi-3-medium-4k-instruct',
      'phi-3-medium-128k-instruct',
      'phi-3.5-mini-instruct',
      'qwen2.5-coder-7b-instruct',
      'qwen2.5-coder-32b-instruct',
      'mistral-7b',
    ]);
    expect(catalog.filter((p) => p.gated).map((p) => p.name)).toEqual([
      'llama-3.1-8b-instruct',
      'llama-3.3-70b-instruct',
      'gemma-3-4b-instruct',
      'gemma-3-27b-instruct',
    ]);
    expect(
      catalog
        .filter((p) => p.requiresCudaToolkit)
        .map((p) => p.name)
        .sort(),
    ).toEqual([
      'deepseek-v3.2',
      'deepseek-v4-flash-0731',
      'deepseek-v4-pro',
      'glm-5.2-fp8',
      'mistral-small-4-119b-2603',
    ]);
  });

  test('phi-3-mini-4k-instruct', () => {
    expect(preset('phi-3-mini-4k-instruct')).toEqual({
      name: 'phi-3-mini-4k-instruct',
      huggingFaceId: 'microsoft/Phi-3-mini-4k-instruct',
      revision: '0a67737cc96d2554230f90338b163bc6380a2a85',
      aliases: ['phi-3-mini-4k-instruct'],
      source: 'catalog',
      weightsGiB: 7.12,
      diskGiB: 87,
      maxContextTokens: 4096,
      architecture: 'Phi3ForCausalLM',
      kvCache: { layers: 32, kvHeads: 32, headDim: 96 },
      dtype: 'bfloat16',
      defaultRuntime: 'vllm',
      transformersAllowed: true,
      vllmLoraAllowed: true,
      distributedAllowed: true,
      tuning: { diskGiB: 80, memoryGiB: 72, targetModules: 'k_proj,q_proj,v_proj,o_proj,gate_proj,down_proj,up_proj' },
      gated: false,
      downloadAtRuntime: true,
    });
  });

  test('catalog spot checks', () => {
    const llama70 = preset('llama-3.3-70b-instruct');
    expect(llama70.huggingFaceId).toBe('meta-llama/Llama-3.3-70B-Instruct');
    expect([llama70.weightsGiB, llama70.diskGiB, llama70.maxContextTokens]).toEqual([131.42, 211, 131072]);
    expect(llama70.kvCache).toEqual({ layers: 80, kvHeads: 8, headDim: 128 });
    expect(llama70.vllm).toEqual({ toolCallParser: 'llama3_json', chatTemplate: 'tool-chat-llama3.1-json.jinja' });

    const mistral = preset('mistral-7b');
    expect(mistral.huggingFaceId).toBe('mistralai/Mistral-7B-v0.3');
    expect([mistral.weightsGiB, mistral.diskGiB, mistral.maxContextTokens]).toEqual([13.5, 93, 32768]);
    expect(mistral.tuning).toEqual({ diskGiB: 90, memoryGiB: 16 });
    expect(mistral.vllm).toEqual({
      toolCallParser: 'mistral',
      tokenizerMode: 'mistral',
      loadFormat: 'mistral',
      configFormat: 'mistral',
    });

    const r1 = preset('deepseek-r1-0528');
    expect([r1.weightsGiB, r1.diskGiB, r1.maxContextTokens, r1.quantization, r1.dtype]).toEqual([
      641.3,
      721,
      163840,
      'fp8',
      'auto',
    ]);
    expect(r1.kvCache).toEqual({ layers: 61, kvHeads: 128, headDim: 56, kvLoraRank: 512, qkRopeHeadDim: 64 });
    expect(r1.vllm).toEqual({
      toolCallParser: 'deepseek_v3',
      reasoningParser: 'deepseek_r1',
      chatTemplate: 'tool-chat-deepseekr1.jinja',
      tokenizerMode: 'deepseek_v32',
    });

    const gemma = preset('gemma-3-4b-instruct');
    expect(gemma.huggingFaceId).toBe('google/gemma-3-4b-it');
    expect(gemma.kvCache).toEqual({ layers: 34, kvHeads: 4, headDim: 256 });

    const large = preset('mistral-large-3-675b-instruct');
    expect([large.weightsGiB, large.diskGiB, large.maxContextTokens, large.transformersAllowed]).toEqual([
      634.7,
      714,
      294912,
      false,
    ]);
    expect(large.kvCache).toEqual({ layers: 61, kvHeads: 128, headDim: 192, kvLoraRank: 512, qkRopeHeadDim: 64 });

    const gptOss = preset('gpt-oss-120b');
    expect([gptOss.weightsGiB, gptOss.diskGiB, gptOss.quantization, gptOss.gated]).toEqual([
      121.54,
      201,
      'mxfp4',
      false,
    ]);
    expect(gptOss.kvCache).toEqual({ layers: 36, kvHeads: 8, headDim: 64 });

    const qwen = preset('qwen3.5-2b');
    expect(qwen.huggingFaceId).toBe('Qwen/Qwen3.5-2B');
    expect([qwen.weightsGiB, qwen.diskGiB, qwen.maxContextTokens, qwen.architecture]).toEqual([
      4.24,
      84,
      262144,
      'Qwen3_5ForConditionalGeneration',
    ]);
    expect(qwen.kvCache).toEqual({ layers: 24, kvHeads: 2, headDim: 256 });

    const v4 = preset('deepseek-v4-pro');
    expect([v4.weightsGiB, v4.diskGiB, v4.maxContextTokens, v4.requiresCudaToolkit]).toEqual([
      805.34,
      885,
      1048576,
      true,
    ]);
    expect(v4.kvCache).toEqual({ layers: 61, kvHeads: 1, headDim: 512 });

    const small4 = preset('mistral-small-4-119b-2603');
    expect(small4.kvCache).toEqual({ layers: 36, kvHeads: 32, headDim: 128, kvLoraRank: 256, qkRopeHeadDim: 64 });
    expect(preset('mistral-small-4-119b-2603-nvfp4').requiresCudaToolkit).toBeUndefined();

    expect(preset('nvidia-nemotron-3-ultra-550b-a55b-nvfp4').quantization).toBe('MIXED_PRECISION');
    expect(preset('qwen3-8b-awq')).toMatchObject({ weightsGiB: 5.68, diskGiB: 85, quantization: 'awq', dtype: 'auto' });
  });

  test('classic presets', () => {
    expect(preset('falcon-7b')).toMatchObject({
      huggingFaceId: 'tiiuae/falcon-7b',
      weightsGiB: 13.44,
      diskGiB: 90,
      maxContextTokens: 2048,
      architecture: 'FalconForCausalLM',
      kvCache: { layers: 32, kvHeads: 1, headDim: 64 },
      vllmLoraAllowed: false,
      distributedAllowed: false,
      downloadAtRuntime: false,
      minGpuCount: 1,
      tuning: { diskGiB: 90, memoryGiB: 16 },
    });
    expect(preset('falcon-40b-instruct')).toMatchObject({
      weightsGiB: 77.9,
      diskGiB: 280,
      kvCache: { layers: 60, kvHeads: 8, headDim: 64 },
      vllmLoraAllowed: false,
      minGpuCount: 2,
    });
    expect(preset('falcon-40b').tuning).toEqual({ diskGiB: 280, memoryGiB: 77.9 });
    expect(preset('falcon-7b-instruct').tuning).toBeUndefined();
    expect(preset('phi-2')).toMatchObject({
      huggingFaceId: 'microsoft/phi-2',
      weightsGiB: 5.18,
      diskGiB: 80,
      maxContextTokens: 2048,
      kvCache: { layers: 32, kvHeads: 32, headDim: 80 },
      dtype: 'float16',
      deprecated: false,
      tuning: { diskGiB: 80, memoryGiB: 16 },
    });
  });

  test('private Llama 2 presets', () => {
    const expected: Record<string, [number, number, number, boolean]> = {
      'llama-2-7b': [12.55, 34, 1, false],
      'llama-2-7b-chat': [12.55, 34, 1, false],
      'llama-2-13b': [24.24, 46, 2, true],
      'llama-2-13b-chat': [24.24, 46, 2, true],
      'llama-2-70b': [128.48, 158, 8, true],
      'llama-2-70b-chat': [128.48, 158, 8, true],
    };
    for (const [name, [weights, disk, gpus, distributed]] of Object.entries(expected)) {
      const p = preset(name);
      expect([p.weightsGiB, p.diskGiB, p.minGpuCount, p.distributedAllowed]).toEqual([
        weights,
        disk,
        gpus,
        distributed,
      ]);
      expect(p).toMatchObject({
        maxContextTokens: 4096,
        gated: true,
        transformersAllowed: true,
        defaultRuntime: 'transformers',
        downloadAtRuntime: false,
      });
      expect(p.huggingFaceId).toBeUndefined();
    }
    expect(preset('llama-2-70b').kvCache).toEqual({ layers: 80, kvHeads: 8, headDim: 128 });
  });
});
