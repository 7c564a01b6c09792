import { renderInference } from '../../../src/render';
import { container, podOf, seed, workspace } from './helpers';

describe('adapters, seed phi-3-mini-inference-with-adapters.yaml (vLLM)', () => {
  const { ws, plan } = seed('phi-3-mini-inference-with-adapters.yaml');
  const pod = podOf(renderInference(ws, plan));
  const main = container(pod, 'workspace-phi-3-mini-adapter');

  test('one skopeo puller per image adapter copies /data into /mnt/adapter/<name>', () => {
    expect(pod.initContainers?.map((c) => c.name)).toEqual(['puller-phi-3-adapter']);
    const puller = container(pod, 'puller-phi-3-adapter');
    expect(puller.image).toBe('mcr.microsoft.com/aks/skopeo:1.14.4-6');
    expect(puller.command?.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(puller.command?.[2]).toContain('skopeo copy --dest-decompress');
    expect(puller.args).toEqual(['ACR_REPO_HERE.azurecr.io/ADAPTER_HERE:0.0.1', '/mnt/adapter/phi-3-adapter']);
    expect(puller.volumeMounts).toEqual([{ name: 'adapter-volume', mountPath: '/mnt/adapter' }]);
  });

  test('the adapter volume is an emptyDir mounted at /mnt/adapter in the server', () => {
    expect(pod.volumes).toContainEqual({ name: 'adapter-volume', emptyDir: {} });
    expect(main.volumeMounts).toContainEqual({ name: 'adapter-volume', mountPath: '/mnt/adapter' });
  });

  test('vLLM loads them as LoRA modules; no strength variables', () => {
    expect(main.args?.slice(-2)).toEqual(['--enable-lora', '--kaito-adapters-dir=/mnt/adapter']);
    expect(main.env?.map((e) => e.name)).toEqual(['VLLM_USE_FLASHINFER_SAMPLER', 'VLLM_USE_DEEP_GEMM']);
    expect(pod.imagePullSecrets).toBeUndefined();
  });
});

describe('adapters on the transformers runtime, image and volume sources', () => {
  const { ws, plan } = workspace({
    metadata: { name: 'ws', namespace: 'ml', annotations: { 'kaito.sh/runtime': 'transformers' } },
    inference: {
      preset: { name: 'phi-3-mini-4k-instruct' },
      adapters: [
        { source: { name: 'a1', image: 'reg.io/a1:1', imagePullSecrets: ['pull-a', 'pull-b'] }, strength: '0.5' },
        { source: { name: 'a2', image: 'reg.io/a2:1', imagePullSecrets: ['pull-a'] } },
        {
          source: { name: 'a3', volumeSource: { persistentVolumeClaim: { claimName: 'adapters' } } },
          strength: '0.25',
        },
      ],
    },
  });
  const pod = podOf(renderInference(ws, plan));
  const main = container(pod, 'ws');

  test('strength variables per adapter, "1.0" when unset', () => {
    expect(main.env).toEqual([
      { name: 'a1', value: '0.5' },
      { name: 'a2', value: '1.0' },
      { name: 'a3', value: '0.25' },
    ]);
    expect(main.args).not.toContain('--enable-lora');
  });

  test('pull secrets reach the pod and the puller (projected credentials)', () => {
    expect(pod.imagePullSecrets).toEqual([{ name: 'pull-a' }, { name: 'pull-b' }]);
    const puller = container(pod, 'puller-a1');
    expect(puller.volumeMounts).toEqual([
      { name: 'adapter-volume', mountPath: '/mnt/adapter' },
      { name: 'adapter-auth-a1', mountPath: '/etc/kaito/pull-secrets', readOnly: true },
    ]);
    expect(pod.volumes).toContainEqual({
      name: 'adapter-auth-a1',
      projected: {
        sources: [
          { secret: { name: 'pull-a', items: [{ key: '.dockerconfigjson', path: 'pull-a.json' }] } },
          { secret: { name: 'pull-b', items: [{ key: '.dockerconfigjson', path: 'pull-b.json' }] } },
        ],
      },
    });
  });

  test('a volume adapter is mounted at /mnt/adapter/<name>, with no puller', () => {
    expect(pod.initContainers?.map((c) => c.name)).toEqual(['puller-a1', 'puller-a2']);
    expect(pod.volumes).toContainEqual({ name: 'adapter-volume-a3', persistentVolumeClaim: { claimName: 'adapters' } });
    expect(main.volumeMounts).toContainEqual({ name: 'adapter-volume-a3', mountPath: '/mnt/adapter/a3' });
  });
});
