import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigMaps, renderTuningJob } from '../../../src/render';
import { asJob, container, podOf, seed, workspace } from './helpers';
import { runContainer, sandbox } from './scripts';

const WS = 'workspace-tuning-phi-3';

describe('tuning Job, seed phi-3-mini-128k-qlora-tuning.yaml (QLoRA on a V100, output image)', () => {
  const { ws, plan } = seed('phi-3-mini-128k-qlora-tuning.yaml');
  const job = asJob(renderTuningJob(ws, plan));
  const pod = podOf(renderTuningJob(ws, plan));
  const training = container(pod, WS);

  test('a single-node Job that is never retried', () => {
    expect(job.metadata).toEqual({ name: WS, namespace: 'default', labels: { 'kaito.sh/workspace': WS } });
    expect(job.spec?.backoffLimit).toBe(0);
    expect(job.spec?.parallelism).toBeUndefined();
    expect(pod.restartPolicy).toBe('Never');
    expect(job.spec?.template.metadata).toEqual({
      labels: { 'kaito.sh/workspace': WS },
      annotations: { 'kubectl.kubernetes.io/default-container': WS },
    });
  });

  test('the result decides success: training is the last init container, the pusher the only container', () => {
    expect(pod.initContainers?.map((c) => c.name)).toEqual(['model-weights-downloader', 'data-downloader', WS]);
    expect(pod.containers.map((c) => c.name)).toEqual(['pusher']);
    const pusher = container(pod, 'pusher');
    expect(pusher.image).toBe('ghcr.io/oras-project/oras:v1.2.2');
    expect(pusher.args).toEqual(['ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1', 'phi-3-mini-128k-instruct']);
    expect(pusher.volumeMounts).toEqual([
      { name: 'results-volume', mountPath: '/mnt/results', readOnly: true },
      { name: 'push-secret', mountPath: '/root/.docker', readOnly: true },
    ]);
    expect(pod.volumes).toContainEqual({
      name: 'push-secret',
      secret: { secretName: 'ACR_REGISTRY_SECRET_HERE', items: [{ key: '.dockerconfigjson', path: 'config.json' }] },
    });
    expect(pod.volumes).toContainEqual({ name: 'results-volume', emptyDir: {} });
  });

  test('the training container: accelerate over the node GPUs, env, GPU request = limit = plan', () => {
    expect(training.image).toBe('mcr.microsoft.com/aks/kaito/kaito-base:0.5.0');
    expect(training.command?.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(training.command?.[2]).toContain('exec accelerate launch --num_processes=1 /workspace/tfs/fine_tuning.py');
    expect(training.env).toEqual([
      { name: 'PYTORCH_CUDA_ALLOC_CONF', value: 'expandable_segments:True' },
      { name: 'DEFAULT_TARGET_MODULES', value: 'k_proj,q_proj,v_proj,o_proj,gate_proj,down_proj,up_proj' },
    ]);
    expect(training.resources).toEqual({ requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } });
    expect(training.resources?.limits?.['nvidia.com/gpu']).toBe(String(plan.gpusPerNode));
    expect(training.volumeMounts).toEqual([
      { name: 'dshm', mountPath: '/dev/shm' },
      { name: 'model-weights-volume', mountPath: '/workspace/tfs/weights' },
      { name: 'config-volume', mountPath: '/mnt/config' },
      { name: 'data-volume', mountPath: '/mnt/data' },
      { name: 'results-volume', mountPath: '/mnt/results' },
    ]);
    expect(pod.volumes).toContainEqual({ name: 'config-volume', configMap: { name: `${WS}-training-config` } });
  });

  test('weights: the pinned Hugging Face snapshot, downloaded before training', () => {
    const weights = container(pod, 'model-weights-downloader');
    expect(weights.image).toBe('mcr.microsoft.com/aks/kaito/kaito-base:0.5.0');
    expect(weights.command?.slice(0, 2)).toEqual(['python3', '-c']);
    expect(weights.args).toEqual([
      'microsoft/Phi-3-mini-128k-instruct',
      '072cb7562cb8c4adf682a8e186aaafa49469eb5d',
      '/workspace/tfs/weights',
    ]);
  });

  test('data: curl with retries into /mnt/data', () => {
    const download = container(pod, 'data-downloader');
    expect(download.image).toBe('curlimages/curl:8.11.1');
    expect(download.args).toEqual(ws.tuning?.input?.urls);
    expect(download.volumeMounts).toEqual([{ name: 'data-volume', mountPath: '/mnt/data' }]);
    expect(download.command?.[2]).toContain('--retry 5');
  });

  test('tolerations and node affinity as for inference', () => {
    expect(pod.tolerations).toEqual([
      { key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'kubernetes.azure.com/scalesetpriority', operator: 'Equal', value: 'spot', effect: 'NoSchedule' },
    ]);
    expect(pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      {
        matchExpressions: [
          { key: 'app', operator: 'In', values: ['tuning-phi-3'] },
          { key: 'kaito.sh/workspace', operator: 'In', values: [WS] },
          { key: 'kaito.sh/workspacenamespace', operator: 'In', values: ['default'] },
        ],
      },
    ]);
  });

  test('generated QLoRA config: float16 on a GPU without bfloat16', () => {
    const [cm] = renderConfigMaps(ws, plan) as unknown as [
      { metadata: { name: string }; data: Record<string, string> },
    ];
    expect(cm.metadata.name).toBe(`${WS}-training-config`);
    const text = cm.data['training_config.yaml'];
    for (const line of [
      'torch_dtype: "float16"',
      'local_files_only: true',
      'device_map: "auto"',
      'load_in_4bit: true',
      'bnb_4bit_quant_type: "nf4"',
      'bnb_4bit_compute_dtype: "float16"',
      'bnb_4bit_use_double_quant: true',
      'r: 8',
      'lora_alpha: 8',
      'lora_dropout: 0.0',
      'output_dir: "/mnt/results"',
      'ddp_find_unused_parameters: false',
      'save_strategy: "no"',
      'per_device_train_batch_size: 1',
      'mlm: true',
      'shuffle_dataset: true',
      'train_test_split: 1',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).not.toContain('bfloat16');
  });
});

describe('the push decides the outcome (scripts run with fake tools)', () => {
  const { ws, plan } = seed('phi-3-mini-128k-qlora-tuning.yaml');
  const pod = podOf(renderTuningJob(ws, plan));
  const pusher = container(pod, 'pusher');

  function withResults() {
    const box = sandbox();
    writeFileSync(join(box.paths['/mnt/results'], 'adapter_config.json'), '{}');
    writeFileSync(join(box.paths['/mnt/results'], 'adapter_model.safetensors'), 'weights');
    return box;
  }

  test('push succeeds: exit 0, one oras push with the credentials and the model annotation', () => {
    const box = withResults();
    const run = runContainer(box, pusher);
    expect(run.status).toBe(0);
    const calls = readFileSync(box.log, 'utf8').trim().split('\n');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toContain(`oras push --registry-config ${box.paths['/root/.docker']}/config.json`);
    expect(calls[0]).toContain('--annotation sh.kaito.model.name=phi-3-mini-128k-instruct');
    expect(calls[0]).toContain('ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1');
  });

  test('push fails: three attempts, then a non-zero exit, so the pod and the Job fail', () => {
    const box = withResults();
    const run = runContainer(box, pusher, { FAKE_ORAS_EXIT: '1' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('failed 3 times');
    expect(readFileSync(box.log, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  test('training left no adapter: non-zero exit without pushing', () => {
    const box = sandbox();
    const run = runContainer(box, pusher);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('nothing to push');
    expect(existsSync(box.log)).toBe(false);
  });

  test('data download: files named after the URL path, sizes logged; a failed download fails', () => {
    const downloader = container(pod, 'data-downloader');
    const box = sandbox();
    const ok = runContainer(box, downloader, { FAKE_CURL_BODY: '12345' });
    expect(ok.status).toBe(0);
    const file = 'train-00000-of-00001-54e3756291ca09c6.parquet';
    expect(readFileSync(join(box.paths['/mnt/data'], file), 'utf8')).toBe('12345');
    expect(ok.stdout).toContain(`downloaded ${file}: 5 bytes`);
    expect(readFileSync(box.log, 'utf8')).toContain('--retry 5');
    expect(runContainer(sandbox(), downloader, { FAKE_CURL_EXIT: '22' }).status).not.toBe(0);
    expect(runContainer(sandbox(), downloader, { FAKE_CURL_BODY: '' }).status).toBe(1);
  });
});

describe('tuning variations', () => {
  test('output volume: training is the only container and writes into the volume', () => {
    const { ws, plan } = workspace({
      tuning: {
        preset: { name: 'phi-3-mini-4k-instruct' },
        method: 'lora',
        input: { name: 'd', volumeSource: { persistentVolumeClaim: { claimName: 'data' } } },
        output: { volumeSource: { persistentVolumeClaim: { claimName: 'results' } } },
      },
    });
    const pod = podOf(renderTuningJob(ws, plan));
    expect(pod.containers.map((c) => c.name)).toEqual(['ws']);
    expect(pod.initContainers?.map((c) => c.name)).toEqual(['model-weights-downloader']);
    expect(pod.volumes).toContainEqual({ name: 'results-volume', persistentVolumeClaim: { claimName: 'results' } });
    expect(pod.volumes).toContainEqual({ name: 'data-volume', persistentVolumeClaim: { claimName: 'data' } });
    expect(pod.volumes?.some((v) => v.name === 'push-secret')).toBe(false);
    const [cm] = renderConfigMaps(ws, plan) as unknown as [{ data: Record<string, string> }];
    expect(cm.data['training_config.yaml']).toContain('torch_dtype: "bfloat16"');
    expect(cm.data['training_config.yaml']).toContain('load_in_4bit: false');
    expect(cm.data['training_config.yaml']).not.toContain('bnb_4bit');
  });

  test('input image: a skopeo puller into /mnt/data; the user config is mounted, none generated', () => {
    const { ws, plan } = workspace({
      tuning: {
        preset: { name: 'phi-3-mini-4k-instruct' },
        method: 'qlora',
        config: 'my-training',
        input: { name: 'd', image: 'reg.io/data:1', imagePullSecrets: ['pull'] },
        output: { image: 'reg.io/out:1', imagePushSecret: 'push' },
      },
    });
    const pod = podOf(renderTuningJob(ws, plan));
    const puller = container(pod, 'data-puller');
    expect(puller.args).toEqual(['reg.io/data:1', '/mnt/data']);
    expect(puller.volumeMounts).toEqual([
      { name: 'data-volume', mountPath: '/mnt/data' },
      { name: 'data-auth', mountPath: '/etc/kaito/pull-secrets', readOnly: true },
    ]);
    expect(pod.volumes).toContainEqual({ name: 'config-volume', configMap: { name: 'my-training' } });
    expect(renderConfigMaps(ws, plan)).toEqual([]);
    const box = sandbox();
    writeFileSync(join(box.paths['/etc/kaito/pull-secrets'], 'pull.json'), '{}');
    const run = runContainer(box, puller);
    expect(run.status).toBe(0);
    expect(readFileSync(join(box.paths['/mnt/data'], 'adapter.txt'), 'utf8')).toBe('weights\n');
    const calls = readFileSync(box.log, 'utf8');
    expect(calls).toContain('skopeo copy --dest-decompress docker://reg.io/data:1');
    expect(runContainer(sandbox(), puller, { FAKE_SKOPEO_EXIT: '1' }).status).toBe(1);
  });
});
