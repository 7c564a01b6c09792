import { renderInference, startupWindowSeconds, BASE_IMAGE_TAG } from '../../../src/render';
import { asStatefulSet, container, podOf, seed, workspace } from './helpers';

const GPU_TOLERATIONS = [
  { key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
  { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'kubernetes.azure.com/scalesetpriority', operator: 'Equal', value: 'spot', effect: 'NoSchedule' },
];
const SECURITY = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

describe('renderInference: seed phi-3-mini-inference.yaml (vLLM, one V100 node)', () => {
  const { ws, plan } = seed('phi-3-mini-inference.yaml');
  const sts = asStatefulSet(renderInference(ws, plan));
  const pod = podOf(renderInference(ws, plan));
  const main = container(pod, 'workspace-phi-3-mini');

  test('StatefulSet shape', () => {
    expect(sts.metadata).toEqual({
      name: 'workspace-phi-3-mini',
      namespace: 'default',
      labels: { 'kaito.sh/workspace': 'workspace-phi-3-mini' },
    });
    expect(sts.spec?.replicas).toBe(plan.nodeCount);
    expect(sts.spec?.replicas).toBe(1);
    expect(sts.spec?.podManagementPolicy).toBe('Parallel');
    expect(sts.spec?.serviceName).toBe('workspace-phi-3-mini-headless');
    expect(sts.spec?.selector).toEqual({ matchLabels: { 'kaito.sh/workspace': 'workspace-phi-3-mini' } });
    expect(sts.spec?.template.metadata?.labels).toEqual({ 'kaito.sh/workspace': 'workspace-phi-3-mini' });
  });

  test('GPU request and limit equal the plan', () => {
    expect(main.resources).toEqual({ requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } });
    expect(main.resources?.limits?.['nvidia.com/gpu']).toBe(String(plan.gpusPerNode));
  });

  test('vLLM command from the plan', () => {
    expect(main.image).toBe(`mcr.microsoft.com/aks/kaito/kaito-base:${BASE_IMAGE_TAG}`);
    expect(BASE_IMAGE_TAG).toBe('0.5.0');
    expect(main.command).toEqual(['python3', '/workspace/vllm/inference_api.py']);
    expect(main.args).toEqual([
      '--served-model-name=phi-3-mini-4k-instruct',
      '--model=microsoft/Phi-3-mini-4k-instruct',
      '--revision=0a67737cc96d2554230f90338b163bc6380a2a85',
      '--download-dir=/workspace/weights',
      '--dtype=float16',
      '--trust-remote-code',
      '--max-model-len=4096',
      '--gpu-memory-utilization=0.84',
      '--tensor-parallel-size=1',
      '--compilation-config.pass_config.fuse_allreduce_rms=False',
      '--kv-events-config={"enable_kv_cache_events":true}',
      '--kaito-config-file=/mnt/config/inference_config.yaml',
    ]);
    expect(main.ports).toEqual([
      { name: 'http', containerPort: 5000, protocol: 'TCP' },
      { name: 'kv-events', containerPort: 5557, protocol: 'TCP' },
    ]);
    expect(main.env).toEqual([
      { name: 'VLLM_USE_FLASHINFER_SAMPLER', value: '0' },
      { name: 'VLLM_USE_DEEP_GEMM', value: '0' },
    ]);
  });

  test('volumes: generated config, weights emptyDir, /dev/shm in memory; no init container (runtime download)', () => {
    expect(pod.volumes).toEqual([
      { name: 'config-volume', configMap: { name: 'workspace-phi-3-mini-inference-config' } },
      { name: 'model-weights-volume', emptyDir: {} },
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '16Gi' } },
    ]);
    expect(main.volumeMounts).toEqual([
      { name: 'config-volume', mountPath: '/mnt/config' },
      { name: 'model-weights-volume', mountPath: '/workspace/weights' },
      { name: 'dshm', mountPath: '/dev/shm' },
    ]);
    expect(pod.initContainers).toBeUndefined();
  });

  test('probes on /health:5000; the startup probe runs the benchmark, with a 30 minute startup window', () => {
    expect(main.startupProbe).toEqual({
      exec: { command: ['python3', '/workspace/vllm/benchmark_entrypoint.py'] },
      periodSeconds: 10,
      timeoutSeconds: 600,
      failureThreshold: 180,
    });
    expect(main.livenessProbe).toEqual({
      httpGet: { path: '/health', port: 5000 },
      periodSeconds: 10,
      failureThreshold: 3,
    });
    expect(main.readinessProbe).toEqual({
      httpGet: { path: '/health', port: 5000 },
      periodSeconds: 10,
      initialDelaySeconds: 30,
    });
  });

  test('tolerations, node affinity (user label + own nodes), security context', () => {
    expect(pod.tolerations).toEqual(GPU_TOLERATIONS);
    expect(pod.affinity).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [
                { key: 'apps', operator: 'In', values: ['phi-3'] },
                { key: 'kaito.sh/workspace', operator: 'In', values: ['workspace-phi-3-mini'] },
                { key: 'kaito.sh/workspacenamespace', operator: 'In', values: ['default'] },
              ],
            },
          ],
        },
      },
    });
    expect(main.securityContext).toEqual(SECURITY);
    expect(main.securityContext?.runAsNonRoot).toBeUndefined();
  });
});

describe('renderInference: variations', () => {
  test('startup window: 15 min + 18 s/GiB, clamped to [30 min, 180 min]', () => {
    expect(startupWindowSeconds(7.12)).toBe(1800);
    expect(startupWindowSeconds(100)).toBe(900 + 1800);
    expect(startupWindowSeconds(131.4)).toBe(900 + 2366);
    expect(startupWindowSeconds(1000)).toBe(10800);
    expect(startupWindowSeconds(undefined)).toBe(1800);
  });

  test('options: registry, base image tag, namespace of the workspace wins', () => {
    const { ws, plan } = workspace({ inference: { preset: { name: 'phi-3-mini-4k-instruct' } } });
    const o = renderInference(ws, plan, {
      registry: 'myacr.azurecr.io/kaito/',
      baseImageTag: '0.4.5',
      defaultNamespace: 'x',
    });
    expect(o.metadata.namespace).toBe('ml');
    expect(container(podOf(o), 'ws').image).toBe('myacr.azurecr.io/kaito/kaito-base:0.4.5');
  });

  test('a model too big for one GPU: tensor parallel over the node; HF token from the access secret', () => {
    const { ws, plan } = workspace({
      resource: { instanceType: 'Standard_NC96ads_A100_v4', labelSelector: { matchLabels: { apps: 'llm' } } },
      inference: { preset: { name: 'llama-3.3-70b-instruct', presetOptions: { modelAccessSecret: 'hf-token' } } },
    });
    const main = container(podOf(renderInference(ws, plan)), 'ws');
    expect(plan.nodeCount).toBe(1);
    expect(main.args).toContain('--tensor-parallel-size=4');
    expect(main.args).not.toContain('--distributed-executor-backend=ray');
    expect(main.resources?.limits).toEqual({ 'nvidia.com/gpu': '4' });
    expect(main.env).toContainEqual({
      name: 'HF_TOKEN',
      valueFrom: { secretKeyRef: { name: 'hf-token', key: 'HF_TOKEN', optional: true } },
    });
    expect(main.startupProbe?.failureThreshold).toBe(Math.ceil(startupWindowSeconds(131.42) / 10));
  });

  test('a small model on a 4-GPU node: data parallel, KV offload off', () => {
    const { ws, plan } = workspace({
      resource: { instanceType: 'Standard_NC96ads_A100_v4', labelSelector: { matchLabels: { apps: 'llm' } } },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    const args = container(podOf(renderInference(ws, plan)), 'ws').args;
    expect(args).toEqual(
      expect.arrayContaining([
        '--tensor-parallel-size=1',
        '--data-parallel-size=4',
        '--kaito-kv-cache-cpu-memory-utilization=0',
      ]),
    );
  });

  test('preset vLLM options: tool-call parser and chat template', () => {
    const { ws, plan } = workspace({ inference: { preset: { name: 'phi-4-mini-instruct' } } });
    const args = container(podOf(renderInference(ws, plan)), 'ws').args;
    expect(args).toContain('--chat-template=/workspace/chat_templates/tool-chat-phi4-mini.jinja');
  });

  test('transformers runtime (annotation): accelerate launch, dtype from the plan, no vLLM env', () => {
    const { ws, plan } = workspace({
      metadata: { name: 'ws', namespace: 'ml', annotations: { 'kaito.sh/runtime': 'transformers' } },
      inference: { preset: { name: 'phi-4' } },
    });
    const main = container(podOf(renderInference(ws, plan)), 'ws');
    expect(main.command).toEqual(['accelerate', 'launch']);
    expect(main.args).toEqual([
      '--num_processes=1',
      '--num_machines=1',
      '--machine_rank=0',
      '--gpu_ids=all',
      '/workspace/tfs/inference_api.py',
      '--pipeline=text-generation',
      '--torch_dtype=bfloat16',
      '--trust_remote_code',
      '--served_model_name=phi-4',
      '--pretrained_model_name_or_path=microsoft/phi-4',
      '--revision=187ef0342fff0eb3333be9f00389385e95ef0b61',
      '--allow_remote_files',
    ]);
    expect(main.env).toBeUndefined();
    expect(main.ports).toEqual([{ name: 'http', containerPort: 5000, protocol: 'TCP' }]);
    expect(main.startupProbe?.httpGet).toEqual({ path: '/health', port: 5000 });
  });

  test('weights as an OCI artifact: the oras model-weights-downloader init container', () => {
    const { ws, plan } = workspace({ inference: { preset: { name: 'falcon-7b' } } });
    const pod = podOf(renderInference(ws, plan, { registry: 'reg.io/kaito' }));
    expect(pod.initContainers).toEqual([
      {
        name: 'model-weights-downloader',
        image: 'mcr.microsoft.com/oss/v2/oras-project/oras:v1.2.3',
        command: ['oras', 'pull', 'reg.io/kaito/kaito-falcon-7b:0.2.0', '-o', '/workspace/weights'],
        volumeMounts: [{ name: 'model-weights-volume', mountPath: '/workspace/weights' }],
        securityContext: SECURITY,
      },
    ]);
    expect(container(pod, 'ws').args).toContain('--model=/workspace/weights');
    expect(container(pod, 'ws').args).not.toContain('--download-dir=/workspace/weights');
  });

  test('the user inference config is mounted instead of the generated one', () => {
    const { ws, plan } = workspace({ inference: { preset: { name: 'phi-3-mini-4k-instruct' }, config: 'my-config' } });
    expect(podOf(renderInference(ws, plan)).volumes?.[0]).toEqual({
      name: 'config-volume',
      configMap: { name: 'my-config' },
    });
  });

  test("reserved selector keys never reach the affinity; BYO pods avoid another workspace's nodes (claimed or pooled)", () => {
    const { ws, plan } = workspace({
      resource: { labelSelector: { matchLabels: { apps: 'llm', 'kaito.sh/workspace': 'other' } } },
      inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
    });
    const affinity = podOf(renderInference(ws, plan)).affinity;
    const apps = { key: 'apps', operator: 'In', values: ['llm'] };
    expect(affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      {
        matchExpressions: [
          apps,
          { key: 'kaito.sh/workspace', operator: 'DoesNotExist' },
          // A node of another workspace's Karpenter NodePool carries only Kaito's NodePool keys.
          { key: 'karpenter.kaito.sh/workspace-name', operator: 'DoesNotExist' },
        ],
      },
      {
        matchExpressions: [
          apps,
          { key: 'kaito.sh/workspace', operator: 'In', values: [ws.metadata.name] },
          { key: 'kaito.sh/workspacenamespace', operator: 'In', values: [ws.metadata.namespace ?? 'default'] },
        ],
      },
      {
        matchExpressions: [
          apps,
          { key: 'karpenter.kaito.sh/workspace-name', operator: 'In', values: [ws.metadata.name] },
          {
            key: 'karpenter.kaito.sh/workspace-namespace',
            operator: 'In',
            values: [ws.metadata.namespace ?? 'default'],
          },
        ],
      },
    ]);
  });
});
