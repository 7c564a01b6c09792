import { kplus } from '../../../src/cdk8s/plus';
import { GpuNodePool, TuningJob, type TuningJobProps } from '../../../src/cdk8s';
import { ValidationError, parseWorkspace, planWorkspace } from '../../../src';
import { renderWorkspace } from '../../../src/render';
import { chart, ids, plain, synth, thrown } from './helpers';

const base = {
  preset: 'phi-3-mini-128k-instruct',
  method: 'qlora',
  instanceType: 'Standard_NC6s_v3',
  input: { urls: ['https://example.com/data/train.parquet'] },
  output: { image: 'myacr.azurecr.io/adapters/phi-3:1', imagePushSecret: 'acr-push' },
  metadata: { name: 'tune' },
} satisfies TuningJobProps;

const tuningSpec = {
  preset: { name: 'phi-3-mini-128k-instruct' },
  method: 'qlora',
  input: { urls: ['https://example.com/data/train.parquet'] },
  output: { image: 'myacr.azurecr.io/adapters/phi-3:1', imagePushSecret: 'acr-push' },
};

describe('TuningJob', () => {
  test('operator mode declares a tuning Workspace', () => {
    const c = chart();
    const job = new TuningJob(c, 'tune', base);
    expect(synth(c)).toEqual([
      {
        apiVersion: 'kaito.sh/v1beta1',
        kind: 'Workspace',
        metadata: { name: 'tune', namespace: 'default' },
        resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'tune' } } },
        tuning: tuningSpec,
      },
    ]);
    expect([job.jobName, job.mode]).toEqual(['tune', 'operator']);
    expect([job.name, job.namespace, job.plan.kind, job.plan.tuningMethod, job.plan.nodeCount]).toEqual([
      'tune',
      'default',
      'tuning',
      'qlora',
      1,
    ]);
  });

  test('direct mode emits exactly the rendered training ConfigMap and Job', () => {
    const c = chart('ml');
    new TuningJob(c, 'tune', { ...base, labelSelector: { matchLabels: { app: 'tuning' } }, mode: 'direct' });
    const ws = parseWorkspace({
      apiVersion: 'kaito.sh/v1beta1',
      kind: 'Workspace',
      metadata: { name: 'tune' },
      resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { app: 'tuning' } } },
      tuning: tuningSpec,
    });
    const expected = plain(renderWorkspace(ws, planWorkspace(ws), { nodeProvisioner: 'byo', defaultNamespace: 'ml' }));
    const manifests = synth(c);
    expect(manifests).toEqual(expected);
    expect(ids(manifests)).toEqual([
      'ConfigMap/ml/tune-training-config',
      'NetworkPolicy/ml/tune-egress',
      'Job/ml/tune',
    ]);
  });

  test('inputs and outputs as volumes and images, as in a Workspace; config maps as handles', () => {
    const c = chart();
    const pool = new GpuNodePool(c, 'gpu', { provider: 'karpenter', vmSize: 'Standard_NC24ads_A100_v4', count: 1 });
    const job = new TuningJob(c, 'tune', {
      preset: 'phi-3-mini-128k-instruct',
      method: 'lora',
      metadata: { name: 'tune' },
      nodePool: pool,
      input: { name: 'dolly', image: 'myacr.azurecr.io/data:1', imagePullSecrets: ['pull'] },
      output: { volumeSource: { persistentVolumeClaim: { claimName: 'results' } } },
      config: kplus.ConfigMap.fromConfigMapName(c, 'cfg', 'my-training-config'),
      mode: 'direct',
    });
    expect(job.workspace.tuning).toEqual({
      preset: { name: 'phi-3-mini-128k-instruct' },
      method: 'lora',
      config: 'my-training-config',
      input: { name: 'dolly', image: 'myacr.azurecr.io/data:1', imagePullSecrets: ['pull'] },
      output: { volumeSource: { persistentVolumeClaim: { claimName: 'results' } } },
    });
    // Its own config map: none generated.
    expect(ids(synth(c))).toEqual(['NodePool//gpu', 'NetworkPolicy/default/tune-egress', 'Job/default/tune']);
  });

  test('errors name the prop', () => {
    const e = thrown(
      () =>
        new TuningJob(chart(), 'tune', {
          ...base,
          preset: 'phi-3-mini-128k-instrukt',
          input: { urls: ['http://169.254.169.254/latest'] },
          output: { image: 'myacr.azurecr.io/out:1' },
        }),
    );
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).problems.map((p) => p.path)).toEqual([
      'instanceType',
      'preset',
      'input.urls[0]',
      'output.imagePushSecret',
    ]);
    const both = thrown(
      () =>
        new TuningJob(chart(), 'tune', {
          ...base,
          output: { image: 'myacr.azurecr.io/out:1', imagePushSecret: 'p', volumeSource: { emptyDir: {} } },
        }),
    );
    expect((both as ValidationError).problems.map((p) => [p.path, p.message])).toEqual([
      [
        'instanceType',
        'Standard_NC6s_v3 (V100) was retired by Azure and Kaito no longer serves it; it still works here',
      ],
      ['output', 'exactly one of image or volumeSource must be set'],
    ]);
    const untunable = thrown(() => new TuningJob(chart(), 'tune', { ...base, preset: 'falcon-40b-instruct' }));
    expect((untunable as ValidationError).problems.map((p) => [p.path, p.severity])).toEqual([
      ['instanceType', 'warning'],
      ['preset', 'warning'],
      ['preset', 'error'],
    ]);
  });
});
