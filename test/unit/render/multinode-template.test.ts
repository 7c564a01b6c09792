import { renderInference, renderServices } from '../../../src/render';
import { join } from 'node:path';
import { asStatefulSet, container, podOf, workspace } from './helpers';
import { calls, runContainer, sandbox } from './scripts';

describe('multi-node vLLM (llama-3.3-70b on 2 x Standard_NC48ads_A100_v4)', () => {
  const { ws, plan } = workspace({
    resource: { instanceType: 'Standard_NC48ads_A100_v4', labelSelector: { matchLabels: { apps: 'llm' } } },
    inference: { preset: { name: 'llama-3.3-70b-instruct', presetOptions: { modelAccessSecret: 'hf' } } },
  });
  const o = renderInference(ws, plan);
  const main = container(podOf(o), 'ws');
  const leader = 'ws-0.ws-headless.ml.svc.cluster.local';

  test('the plan spans two nodes of two GPUs', () => {
    expect(plan).toMatchObject({ nodeCount: 2, gpusPerNode: 2, tensorParallelSize: 2, pipelineParallelSize: 2 });
    expect(asStatefulSet(o).spec?.replicas).toBe(2);
    expect(main.resources?.limits).toEqual({ 'nvidia.com/gpu': '2' });
  });

  test('POD_INDEX from the pod-index label decides leader or worker', () => {
    expect(main.env).toContainEqual({
      name: 'POD_INDEX',
      valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
    });
    expect(main.env).toEqual(
      expect.arrayContaining([
        { name: 'RAY_LEADER_ADDRESS', value: leader },
        { name: 'RAY_CLUSTER_SIZE', value: '2' },
        { name: 'RAY_PORT', value: '6379' },
      ]),
    );
    expect(main.command?.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(main.command?.[3]).toBe('vllm-multi-node');
    expect(main.args).toEqual(
      expect.arrayContaining([
        '--tensor-parallel-size=2',
        '--pipeline-parallel-size=2',
        '--distributed-executor-backend=ray',
        '--kaito-kv-cache-cpu-memory-utilization=0',
        '--max-model-len=' + plan.maxModelLen,
      ]),
    );
  });

  test('pod 0 starts the Ray head, then the server with the vLLM flags; the others join the head', () => {
    const box = sandbox();
    expect(runContainer(box, main, { POD_INDEX: '0' }).status).toBe(0);
    expect(calls(box)).toEqual([
      ['multi-node-serving.sh', 'leader', '--ray_cluster_size=2', '--ray_port=6379'],
      ['python3', join(box.paths['/workspace/vllm'], 'inference_api.py'), ...main.args!],
    ]);
    const worker = sandbox();
    expect(runContainer(worker, main, { POD_INDEX: '1' }).status).toBe(0);
    expect(calls(worker)).toEqual([['multi-node-serving.sh', 'worker', `--ray_address=${leader}`, '--ray_port=6379']]);
  });

  test('every pod checks the cluster through the leader (only the leader serves HTTP)', () => {
    const readiness = ['python3', '/workspace/vllm/multi-node-health-check.py', 'readiness'];
    expect(main.readinessProbe?.exec?.command).toEqual([
      ...readiness,
      `--leader-address=${leader}`,
      '--vllm-port=5000',
    ]);
    // The startup probe benchmarks the leader once it serves; the workers pass at once.
    expect(main.startupProbe).toEqual({
      exec: {
        command: [
          '/bin/sh',
          '-c',
          'if [ "$POD_INDEX" = "0" ]; then python3 /workspace/vllm/benchmark_entrypoint.py; else true; fi',
        ],
      },
      periodSeconds: 10,
      timeoutSeconds: 600,
      // 15 min + 18 s x 131.42 GiB of weights, in 10 s periods.
      failureThreshold: 327,
    });
    expect(main.livenessProbe).toEqual({
      exec: {
        command: [
          'python3',
          '/workspace/vllm/multi-node-health-check.py',
          'liveness',
          `--leader-address=${leader}`,
          '--ray-port=6379',
        ],
      },
      initialDelaySeconds: 60,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 1,
      terminationGracePeriodSeconds: 1,
    });
  });

  test('the Service targets the leader only', () => {
    const [svc] = renderServices(ws, plan) as unknown as [{ spec: { selector: Record<string, string> } }];
    expect(svc.spec.selector['statefulset.kubernetes.io/pod-name']).toBe('ws-0');
  });
});

describe('template workspace (inference.template)', () => {
  const template = {
    metadata: { labels: { app: 'mine' } },
    spec: {
      containers: [{ name: 'server', image: 'example.com/server:1', ports: [{ containerPort: 5000 }] }],
      tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
      affinity: {
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] },
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
      },
    },
  };
  const { ws, plan } = workspace({
    resource: { count: 2, instanceType: 'Standard_NC24ads_A100_v4', labelSelector: { matchLabels: { apps: 'llm' } } },
    inference: { template },
  });
  const sts = asStatefulSet(renderInference(ws, plan));

  test('the user pod runs as given, with the workspace label, node affinity and GPU tolerations', () => {
    expect(sts.spec?.replicas).toBe(plan.nodeCount);
    expect(sts.spec?.replicas).toBe(2);
    expect(sts.spec?.serviceName).toBe('ws-headless');
    expect(sts.spec?.template.metadata?.labels).toEqual({ app: 'mine', 'kaito.sh/workspace': 'ws' });
    const pod = sts.spec?.template.spec;
    expect(pod?.containers).toEqual(template.spec.containers);
    expect(pod?.tolerations).toEqual([
      { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'kubernetes.azure.com/scalesetpriority', operator: 'Equal', value: 'spot', effect: 'NoSchedule' },
    ]);
    expect(pod?.affinity?.podAntiAffinity).toEqual(template.spec.affinity.podAntiAffinity);
    expect(pod?.affinity?.nodeAffinity).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          {
            matchExpressions: [
              { key: 'apps', operator: 'In', values: ['llm'] },
              { key: 'kaito.sh/workspace', operator: 'In', values: ['ws'] },
              { key: 'kaito.sh/workspacenamespace', operator: 'In', values: ['ml'] },
            ],
          },
        ],
      },
    });
  });

  test('the workspace is not changed by rendering', () => {
    expect(ws.inference?.template?.metadata?.labels).toEqual({ app: 'mine' });
    expect(ws.inference?.template?.spec?.tolerations).toHaveLength(1);
  });
});
