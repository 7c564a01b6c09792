import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWorkspace } from '../../src/api';
import { FitError, planWorkspace } from '../../src/plan';

const seed = (file: string) => readFileSync(join(__dirname, '..', 'fixtures', 'seed', file), 'utf8');

function inference(preset: string, instanceType: string, extra: Record<string, unknown> = {}) {
  return parseWorkspace({
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    metadata: { name: 'ws', ...(extra.metadata as object) },
    resource: { instanceType, labelSelector: { matchLabels: { apps: 'x' } }, ...(extra.resource as object) },
    inference: { preset: { name: preset } },
  });
}

describe('planWorkspace', () => {
  test('phi-3-mini on Standard_NC6s_v3 (seed): 1 node, 1 GPU, float16', () => {
    const plan = planWorkspace(parseWorkspace(seed('phi-3-mini-inference.yaml')));
    expect(plan).toEqual({
      kind: 'inference',
      preset: 'phi-3-mini-4k-instruct',
      huggingFaceId: 'microsoft/Phi-3-mini-4k-instruct',
      instanceType: 'Standard_NC6s_v3',
      runtime: 'vllm',
      gpusPerNode: 1,
      gpuMemoryPerGpuGiB: 16,
      gpuModel: 'NVIDIA V100',
      dtype: 'float16',
      gpuMemoryUtilization: 0.84,
      nodeCount: 1,
      nodeCountSource: 'estimated',
      // (7.12 x 1.02 x 1.05 + 2.3 + 2048 x 393216 B) / 0.84
      requiredGpuMemoryGiB: 12.71,
      availableGpuMemoryGiB: 16,
      tensorParallelSize: 1,
      pipelineParallelSize: 1,
      dataParallelSize: 1,
      maxModelLen: 4096,
      diskGiB: 87,
      fitChecked: true,
      notes: ['NVIDIA V100 has no bfloat16 (compute capability 7.0): serving in float16'],
    });
  });

  test('the 128k model gets the context its KV budget allows', () => {
    const plan = planWorkspace(parseWorkspace(seed('phi-3-mini-inference-with-adapters.yaml')));
    expect(plan.maxModelLen).toBe(9472);
    expect(plan.notes).toContain('context limited to 9472 of 131072 tokens by the KV cache budget');
  });

  test('QLoRA tuning of phi-3-mini fits a 16 GiB V100 (seed)', () => {
    const plan = planWorkspace(parseWorkspace(seed('phi-3-mini-4k-qlora-tuning.yaml')));
    expect(plan.kind).toBe('tuning');
    expect(plan.runtime).toBe('transformers');
    expect(plan.tuningMethod).toBe('qlora');
    // 7.12 x 4/16 x 1.1 + 7.12 x 0.04 + 2 + 1
    expect(plan.requiredGpuMemoryGiB).toBe(5.24);
    expect(plan.nodeCount).toBe(1);
    expect(plan.diskGiB).toBe(80);
  });

  test('Kaito estimator: phi-3-medium on V100 needs 3 nodes, pipeline-parallel', () => {
    const plan = planWorkspace(inference('phi-3-medium-128k-instruct', 'Standard_NC6s_v3'));
    expect(plan.nodeCount).toBe(3);
    expect(plan.nodeCountSource).toBe('estimated');
    expect(plan.pipelineParallelSize).toBe(3);
    expect(plan.tensorParallelSize).toBe(1);
  });

  test('an explicit count that does not fit is a FitError naming need, have and SKUs that fit', () => {
    const ws = inference('phi-3-medium-128k-instruct', 'Standard_NC6s_v3', { resource: { count: 1 } });
    let caught: unknown;
    try {
      planWorkspace(ws);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FitError);
    const fit = caught as FitError;
    expect(fit.path).toBe('resource.count');
    expect(fit.availableGpuMemoryGiB).toBe(16);
    expect(fit.suggestions).toEqual([
      'Standard_NV72ads_A10_v5',
      'Standard_NC24ads_A100_v4',
      'Standard_NC40ads_H100_v5',
    ]);
    expect(fit.message).toBe(
      `phi-3-medium-128k-instruct needs ${fit.requiredGpuMemoryGiB} GiB of GPU memory; count 1 gives 16 GiB (1 x 16 GiB); it needs 3 nodes. ` +
        'Instance types that fit on one node: Standard_NV72ads_A10_v5, Standard_NC24ads_A100_v4, Standard_NC40ads_H100_v5',
    );
  });

  test('small model on a multi-GPU node runs data-parallel', () => {
    const plan = planWorkspace(inference('phi-3-mini-4k-instruct', 'Standard_NC96ads_A100_v4'));
    expect([plan.nodeCount, plan.tensorParallelSize, plan.dataParallelSize, plan.dtype]).toEqual([1, 1, 4, 'bfloat16']);
  });

  test('a large model splits tensor-parallel across a node', () => {
    const plan = planWorkspace(
      parseWorkspace({
        apiVersion: 'kaito.sh/v1beta1',
        kind: 'Workspace',
        metadata: { name: 'ws' },
        resource: { instanceType: 'Standard_NC96ads_A100_v4', labelSelector: { matchLabels: { a: 'b' } } },
        inference: { preset: { name: 'llama-3.3-70b-instruct', presetOptions: { modelAccessSecret: 'hf' } } },
      }),
    );
    expect([plan.nodeCount, plan.tensorParallelSize, plan.pipelineParallelSize, plan.dataParallelSize]).toEqual([
      1, 4, 1, 1,
    ]);
  });

  test('bring-your-own nodes without node facts plan one GPU per node, unchecked', () => {
    const ws = parseWorkspace({
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: { name: 'byo' },
      resource: { labelSelector: { matchLabels: { pool: 'gpu' } } },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    const plan = planWorkspace(ws);
    expect(plan.instanceType).toBeUndefined();
    expect([plan.nodeCount, plan.gpusPerNode, plan.fitChecked]).toEqual([1, 1, false]);
    const observed = planWorkspace(ws, {
      observedNode: { gpuCount: 2, gpuMemoryPerGpuGiB: 24, gpuModel: 'NVIDIA A10', computeCapability: '8.6' },
    });
    expect([observed.nodeCount, observed.gpusPerNode, observed.fitChecked, observed.gpuMemoryUtilization]).toEqual([
      1,
      2,
      true,
      0.82,
    ]);
  });

  test('transformers runtime cannot span nodes', () => {
    const ws = inference('phi-3-medium-128k-instruct', 'Standard_NC6s_v3', {
      metadata: { annotations: { 'kaito.sh/runtime': 'transformers' } },
    });
    expect(() => planWorkspace(ws)).toThrow(
      'phi-3-medium-128k-instruct needs 28.82 GiB of GPU memory on one node with the transformers runtime, which cannot span nodes; Standard_NC6s_v3 has 16 GiB.',
    );
  });

  test('LoRA of a model too big for the node suggests QLoRA and larger SKUs', () => {
    const ws = parseWorkspace({
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: { name: 't' },
      resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { a: 'b' } } },
      tuning: {
        preset: { name: 'phi-3-medium-4k-instruct' },
        method: 'lora',
        input: { urls: ['https://example.com/d.parquet'] },
        output: { image: 'r.example.com/o:1', imagePushSecret: 's' },
      },
    });
    expect(() => planWorkspace(ws)).toThrow(
      /^lora tuning of phi-3-medium-4k-instruct needs 30\.04 GiB of GPU memory; Standard_NC6s_v3 has 16 GiB \(1 x 16 GiB NVIDIA V100\)\. QLoRA needs less\./,
    );
  });
});

test('on bring-your-own nodes a fit error names the selected nodes and points at the selector', () => {
  const ws = parseWorkspace({
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    metadata: { name: 't' },
    resource: { labelSelector: { matchLabels: { pool: 'v100' } } },
    tuning: {
      preset: { name: 'phi-4' },
      method: 'lora',
      input: { urls: ['https://example.com/d.parquet'] },
      output: { image: 'r.example.com/o:1', imagePushSecret: 's' },
    },
  });
  let caught: unknown;
  try {
    planWorkspace(ws, {
      observedNode: { gpuCount: 1, gpuMemoryPerGpuGiB: 16, gpuModel: 'NVIDIA V100', computeCapability: '7.0' },
    });
  } catch (e) {
    caught = e;
  }
  expect((caught as FitError).path).toBe('resource.labelSelector');
  expect((caught as FitError).message).toMatch(
    /^lora tuning of phi-4 needs [0-9.]+ GiB of GPU memory; each selected node has 16 GiB \(1 x 16 GiB NVIDIA V100\)\. QLoRA needs less\./,
  );
});
