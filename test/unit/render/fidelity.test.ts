import { stringify } from 'yaml';
import { defaultPresets, kvBytesPerToken, kvCacheOffloadAllowed, type ModelPreset } from '../../../src/catalog';
import { checkWorkspaces, planWorkspace } from '../../../src/plan';
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

describe('GPU partitions (bring-your-own nodes)', () => {
  const byo = (partition: Record<string, unknown>): Record<string, unknown> => ({
    resource: { labelSelector: { matchLabels: { apps: 'llm' } }, partition },
    inference: { preset: { name: 'phi-4-mini-instruct' } },
  });

  test('mig: the profile extended resource, its toleration, KV-cache CPU offload off', () => {
    const { ws, plan } = workspace(byo({ mode: 'mig', profile: '2g.24gb' }));
    const pod = podOf(renderInference(ws, plan));
    const main = container(pod, 'ws');
    expect(main.resources).toEqual({
      requests: { 'nvidia.com/mig-2g.24gb': '1' },
      limits: { 'nvidia.com/mig-2g.24gb': '1' },
    });
    expect(pod.tolerations).toEqual([
      { key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'kubernetes.azure.com/scalesetpriority', operator: 'Equal', value: 'spot', effect: 'NoSchedule' },
      { key: 'nvidia.com/mig-2g.24gb', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(main.args).toContain('--kaito-kv-cache-cpu-memory-utilization=0');
    expect(main.args).toContain('--tensor-parallel-size=1');
    expect([plan.gpusPerNode, plan.gpuMemoryPerGpuGiB]).toEqual([1, 24]);
  });

  test('mig: one slice even when the observed node has 8 GPUs', () => {
    const { ws } = workspace(byo({ mode: 'mig', profile: '1g.10gb' }));
    const plan = planWorkspace(ws, { observedNode: { gpuCount: 8, gpuMemoryPerGpuGiB: 80 } });
    expect([plan.gpusPerNode, plan.gpuMemoryPerGpuGiB, plan.tensorParallelSize]).toEqual([1, 10, 1]);
  });

  test('accelerator: count whole GPUs of the node, nvidia.com/gpu, no MIG toleration', () => {
    const { ws } = workspace(byo({ mode: 'accelerator', count: 2 }));
    const plan = planWorkspace(ws, { observedNode: { gpuCount: 8, gpuMemoryPerGpuGiB: 80 } });
    const pod = podOf(renderInference(ws, plan));
    const main = container(pod, 'ws');
    expect(main.resources).toEqual({ requests: { 'nvidia.com/gpu': '2' }, limits: { 'nvidia.com/gpu': '2' } });
    expect(pod.tolerations).toHaveLength(3);
    expect([plan.gpusPerNode, plan.gpuMemoryPerGpuGiB]).toEqual([2, 80]);
  });

  test.each([
    [{ mode: 'accelerator', count: 2 }, []],
    [{ mode: 'mig', profile: '3g.47gb' }, []],
    [
      { mode: 'accelerator', profile: '1g.10gb', count: 2 },
      [['resource.partition.profile', 'mode accelerator needs count (the whole GPUs to allocate) and no profile']],
    ],
    [
      { mode: 'accelerator' },
      [['resource.partition.count', 'mode accelerator needs count (the whole GPUs to allocate) and no profile']],
    ],
    [
      { mode: 'mig', profile: '1g.10gb', count: 1 },
      [
        [
          'resource.partition.count',
          'mode mig needs profile, a MIG profile such as "1g.10gb" or "2g.24gb", and no count',
        ],
      ],
    ],
    [
      { mode: 'mig', profile: '10GB' },
      [
        [
          'resource.partition.profile',
          'mode mig needs profile, a MIG profile such as "1g.10gb" or "2g.24gb", and no count',
        ],
      ],
    ],
    [
      { mode: 'mig' },
      [
        [
          'resource.partition.profile',
          'mode mig needs profile, a MIG profile such as "1g.10gb" or "2g.24gb", and no count',
        ],
      ],
    ],
  ])('validation of %j, as Kaito validates partitions', (partition, expected) => {
    const [check] = checkWorkspaces(
      stringify({ apiVersion: 'kaito.sh/v1beta1', kind: 'Workspace', metadata: { name: 'ws' }, ...byo(partition) }),
    );
    const errors = check.problems.filter((p) => p.severity === 'error').map((p) => [p.path, p.message]);
    expect(errors).toEqual(expected);
  });
});

describe('KV-cache CPU offload off where Kaito turns it off', () => {
  test('hybrid-KV architectures and gpt-oss (LMCache crashes on aborted requests): exactly these presets', () => {
    expect(
      defaultPresets
        .list()
        .filter((p) => !kvCacheOffloadAllowed(p))
        .map((p) => p.name),
    ).toEqual([
      'gpt-oss-20b',
      'gpt-oss-120b',
      'nvidia-nemotron-3-super-120b-a12b-bf16',
      'nemotron-cascade-2-30b-a3b',
      'nvidia-nemotron-3-nano-30b-a3b-bf16',
      'nvidia-nemotron-nano-12b-v2-vl-bf16',
      'nvidia-nemotron-nano-9b-v2',
      'nvidia-nemotron-3-nano-4b-bf16',
      'gemma-4-31b-it',
      'gemma-4-26b-a4b-it',
      'gemma-4-e4b-it',
      'gemma-4-e2b-it',
      'qwen3.5-2b',
      'qwen3.5-4b',
      'qwen3.5-9b',
      'qwen3.5-122b-a10b-gptq-int4',
      'qwen3.5-122b-a10b',
      'qwen3.6-35b-a3b-fp8',
      'qwen3.6-35b-a3b',
      'qwen3.6-27b',
      'qwen3.5-397b-a17b-gptq-int4',
      'deepseek-v4-flash-0731',
      'deepseek-v4-pro',
      'gemma-4-12b-it',
      'nvidia-nemotron-3-ultra-550b-a55b-nvfp4',
      'deepseek-v3.2',
      'qwen3.8-27b',
    ]);
  });

  test.each([
    ['gemma-4-31b-it', 1],
    ['nvidia-nemotron-3-nano-30b-a3b-bf16', 1],
    ['phi-4', 0],
  ])('%s on one A100: the offload flag %d times', (name, times) => {
    const args = argsOf({ inference: { preset: { name } } });
    expect(args.filter((a) => a === '--kaito-kv-cache-cpu-memory-utilization=0')).toHaveLength(times);
  });
});

describe('models that need their own vLLM flags or a CUDA toolkit', () => {
  const on = (name: string, instanceType = 'Standard_ND96isr_H200_v5') => {
    const { ws, plan } = workspace({
      resource: { instanceType, labelSelector: { matchLabels: { apps: 'llm' } } },
      inference: { preset: { name } },
    });
    const pod = podOf(renderInference(ws, plan));
    return { pod, main: container(pod, 'ws') };
  };

  test('DeepSeek-V4-Flash: fp8 KV cache, DeepGEMM on, CUDA_HOME and the toolkit provisioner', () => {
    const { pod, main } = on('deepseek-v4-flash-0731');
    expect(main.args).toContain('--kv-cache-dtype=fp8');
    expect(main.env).toEqual([
      { name: 'VLLM_USE_FLASHINFER_SAMPLER', value: '0' },
      { name: 'VLLM_USE_DEEP_GEMM', value: '1' },
      { name: 'CUDA_HOME', value: '/opt/kaito/cuda/129' },
    ]);
    expect(pod.initContainers).toEqual([
      {
        name: 'cuda-toolkit-provisioner',
        image: 'mcr.microsoft.com/aks/kaito/kaito-base:0.5.0',
        command: ['/bin/sh', '-c', 'flock "$1" /workspace/cuda-provision.sh "$1"', 'sh', '/opt/kaito/cuda/129'],
        volumeMounts: [{ name: 'cuda-toolkit', mountPath: '/opt/kaito/cuda/129' }],
        securityContext: {
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETGID', 'SETUID'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
      },
    ]);
    expect(pod.volumes?.find((v) => v.name === 'cuda-toolkit')).toEqual({
      name: 'cuda-toolkit',
      emptyDir: { sizeLimit: '4Gi' },
    });
    expect(main.volumeMounts?.find((m) => m.name === 'cuda-toolkit')).toEqual({
      name: 'cuda-toolkit',
      mountPath: '/opt/kaito/cuda/129',
      readOnly: true,
    });
  });

  test('GLM-5.2-FP8: fp8 KV cache and DeepGEMM; Mistral Small 4: the toolkit without DeepGEMM', () => {
    const glm = on('glm-5.2-fp8').main;
    expect(glm.args).toContain('--kv-cache-dtype=fp8');
    expect(glm.env?.find((e) => e.name === 'VLLM_USE_DEEP_GEMM')).toEqual({ name: 'VLLM_USE_DEEP_GEMM', value: '1' });
    const mistral = on('mistral-small-4-119b-2603');
    expect(mistral.main.env?.map((e) => `${e.name}=${e.value}`)).toEqual([
      'VLLM_USE_FLASHINFER_SAMPLER=0',
      'VLLM_USE_DEEP_GEMM=0',
      'CUDA_HOME=/opt/kaito/cuda/129',
    ]);
    expect(mistral.pod.initContainers?.map((c) => c.name)).toEqual(['cuda-toolkit-provisioner']);
  });

  test('Qwen3.5: the triton Gated DeltaNet prefill, no toolkit', () => {
    const { pod, main } = on('qwen3.5-9b', 'Standard_NC24ads_A100_v4');
    expect(main.args?.filter((a) => a.startsWith('--gdn'))).toEqual(['--gdn-prefill-backend=triton']);
    expect(main.args).not.toContain('--kv-cache-dtype=fp8');
    expect(pod.initContainers).toBeUndefined();
    expect(main.env?.map((e) => `${e.name}=${e.value}`)).toEqual([
      'VLLM_USE_FLASHINFER_SAMPLER=0',
      'VLLM_USE_DEEP_GEMM=0',
    ]);
  });

  test('MiniMax M2.7: expert parallelism; DeepSeek V3.2: FlashInfer autotuning off', () => {
    expect(on('minimax-m2.7').main.args).toContain('--enable-expert-parallel');
    expect(on('deepseek-v3.2').main.args).toContain('--kernel-config.enable_flashinfer_autotune=False');
    expect(
      on('qwen3.5-9b').main.args?.filter((a) => a.startsWith('--kernel-config') || a.endsWith('expert-parallel')),
    ).toEqual([]);
  });

  test('which catalog presets carry each flag', () => {
    const having = (pick: (v: NonNullable<ModelPreset['vllm']>) => unknown) =>
      defaultPresets
        .list()
        .filter((p) => p.vllm !== undefined && pick(p.vllm) !== undefined)
        .map((p) => p.name);
    expect(having((v) => v.kvCacheDtype)).toEqual(['deepseek-v4-flash-0731', 'deepseek-v4-pro', 'glm-5.2-fp8']);
    expect(having((v) => v.gdnPrefillBackend)).toEqual(
      defaultPresets
        .list()
        .map((p) => p.name)
        .filter((n) => /^qwen3\.[568]/.test(n)),
    );
    expect(having((v) => v.gdnPrefillBackend)).toHaveLength(10);
    expect(having((v) => v.expertParallel)).toEqual(['minimax-m2.7']);
    expect(having((v) => v.flashInferAutotune)).toEqual(['deepseek-v3.2']);
  });
});

describe('kaito.sh/performance-mode', () => {
  const withMode = (mode: string, extra: Record<string, string> = {}) => ({
    metadata: { name: 'ws', namespace: 'ml', annotations: { 'kaito.sh/performance-mode': mode, ...extra } },
    inference: { preset: { name: 'phi-4' } },
  });
  const modeArgs = (args: string[]) => args.filter((a) => a.startsWith('--performance-mode'));

  test("throughput and interactivity reach vLLM; balanced is vLLM's default and is not passed", () => {
    expect(modeArgs(argsOf(withMode('throughput')))).toEqual(['--performance-mode=throughput']);
    expect(modeArgs(argsOf(withMode('interactivity')))).toEqual(['--performance-mode=interactivity']);
    expect(modeArgs(argsOf(withMode('balanced')))).toEqual([]);
  });

  const problems = (parts: Record<string, unknown>) =>
    checkWorkspaces(
      stringify({
        apiVersion: 'kaito.sh/v1beta1',
        kind: 'Workspace',
        ...parts,
        resource: { instanceType: 'Standard_NC24ads_A100_v4', labelSelector: { matchLabels: { apps: 'llm' } } },
      }),
    )[0]
      .problems.filter((p) => p.path.startsWith('metadata.annotations'))
      .map((p) => [p.severity, p.message]);

  test('an unknown mode is rejected as Kaito rejects it; on transformers it is ignored with a warning', () => {
    expect(problems(withMode('fast'))).toEqual([
      ['error', 'unsupported value "fast": supported values: "balanced", "interactivity", "throughput"'],
    ]);
    expect(problems(withMode('throughput', { 'kaito.sh/runtime': 'transformers' }))).toEqual([
      ['warning', 'only the vLLM inference runtime has performance modes; it is ignored here'],
    ]);
    expect(modeArgs(argsOf(withMode('throughput', { 'kaito.sh/runtime': 'transformers' })))).toEqual([]);
  });
});

describe('KV bytes per token of the fp8-cache models (decision in src/catalog/models.ts)', () => {
  // Kaito's catalog counts 2 bytes per element for these; vLLM runs them with --kv-cache-dtype=fp8 (1 byte).
  const KAITO_FP16_COUNT: Record<string, number> = {
    'deepseek-v4-flash-0731': 88064,
    'deepseek-v4-pro': 124928,
    'glm-5.2-fp8': 89856,
  };

  test.each(Object.entries(KAITO_FP16_COUNT))("%s: half of Kaito's fp16 count (%d)", (name, kaito) => {
    const preset = defaultPresets.find(name)!;
    expect(kvBytesPerToken(preset)).toBe(kaito / 2);
    expect(preset.vllm?.kvCacheDtype).toBe('fp8');
  });

  test('the same shapes without the fp8 flag count 2 bytes, as Kaito does', () => {
    for (const [name, kaito] of Object.entries(KAITO_FP16_COUNT)) {
      const preset = defaultPresets.find(name)!;
      expect(kvBytesPerToken({ ...preset, vllm: { ...preset.vllm, kvCacheDtype: undefined } })).toBe(kaito);
    }
  });
});

describe('more lenient than Kaito on purpose, with a warning that says so', () => {
  const warnings = (parts: Record<string, unknown>) =>
    checkWorkspaces(
      stringify({ apiVersion: 'kaito.sh/v1beta1', kind: 'Workspace', metadata: { name: 'ws' }, ...parts }),
    )[0]
      .problems.filter((p) => p.severity === 'warning')
      .map((p) => [p.path, p.message]);

  test.each([
    ['Standard_NC6s_v3', 'V100'],
    ['Standard_NC4as_T4_v3', 'T4'],
    ['Standard_NV6', 'M60'],
    ['Standard_NV32as_v4', 'MI25'],
  ])('retired Azure SKU %s (%s)', (instanceType, gpu) => {
    expect(
      warnings({
        metadata: { name: 'ws', annotations: { 'kaito.sh/bypass-resource-checks': 'true' } },
        resource: { instanceType, labelSelector: { matchLabels: { apps: 'x' } } },
        inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
      }),
    ).toEqual([
      [
        'resource.instanceType',
        `${instanceType} (${gpu}) was retired by Azure and Kaito no longer serves it; it still works here`,
      ],
    ]);
  });

  test.each(['falcon-7b', 'phi-2', 'llama-2-7b'])('classic preset %s', (name) => {
    const found = warnings({
      resource: { instanceType: 'Standard_NC24ads_A100_v4', labelSelector: { matchLabels: { apps: 'x' } } },
      inference: {
        preset: {
          name,
          ...(name.startsWith('llama') ? { accessMode: 'private', presetOptions: { image: 'r.io/llama:1' } } : {}),
        },
      },
    });
    expect(found).toContainEqual([
      'inference.preset.name',
      `"${name}": Kaito removed the falcon, phi-2 and llama-2 presets (v0.11) and no longer serves them; it still works here`,
    ]);
  });

  test('current presets and SKUs get no such warning', () => {
    expect(
      warnings({
        resource: { instanceType: 'Standard_NC24ads_A100_v4', labelSelector: { matchLabels: { apps: 'x' } } },
        inference: { preset: { name: 'phi-4' } },
      }),
    ).toEqual([]);
  });
});

describe('the benchmark startup probe', () => {
  const probe = (parts: Record<string, unknown>) => {
    const { ws, plan } = workspace(parts);
    return container(podOf(renderInference(ws, plan)), 'ws').startupProbe;
  };
  const health = { httpGet: { path: '/health', port: 5000 }, periodSeconds: 10, failureThreshold: 180 };

  test('vLLM presets benchmark; kaito.sh/disable-benchmark: "true" and transformers keep the /health probe', () => {
    expect(probe({ inference: { preset: { name: 'phi-4' } } })).toEqual({
      exec: { command: ['python3', '/workspace/vllm/benchmark_entrypoint.py'] },
      periodSeconds: 10,
      timeoutSeconds: 600,
      failureThreshold: 180,
    });
    const annotated = (annotations: Record<string, string>) => ({
      metadata: { name: 'ws', namespace: 'ml', annotations },
      inference: { preset: { name: 'phi-4' } },
    });
    expect(probe(annotated({ 'kaito.sh/disable-benchmark': 'true' }))).toEqual(health);
    expect(probe(annotated({ 'kaito.sh/runtime': 'transformers' }))).toEqual(health);
    // Any other value leaves it on, as in Kaito.
    expect(probe(annotated({ 'kaito.sh/disable-benchmark': 'yes' }))?.exec).toBeDefined();
  });
});
