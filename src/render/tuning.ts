import type { Job } from 'kubernetes-types/batch/v1';
import type { Container, EnvVar, PodSpec, Volume, VolumeMount } from 'kubernetes-types/core/v1';
import type { Workspace } from '../api/types';
import type { WorkspacePlan } from '../plan';
import { imagePuller } from './adapters';
import { CONFIG_MOUNT_PATH, RESULTS_PATH, trainingConfigMapName } from './configmaps';
import {
  CURL_IMAGE,
  GPU_RESOURCE,
  ORAS_PUSHER_IMAGE,
  WEIGHTS_VOLUME,
  asKubeObject,
  childMetadata,
  gpuTolerations,
  nodeAffinity,
  presetPullSecrets,
  renderContext,
  restrictedSecurityContext,
  shmVolume,
  weightsDownloader,
  workspaceLabels,
  type RenderContext,
} from './labels';
import type { KubeObject, RenderOptions } from './options';

/*
 * The fine-tuning Job `<ws>`: one pod on one node, never retried (backoffLimit 0, restartPolicy Never).
 *
 * Init containers fetch the weights and the training data; the training container runs LoRA or QLoRA
 * (`accelerate launch fine_tuning.py`) and writes the adapter to /mnt/results.
 *
 * Storing the result is part of the Job's success. With an output volume, training writes straight into
 * it and is the pod's only container: its exit code is the pod's. With an output image the result must
 * be pushed after training, and a failed push must fail the Job. So training runs as the LAST INIT
 * CONTAINER and the pusher is the pod's ONLY CONTAINER: the kubelet starts the pusher only after training
 * exited 0 (a failed init container fails the pod, restartPolicy being Never), and the pod - hence the Job -
 * succeeds exactly when the push exits 0. There is no sidecar to coordinate and nothing waits on a file
 * that a killed container would never write: a training OOM kill, a missing adapter file and a rejected
 * push all end in a failed Job. While training runs the pod shows `Init:N/N` (phase Pending); the Job
 * counts it as active. `kubectl logs job/<ws>` shows the training log (default-container annotation).
 */

/** Where the training data is. */
export const DATA_PATH = '/mnt/data';
/** Where the tuning runtime loads the base model from (its default `pretrained_model_name_or_path`). */
export const TUNING_WEIGHTS_PATH = '/workspace/tfs/weights';
/** Name of the container that pushes the tuning result. */
export const PUSHER_CONTAINER = 'pusher';

/**
 * Downloads each URL ($@) into /mnt/data with retries, and logs each file's size; fails on any error.
 * Redirects are not followed (no `--location`) and any answer but 2xx fails: a public URL must not bounce the
 * download to an address the URL rule refuses (the metadata service, the cluster network).
 */
const DOWNLOAD_SCRIPT = `set -eu
cd ${DATA_PATH}
i=0
for url in "$@"; do
  i=$((i + 1))
  file="$(basename "\${url%%[?#]*}")"
  if [ -z "$file" ] || [ -e "$file" ]; then file="$i-\${file:-data}"; fi
  echo "downloading $url to ${DATA_PATH}/$file"
  code="$(curl --fail --silent --show-error --proto =http,https --connect-timeout 30 \\
    --retry 5 --retry-delay 5 --retry-all-errors --write-out '%{http_code}' --output "$file" "$url")"
  case "$code" in
    2??) ;;
    *) echo "$url answered HTTP $code; redirects are not followed: use the final URL" >&2; exit 1 ;;
  esac
  size="$(wc -c < "$file" | tr -d ' ')"
  if [ "$size" -eq 0 ]; then echo "$url is empty" >&2; exit 1; fi
  echo "downloaded $file: $size bytes"
done
echo "downloaded $i file(s)"
`;

/**
 * Packs the adapter in /mnt/results as an image whose /data holds it (what adapter pullers read) and pushes
 * it to $1 with the credentials at /root/.docker/config.json, annotated with the model name ($2). Exits
 * non-zero when the adapter is missing or the push fails three times.
 */
const PUSH_SCRIPT = `set -eu
image="$1"
model="$2"
work="$(mktemp -d)"
mkdir "$work/data"
for f in adapter_config.json adapter_model.safetensors; do
  if [ ! -s "${RESULTS_PATH}/$f" ]; then echo "training left no ${RESULTS_PATH}/$f: nothing to push" >&2; exit 1; fi
  cp "${RESULTS_PATH}/$f" "$work/data/"
done
cd "$work"
tar -cf layer.tar data
diff="$(sha256sum layer.tar | cut -d ' ' -f 1)"
gzip -9 layer.tar
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff" > config.json
attempt=1
until oras push --registry-config /root/.docker/config.json \\
  --config config.json:application/vnd.oci.image.config.v1+json \\
  --annotation "sh.kaito.model.name=$model" \\
  "$image" layer.tar.gz:application/vnd.oci.image.layer.v1.tar+gzip; do
  if [ "$attempt" -ge 3 ]; then echo "push to $image failed $attempt times" >&2; exit 1; fi
  attempt=$((attempt + 1))
  sleep 10
done
echo "pushed the adapter to $image"
`;

/** Downloads the Hugging Face snapshot ($1 at revision $2) into $3 with the runtime image's huggingface_hub. */
const HF_DOWNLOAD_SCRIPT =
  'import sys\nfrom huggingface_hub import snapshot_download\n' +
  'snapshot_download(repo_id=sys.argv[1], revision=sys.argv[2] or None, local_dir=sys.argv[3])\n';

function hfToken(ctx: RenderContext): EnvVar[] {
  const secret = ctx.ws.tuning?.preset?.presetOptions?.modelAccessSecret;
  return secret
    ? [{ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: secret, key: 'HF_TOKEN', optional: true } } }]
    : [];
}

/** The base model's weights: an OCI artifact pulled with oras, or the Hugging Face snapshot. */
function weightsInit(ctx: RenderContext): Container | undefined {
  const oras = weightsDownloader(ctx, TUNING_WEIGHTS_PATH);
  if (oras !== undefined) return oras;
  const repo = ctx.preset?.huggingFaceId ?? ctx.plan.huggingFaceId;
  if (repo === undefined) return undefined;
  const env = hfToken(ctx);
  return {
    name: 'model-weights-downloader',
    image: ctx.baseImage,
    command: ['python3', '-c', HF_DOWNLOAD_SCRIPT],
    args: [repo, ctx.preset?.revision ?? '', TUNING_WEIGHTS_PATH],
    ...(env.length === 0 ? {} : { env }),
    volumeMounts: [{ name: WEIGHTS_VOLUME, mountPath: TUNING_WEIGHTS_PATH }],
    securityContext: restrictedSecurityContext(),
  };
}

/** The training data: the init container that fetches it (none for a volume) and the data volume. */
function dataInput(ctx: RenderContext): { init?: Container; volumes: Volume[] } {
  const input = ctx.ws.tuning?.input ?? {};
  const mount: VolumeMount = { name: 'data-volume', mountPath: DATA_PATH };
  if (input.volumeSource !== undefined) {
    return { volumes: [{ ...structuredClone(input.volumeSource), name: 'data-volume' }] };
  }
  const volumes: Volume[] = [{ name: 'data-volume', emptyDir: {} }];
  if (input.image) {
    const puller = imagePuller({
      name: 'data-puller',
      image: input.image,
      destination: DATA_PATH,
      mounts: [mount],
      ...(input.imagePullSecrets === undefined ? {} : { pullSecrets: input.imagePullSecrets }),
      authVolumeName: 'data-auth',
    });
    return { init: puller.container, volumes: [...volumes, ...puller.volumes] };
  }
  const init: Container = {
    name: 'data-downloader',
    image: CURL_IMAGE,
    command: ['/bin/sh', '-c', DOWNLOAD_SCRIPT, 'data-downloader'],
    args: [...(input.urls ?? [])],
    volumeMounts: [mount],
    securityContext: restrictedSecurityContext(),
  };
  return { init, volumes };
}

/** The training container: LoRA/QLoRA over all the node's GPUs. */
function trainingContainer(ctx: RenderContext): Container {
  const gpus = String(ctx.plan.gpusPerNode);
  const targetModules = ctx.preset?.tuning?.targetModules;
  const shm = shmVolume();
  return {
    name: ctx.name,
    image: ctx.baseImage,
    command: [
      '/bin/sh',
      '-c',
      'cd /workspace/tfs || exit 1\npython3 metrics_server.py &\n' +
        `exec accelerate launch --num_processes=${gpus} /workspace/tfs/fine_tuning.py`,
    ],
    env: [
      { name: 'PYTORCH_CUDA_ALLOC_CONF', value: 'expandable_segments:True' },
      ...(targetModules ? [{ name: 'DEFAULT_TARGET_MODULES', value: targetModules }] : []),
    ],
    resources: { requests: { [GPU_RESOURCE]: gpus }, limits: { [GPU_RESOURCE]: gpus } },
    volumeMounts: [
      shm.mount,
      { name: WEIGHTS_VOLUME, mountPath: TUNING_WEIGHTS_PATH },
      { name: 'config-volume', mountPath: CONFIG_MOUNT_PATH },
      { name: 'data-volume', mountPath: DATA_PATH },
      { name: 'results-volume', mountPath: RESULTS_PATH },
    ],
    securityContext: restrictedSecurityContext(),
  };
}

/** The container that pushes /mnt/results to the output image; its exit code is the Job's. */
function pusherContainer(ctx: RenderContext, image: string): Container {
  return {
    name: PUSHER_CONTAINER,
    image: ORAS_PUSHER_IMAGE,
    command: ['/bin/sh', '-c', PUSH_SCRIPT, PUSHER_CONTAINER],
    args: [image, ctx.preset?.name ?? ctx.plan.preset ?? ''],
    volumeMounts: [
      { name: 'results-volume', mountPath: RESULTS_PATH, readOnly: true },
      { name: 'push-secret', mountPath: '/root/.docker', readOnly: true },
    ],
    securityContext: restrictedSecurityContext(),
  };
}

function tuningPodSpec(ctx: RenderContext): PodSpec {
  const output = ctx.ws.tuning?.output ?? {};
  const pushImage = output.volumeSource === undefined ? output.image : undefined;
  const weights = weightsInit(ctx);
  const data = dataInput(ctx);
  const training = trainingContainer(ctx);
  const fetchers = [...(weights === undefined ? [] : [weights]), ...(data.init === undefined ? [] : [data.init])];
  const volumes: Volume[] = [
    shmVolume().volume,
    { name: WEIGHTS_VOLUME, emptyDir: {} },
    { name: 'config-volume', configMap: { name: trainingConfigMapName(ctx.ws) } },
    ...data.volumes,
    output.volumeSource !== undefined
      ? { ...structuredClone(output.volumeSource), name: 'results-volume' }
      : { name: 'results-volume', emptyDir: {} },
  ];
  if (pushImage) {
    volumes.push({
      name: 'push-secret',
      secret: {
        secretName: output.imagePushSecret ?? '',
        items: [{ key: '.dockerconfigjson', path: 'config.json' }],
      },
    });
  }
  const pullSecrets = presetPullSecrets(ctx);
  const affinity = nodeAffinity(ctx);
  return {
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    ...(pushImage
      ? { initContainers: [...fetchers, training], containers: [pusherContainer(ctx, pushImage)] }
      : { ...(fetchers.length === 0 ? {} : { initContainers: fetchers }), containers: [training] }),
    ...(pullSecrets.length === 0 ? {} : { imagePullSecrets: pullSecrets.map((name) => ({ name })) }),
    tolerations: gpuTolerations(),
    ...(affinity === undefined ? {} : { affinity }),
    volumes,
  };
}

/**
 * The tuning Job `<ws>` of a tuning workspace (see the design note at the top of this file): it succeeds
 * only when training succeeded and its result was stored (written to the output volume, or pushed).
 */
export function renderTuningJob(ws: Workspace, plan: WorkspacePlan, options: RenderOptions = {}): KubeObject {
  const ctx = renderContext(ws, plan, options);
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: childMetadata(ctx, ctx.name),
    spec: {
      backoffLimit: 0,
      template: {
        metadata: {
          labels: workspaceLabels(ctx),
          annotations: { 'kubectl.kubernetes.io/default-container': ctx.name },
        },
        spec: tuningPodSpec(ctx),
      },
    },
  };
  return asKubeObject(job);
}
