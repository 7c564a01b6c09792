import type { StatefulSet } from 'kubernetes-types/apps/v1';
import type { Container, EnvVar, PodSpec, PodTemplateSpec, Probe, Volume, VolumeMount } from 'kubernetes-types/core/v1';
import {
  ANNOTATION_DISABLE_BENCHMARK,
  ANNOTATION_PERFORMANCE_MODE,
  LABEL_WORKSPACE,
  type Workspace,
} from '../api/types';
import { kvCacheOffloadAllowed, requiresDeepGemm } from '../catalog';
import { CUDA_HOME, cudaToolkit, needsCudaToolkit } from './cuda';
import type { WorkspacePlan } from '../plan';
import { adapterParts } from './adapters';
import { CONFIG_MOUNT_PATH, INFERENCE_CONFIG_KEY, inferenceConfigMapName } from './configmaps';
import {
  GPU_RESOURCE,
  INFERENCE_PORT,
  KV_EVENTS_PORT,
  POD_INDEX_LABEL,
  RAY_PORT,
  WEIGHTS_VOLUME,
  asKubeObject,
  childMetadata,
  gpuTolerations,
  nodeAffinity,
  presetPullSecrets,
  renderContext,
  restrictedSecurityContext,
  shmVolume,
  unique,
  weightsDownloader,
  workspaceLabels,
  type RenderContext,
} from './labels';
import type { KubeObject, RenderOptions } from './options';

/*
 * The inference workload: a StatefulSet `<ws>` with one pod per planned node.
 *
 * What the Service answers depends on the runtime:
 * - vLLM (default): the OpenAI-compatible server: POST /v1/chat/completions, POST /v1/completions,
 *   GET /v1/models (also /v1/embeddings, /tokenize, /detokenize, /version, /metrics); HTTP 429 when over capacity.
 * - transformers (`kaito.sh/runtime: transformers`): Kaito's transformers server: POST /v1/chat/completions,
 *   POST /v1/responses and GET /v1/models with current images; images of the v0.4/v0.5 era answer the legacy
 *   POST /chat (`{"prompt": ...}` or `{"messages": [...]}` with `generate_kwargs`) that older documents call.
 * Both answer GET /health on port 5000, which the probes use.
 */

/** Where model weights live in the inference pod. */
export const WEIGHTS_PATH = '/workspace/weights';
const VLLM_SERVER = '/workspace/vllm/inference_api.py';
const VLLM_MULTI_NODE = '/workspace/vllm/multi-node-serving.sh';
const VLLM_HEALTH_CHECK = '/workspace/vllm/multi-node-health-check.py';
const TRANSFORMERS_SERVER = '/workspace/tfs/inference_api.py';
const CHAT_TEMPLATES = '/workspace/chat_templates';

/**
 * Seconds a pod may take to start (download and load the weights): 15 minutes plus 18 s per GiB of weights,
 * at least 30 minutes and at most 3 hours.
 */
export function startupWindowSeconds(weightsGiB: number | undefined): number {
  return Math.min(3 * 3600, Math.max(30 * 60, 15 * 60 + Math.ceil(18 * (weightsGiB ?? 0))));
}

/** The leader pod's stable DNS name, through the headless Service. */
export function leaderAddress(ctx: Pick<RenderContext, 'name' | 'namespace'>): string {
  return `${ctx.name}-0.${ctx.name}-headless.${ctx.namespace}.svc.cluster.local`;
}

/**
 * Multi-node vLLM: pod 0 starts the Ray head and then the server with the vLLM flags ("$@"); the other pods
 * join the head. Values come in as quoted environment variables and positional arguments, never as script
 * text, so no name or flag can change what the shell runs.
 */
const MULTI_NODE_SCRIPT = `if [ "$POD_INDEX" = "0" ]; then
  ${VLLM_MULTI_NODE} leader --ray_cluster_size="$RAY_CLUSTER_SIZE" --ray_port="$RAY_PORT"
  exec python3 ${VLLM_SERVER} "$@"
else
  exec ${VLLM_MULTI_NODE} worker --ray_address="$RAY_LEADER_ADDRESS" --ray_port="$RAY_PORT"
fi
`;

/** The MIG profile of a `mig` partition, else undefined. */
function migProfile(ctx: RenderContext): string | undefined {
  const partition = ctx.ws.resource.partition;
  return partition?.mode === 'mig' ? partition.profile : undefined;
}

/** The NVIDIA device plugin's extended resource of one MIG profile (`nvidia.com/mig-1g.10gb`). */
export const migResource = (profile: string): string => `nvidia.com/mig-${profile}`;

/** vLLM's KV-events configuration, spelled as Kaito passes it. */
export const KV_EVENTS_CONFIG = '{"enable_kv_cache_events":true}';

/**
 * The model name clients send (`model` of an OpenAI request). Kaito names catalog models and Hugging Face IDs
 * by the lower-cased last segment of the repository (`mistral-7b` serves as `mistral-7b-v0.3`); classic and
 * registered presets keep their own name.
 */
export function servedModelName(ctx: Pick<RenderContext, 'preset' | 'plan' | 'name'>): string {
  const { preset, plan } = ctx;
  const repo =
    preset === undefined ? plan.huggingFaceId : preset.source === 'catalog' ? preset.huggingFaceId : undefined;
  if (repo !== undefined) return repo.slice(repo.lastIndexOf('/') + 1).toLowerCase();
  return preset?.name ?? plan.preset ?? ctx.name;
}

const modelName = servedModelName;

/** vLLM server flags from the plan, the preset and the adapters. */
export function vllmArgs(ctx: RenderContext, adapterArgs: readonly string[]): string[] {
  const { plan, preset } = ctx;
  const multiNode = plan.nodeCount > 1;
  const args = [`--served-model-name=${modelName(ctx)}`];
  if (preset !== undefined && !preset.downloadAtRuntime) {
    args.push(`--model=${WEIGHTS_PATH}`);
  } else {
    args.push(`--model=${preset?.huggingFaceId ?? plan.huggingFaceId ?? modelName(ctx)}`);
    if (preset?.revision) args.push(`--revision=${preset.revision}`);
    args.push(`--download-dir=${WEIGHTS_PATH}`);
  }
  args.push(`--dtype=${plan.dtype}`, '--trust-remote-code');
  args.push(`--max-model-len=${plan.maxModelLen ?? 'auto'}`);
  args.push(`--gpu-memory-utilization=${plan.gpuMemoryUtilization}`);
  args.push(`--tensor-parallel-size=${plan.tensorParallelSize}`);
  if (multiNode) {
    args.push(`--pipeline-parallel-size=${plan.pipelineParallelSize}`, '--distributed-executor-backend=ray');
  } else if (plan.dataParallelSize > 1) {
    args.push(`--data-parallel-size=${plan.dataParallelSize}`);
  }
  // The KV-cache CPU offload conflicts with data parallelism, with pipeline parallelism across nodes, with
  // MIG slices (Kaito turns it off on MIG until it supports it there) and with hybrid-KV models.
  const offload = preset === undefined || kvCacheOffloadAllowed(preset);
  if (multiNode || plan.dataParallelSize > 1 || migProfile(ctx) !== undefined || !offload) {
    args.push('--kaito-kv-cache-cpu-memory-utilization=0');
  }
  // The allreduce+RMSNorm fusion JIT-compiles with nvcc, which the runtime image does not ship.
  args.push('--compilation-config.pass_config.fuse_allreduce_rms=False');
  // KV-cache events over ZMQ on KV_EVENTS_PORT, on by default as in Kaito v0.12, for cache-aware routers.
  args.push(`--kv-events-config=${KV_EVENTS_CONFIG}`);
  args.push(`--kaito-config-file=${CONFIG_MOUNT_PATH}/${INFERENCE_CONFIG_KEY}`);
  const v = preset?.vllm;
  if (v?.toolCallParser) args.push(`--tool-call-parser=${v.toolCallParser}`, '--enable-auto-tool-choice');
  if (v?.reasoningParser) args.push(`--reasoning-parser=${v.reasoningParser}`);
  if (v?.chatTemplate) args.push(`--chat-template=${CHAT_TEMPLATES}/${v.chatTemplate}`);
  if (v?.tokenizerMode) args.push(`--tokenizer-mode=${v.tokenizerMode}`);
  if (v?.loadFormat) args.push(`--load-format=${v.loadFormat}`);
  if (v?.configFormat) args.push(`--config-format=${v.configFormat}`);
  if (v?.kvCacheDtype) args.push(`--kv-cache-dtype=${v.kvCacheDtype}`);
  if (v?.gdnPrefillBackend) args.push(`--gdn-prefill-backend=${v.gdnPrefillBackend}`);
  if (v?.expertParallel === true) args.push('--enable-expert-parallel');
  if (v?.flashInferAutotune === false) args.push('--kernel-config.enable_flashinfer_autotune=False');
  const mode = ctx.ws.metadata.annotations?.[ANNOTATION_PERFORMANCE_MODE];
  if (mode !== undefined && mode !== '' && mode !== 'balanced') args.push(`--performance-mode=${mode}`);
  return [...args, ...adapterArgs];
}

/** transformers server flags (Kaito's `accelerate launch` of its inference API on one node). */
export function transformersArgs(ctx: RenderContext): string[] {
  const { plan, preset } = ctx;
  const args = ['--num_processes=1', '--num_machines=1', '--machine_rank=0', '--gpu_ids=all', TRANSFORMERS_SERVER];
  args.push('--pipeline=text-generation', `--torch_dtype=${plan.dtype}`, '--trust_remote_code');
  args.push(`--served_model_name=${modelName(ctx)}`);
  if (preset !== undefined && !preset.downloadAtRuntime) {
    args.push(`--pretrained_model_name_or_path=${WEIGHTS_PATH}`);
  } else {
    args.push(`--pretrained_model_name_or_path=${preset?.huggingFaceId ?? plan.huggingFaceId ?? modelName(ctx)}`);
    if (preset?.revision) args.push(`--revision=${preset.revision}`);
    args.push('--allow_remote_files');
  }
  return args;
}

/** Command and args of the inference container. */
function serverCommand(ctx: RenderContext, adapterArgs: readonly string[]): Pick<Container, 'command' | 'args'> {
  if (ctx.plan.runtime === 'transformers') return { command: ['accelerate', 'launch'], args: transformersArgs(ctx) };
  const args = vllmArgs(ctx, adapterArgs);
  if (ctx.plan.nodeCount <= 1) return { command: ['python3', VLLM_SERVER], args };
  return { command: ['/bin/sh', '-c', MULTI_NODE_SCRIPT, 'vllm-multi-node'], args };
}

const httpProbe = (extra: Partial<Probe>): Probe => ({
  httpGet: { path: '/health', port: INFERENCE_PORT },
  periodSeconds: 10,
  ...extra,
});

/**
 * Probes. One node: HTTP GET /health on 5000. Several nodes: only the leader serves HTTP, so every pod runs
 * the runtime's health check, which asks the leader's server (readiness) or the Ray cluster (liveness).
 */
function probes(ctx: RenderContext): Pick<Container, 'startupProbe' | 'livenessProbe' | 'readinessProbe'> {
  const startupFailures = Math.ceil(startupWindowSeconds(ctx.preset?.weightsGiB) / 10);
  const chosen = healthProbes(ctx, startupFailures);
  return benchmarkEnabled(ctx) ? { ...chosen, startupProbe: benchmarkProbe(ctx, startupFailures) } : chosen;
}

/** The runtime image's benchmark: fails while the server loads, then measures it once and exits 0. */
export const BENCHMARK_SCRIPT = '/workspace/vllm/benchmark_entrypoint.py';

/** Whether the startup probe benchmarks the server (vLLM presets, unless `kaito.sh/disable-benchmark: "true"`). */
export function benchmarkEnabled(ctx: Pick<RenderContext, 'ws' | 'plan'>): boolean {
  return (
    ctx.plan.runtime === 'vllm' &&
    ctx.ws.inference?.preset !== undefined &&
    ctx.ws.metadata.annotations?.[ANNOTATION_DISABLE_BENCHMARK] !== 'true'
  );
}

/**
 * The benchmark startup probe: run every 10 s until the server answers, then once through the benchmark
 * (up to 600 s). Only the leader of a multi-node workspace serves, so the other pods pass at once (a worker
 * waiting on the leader would stall rolling updates). The reconciler reads the result from the log.
 */
function benchmarkProbe(ctx: RenderContext, failureThreshold: number): Probe {
  const command =
    ctx.plan.nodeCount > 1
      ? ['/bin/sh', '-c', `if [ "$POD_INDEX" = "0" ]; then python3 ${BENCHMARK_SCRIPT}; else true; fi`]
      : ['python3', BENCHMARK_SCRIPT];
  return { exec: { command }, periodSeconds: 10, timeoutSeconds: 600, failureThreshold };
}

function healthProbes(
  ctx: RenderContext,
  startupFailures: number,
): Pick<Container, 'startupProbe' | 'livenessProbe' | 'readinessProbe'> {
  if (ctx.plan.runtime !== 'vllm' || ctx.plan.nodeCount <= 1) {
    return {
      startupProbe: httpProbe({ failureThreshold: startupFailures }),
      livenessProbe: httpProbe({ failureThreshold: 3 }),
      readinessProbe: httpProbe({ initialDelaySeconds: 30 }),
    };
  }
  const check = (kind: 'liveness' | 'readiness'): string[] => [
    'python3',
    VLLM_HEALTH_CHECK,
    kind,
    `--leader-address=${leaderAddress(ctx)}`,
    kind === 'liveness' ? `--ray-port=${RAY_PORT}` : `--vllm-port=${INFERENCE_PORT}`,
  ];
  return {
    startupProbe: {
      exec: { command: check('readiness') },
      periodSeconds: 10,
      timeoutSeconds: 1,
      failureThreshold: startupFailures,
    },
    livenessProbe: {
      exec: { command: check('liveness') },
      initialDelaySeconds: 60,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 1,
      terminationGracePeriodSeconds: 1,
    },
    readinessProbe: {
      exec: { command: check('readiness') },
      periodSeconds: 10,
      timeoutSeconds: 1,
      failureThreshold: 1,
    },
  };
}

function environment(ctx: RenderContext): EnvVar[] {
  const env: EnvVar[] = [];
  if (ctx.plan.runtime === 'vllm') {
    // The runtime image ships no CUDA compiler: keep vLLM off the JIT-compiled FlashInfer sampler and off
    // DeepGEMM, except for the models whose FP8 GEMMs need DeepGEMM (they get a CUDA toolkit, see cudaToolkit).
    const deepGemm = ctx.preset !== undefined && requiresDeepGemm(ctx.preset) ? '1' : '0';
    env.push({ name: 'VLLM_USE_FLASHINFER_SAMPLER', value: '0' }, { name: 'VLLM_USE_DEEP_GEMM', value: deepGemm });
  }
  if (needsCudaToolkit(ctx)) env.push({ name: 'CUDA_HOME', value: CUDA_HOME });
  const secret = ctx.ws.inference?.preset?.presetOptions?.modelAccessSecret;
  if (secret) {
    env.push({ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: secret, key: 'HF_TOKEN', optional: true } } });
  }
  if (ctx.plan.runtime === 'vllm' && ctx.plan.nodeCount > 1) {
    env.push(
      { name: 'POD_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.labels['${POD_INDEX_LABEL}']` } } },
      { name: 'RAY_LEADER_ADDRESS', value: leaderAddress(ctx) },
      { name: 'RAY_CLUSTER_SIZE', value: String(ctx.plan.nodeCount) },
      { name: 'RAY_PORT', value: String(RAY_PORT) },
    );
  }
  return env;
}

/** The pod of a preset inference workspace. */
function presetPodSpec(ctx: RenderContext): PodSpec {
  const adapters = adapterParts(ctx);
  const shm = shmVolume();
  const cuda = cudaToolkit(ctx);
  const volumes: Volume[] = [
    { name: 'config-volume', configMap: { name: inferenceConfigMapName(ctx.ws) } },
    { name: WEIGHTS_VOLUME, emptyDir: {} },
    ...(cuda === undefined ? [] : [cuda.volume]),
    shm.volume,
    ...adapters.volumes,
  ];
  const mounts: VolumeMount[] = [
    { name: 'config-volume', mountPath: CONFIG_MOUNT_PATH },
    { name: WEIGHTS_VOLUME, mountPath: WEIGHTS_PATH },
    ...(cuda === undefined ? [] : [cuda.mount]),
    shm.mount,
    ...adapters.mounts,
  ];
  const gpus = String(ctx.plan.gpusPerNode);
  // Under the device plugin's "mixed" MIG strategy each profile is its own extended resource.
  const profile = migProfile(ctx);
  const gpuResource = profile === undefined ? GPU_RESOURCE : migResource(profile);
  const downloader = weightsDownloader(ctx, WEIGHTS_PATH);
  const pullSecrets = unique([...presetPullSecrets(ctx), ...adapters.imagePullSecrets]);
  const affinity = nodeAffinity(ctx);
  const env = [...environment(ctx), ...adapters.env];
  const container: Container = {
    name: ctx.name,
    image: ctx.baseImage,
    ...serverCommand(ctx, adapters.args),
    ports: [
      { name: 'http', containerPort: INFERENCE_PORT, protocol: 'TCP' },
      // Only vLLM publishes KV-cache events.
      ...(ctx.plan.runtime === 'vllm' ? [{ name: 'kv-events', containerPort: KV_EVENTS_PORT, protocol: 'TCP' }] : []),
    ],
    ...(env.length === 0 ? {} : { env }),
    resources: { requests: { [gpuResource]: gpus }, limits: { [gpuResource]: gpus } },
    volumeMounts: mounts,
    ...probes(ctx),
    securityContext: restrictedSecurityContext(),
  };
  const initContainers = [
    ...(cuda === undefined ? [] : [cuda.init]),
    ...(downloader === undefined ? [] : [downloader]),
    ...adapters.initContainers,
  ];
  return {
    ...(initContainers.length === 0 ? {} : { initContainers }),
    containers: [container],
    automountServiceAccountToken: false,
    ...(pullSecrets.length === 0 ? {} : { imagePullSecrets: pullSecrets.map((name) => ({ name })) }),
    tolerations: [
      ...gpuTolerations(),
      // Tolerates the per-profile taint a cluster operator may put on MIG nodes.
      ...(profile === undefined ? [] : [{ key: migResource(profile), operator: 'Exists', effect: 'NoSchedule' }]),
    ],
    ...(affinity === undefined ? {} : { affinity }),
    volumes,
  };
}

/**
 * The user's pod template as Kaito runs it: the workspace label added, the node affinity replaced by the
 * workspace's node requirements, the GPU tolerations appended, no service account token unless the template
 * asks for one; everything else as given.
 */
function templatePod(ctx: RenderContext, template: PodTemplateSpec): PodTemplateSpec {
  const copy = structuredClone(template);
  const spec: PodSpec = copy.spec ?? { containers: [] };
  const affinity = nodeAffinity(ctx);
  return {
    ...copy,
    metadata: { ...(copy.metadata ?? {}), labels: { ...(copy.metadata?.labels ?? {}), ...workspaceLabels(ctx) } },
    spec: {
      ...spec,
      automountServiceAccountToken: spec.automountServiceAccountToken ?? false,
      ...(affinity === undefined ? {} : { affinity: { ...(spec.affinity ?? {}), ...affinity } }),
      tolerations: [...(spec.tolerations ?? []), ...gpuTolerations()],
    },
  };
}

/**
 * The inference StatefulSet `<ws>`: `plan.nodeCount` replicas started in parallel behind the headless
 * Service `<ws>-headless`, each pod holding a whole node's GPUs. A workspace with `inference.template`
 * gets its template; a preset workspace gets Kaito's runtime image with the planned parallelism.
 */
export function renderInference(ws: Workspace, plan: WorkspacePlan, options: RenderOptions = {}): KubeObject {
  const ctx = renderContext(ws, plan, options);
  const labels = workspaceLabels(ctx);
  const template = ws.inference?.template;
  const pod: PodTemplateSpec =
    template !== undefined ? templatePod(ctx, template) : { metadata: { labels }, spec: presetPodSpec(ctx) };
  const statefulSet: StatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMetadata(ctx, ctx.name),
    spec: {
      replicas: plan.nodeCount,
      podManagementPolicy: 'Parallel',
      serviceName: `${ctx.name}-headless`,
      selector: { matchLabels: { [LABEL_WORKSPACE]: ctx.name } },
      template: pod,
    },
  };
  return asKubeObject(statefulSet);
}
