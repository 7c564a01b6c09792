import * as pulumi from '@pulumi/pulumi';
import { renderWorkspace } from '../../../src/render';
import { GpuNodePool, TuningJob, type TuningJobArgs } from '../../../src/pulumi';
import { runProgram, valueOf } from './harness';

const args: TuningJobArgs = {
  preset: 'phi-3-mini-128k-instruct',
  method: 'qlora',
  input: { urls: ['https://example.com/data.parquet'] },
  output: { image: 'example.azurecr.io/adapter:1', imagePushSecret: 'push' },
};

function pool(): GpuNodePool {
  return new GpuNodePool('gpu', { resourceGroupName: 'rg', clusterName: 'aks', vmSize: 'Standard_NC6s_v3' });
}

describe('TuningJob', () => {
  test('operator mode: a tuning Workspace on the pool, awaited until it succeeds when asked', async () => {
    let job: TuningJob | undefined;
    const { graph } = await runProgram(() => {
      job = new TuningJob('tune', { ...args, waitForReady: true, readyTimeoutMinutes: 120 }, { nodePool: pool() });
    });
    const cr = graph.get('tune-workspace-tune');
    expect(cr.inputs).toEqual({
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: {
        name: 'tune',
        namespace: 'default',
        annotations: { 'pulumi.com/waitFor': 'condition=WorkspaceSucceeded' },
      },
      resource: { labelSelector: { matchLabels: { 'kubernetes.azure.com/agentpool': 'gpu' } } },
      tuning: {
        preset: { name: 'phi-3-mini-128k-instruct' },
        method: 'qlora',
        input: { urls: ['https://example.com/data.parquet'] },
        output: { image: 'example.azurecr.io/adapter:1', imagePushSecret: 'push' },
      },
    });
    expect(cr.customTimeouts).toEqual({ create: '120m', update: '120m', delete: '' });
    expect(graph.parentOf(graph.parentOf(cr)!)?.type).toBe('kaito-constructs:index:TuningJob');
    expect(graph.dependencyNames(cr)).toEqual(['gpu-agentpool-gpu']);
    expect(await valueOf(job!.jobName)).toBe('tune');
    expect([job!.plan.kind, job!.plan.tuningMethod, job!.plan.dtype]).toEqual(['tuning', 'qlora', 'float16']);
  });

  test('direct mode: the training ConfigMap and egress policy, then the Job, awaited for six hours by default', async () => {
    let job: TuningJob | undefined;
    const { graph } = await runProgram(() => {
      job = new TuningJob(
        'tune',
        { ...args, mode: 'direct', metadata: { name: 'tuning-phi-3' } },
        { nodePool: pool() },
      );
    });
    const urns = await Promise.all(job!.resources.map((r) => valueOf(r.urn)));
    const regs = urns.map((urn) => graph.registrations.find((r) => r.urn === urn)!);
    expect(regs.map((r) => `${r.type} ${r.name}`)).toEqual([
      'kubernetes:core/v1:ConfigMap tune-configmap-tuning-phi-3-training-config',
      'kubernetes:networking.k8s.io/v1:NetworkPolicy tune-networkpolicy-tuning-phi-3-egress',
      'kubernetes:batch/v1:Job tune-job-tuning-phi-3',
    ]);
    expect(regs.map((r) => r.inputs)).toEqual(renderWorkspace(job!.workspace, job!.plan, { nodeProvisioner: 'byo' }));
    expect(graph.dependencyNames(regs[2])).toEqual([
      'gpu-agentpool-gpu',
      'tune-configmap-tuning-phi-3-training-config',
      'tune-networkpolicy-tuning-phi-3-egress',
    ]);
    expect(regs[2].customTimeouts).toEqual({ create: '360m', update: '360m', delete: '' });
    expect(await valueOf(job!.jobName)).toBe('tuning-phi-3');
    expect(graph.outputs.get(graph.get('tune', 'kaito-constructs:index:TuningJob').urn)).toEqual({
      name: 'tuning-phi-3',
      namespace: 'default',
      jobName: 'tuning-phi-3',
    });
  });

  const invalid: Array<[string, Partial<TuningJobArgs>, Array<[string, string]>]> = [
    [
      'two kinds of input',
      { input: { urls: ['https://example.com/d'], image: 'example.azurecr.io/data:1' } },
      [['input', 'exactly one']],
    ],
    [
      'an image output without a push secret',
      { output: { image: 'example.azurecr.io/a:1' } },
      [['output.imagePushSecret', 'imagePushSecret is required when image is set']],
    ],
    [
      'an input URL on a private address',
      { input: { urls: ['http://10.0.0.1/data'] } },
      [['input.urls[0]', 'must not point at localhost, a cluster-internal name']],
    ],
    ['an unknown method', { method: 'full' as never }, [['method', 'unsupported value "full"']]],
    [
      'LoRA of a model too big for the pool',
      { preset: 'phi-4', method: 'lora' },
      [['nodePool', 'lora tuning of phi-4 needs 31.4 GiB of GPU memory; Standard_NC6s_v3 has 16 GiB']],
    ],
  ];

  test.each(invalid)('rejects %s with the arg path, before registering anything', async (_what, change, expected) => {
    const { graph, error } = await runProgram(
      () => new TuningJob('tune', { ...args, ...change }, { nodePool: pool() }),
    );
    expect(graph.registrations.filter((r) => !r.name.startsWith('gpu'))).toEqual([]);
    expect(pulumi.InputPropertiesError.isInstance(error)).toBe(true);
    const e = error as pulumi.InputPropertiesError;
    expect(e.errors.map((x) => x.propertyPath)).toEqual(expected.map(([path]) => path));
    e.errors.forEach((x, i) => expect(x.reason).toContain(expected[i][1]));
  });
});
