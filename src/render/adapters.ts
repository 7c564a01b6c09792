import type { Container, EnvVar, Volume, VolumeMount } from 'kubernetes-types/core/v1';
import type { AdapterSpec } from '../api/types';
import { SKOPEO_IMAGE, restrictedSecurityContext, unique, type RenderContext } from './labels';

/*
 * LoRA adapters next to the base model, and the image puller shared with tuning input images.
 *
 * Image adapters: one init container `puller-<name>` copies the image's /data directory into
 * /mnt/adapter/<name> on the emptyDir `adapter-volume`. Volume adapters: their VolumeSource is mounted at
 * /mnt/adapter/<name>. Both runtimes read /mnt/adapter: vLLM registers each subdirectory as a LoRA
 * module (`--enable-lora --kaito-adapters-dir=/mnt/adapter`), transformers reads the strength of each
 * adapter from an environment variable named after it.
 */

/** Where adapters are mounted in the inference container. */
export const ADAPTERS_PATH = '/mnt/adapter';
/** The emptyDir the image adapters are copied into. */
export const ADAPTER_VOLUME = 'adapter-volume';
/** Where a puller finds the registry credentials of its image (one `<secret>.json` per pull secret). */
export const PULL_SECRETS_PATH = '/etc/kaito/pull-secrets';
/** Strength of an adapter that names none. */
export const DEFAULT_ADAPTER_STRENGTH = '1.0';

/**
 * Copies the `/data` directory of an image into a directory ($2) with skopeo: the image ($1) is pulled
 * anonymously, then with each mounted credential until one works; its layers are unpacked in order (without
 * restoring file owners, which needs a capability the container does not have) and `/data` is copied.
 * Fails (exit 1) when the image cannot be pulled or has no `/data`.
 */
const PULLER_SCRIPT = `set -eu
image="$1"
dest="$2"
work="$(mktemp -d)"
pulled=""
for auth in "" ${PULL_SECRETS_PATH}/*.json; do
  if [ -n "$auth" ] && [ ! -f "$auth" ]; then continue; fi
  if skopeo copy --dest-decompress \${auth:+"--authfile=$auth"} "docker://$image" "dir:$work/layout"; then
    pulled=1
    break
  fi
done
if [ -z "$pulled" ]; then echo "cannot pull $image" >&2; exit 1; fi
mkdir -p "$work/rootfs"
for layer in $(skopeo inspect --format '{{range .Layers}}{{.}} {{end}}' "dir:$work/layout"); do
  tar --no-same-owner -xf "$work/layout/\${layer#sha256:}" -C "$work/rootfs"
done
if [ ! -d "$work/rootfs/data" ]; then echo "$image has no /data directory" >&2; exit 1; fi
mkdir -p "$dest"
cp -R "$work/rootfs/data/." "$dest/"
rm -rf "$work"
echo "copied /data of $image to $dest"
`;

/** What to pull, where to, and with which credentials. */
export interface ImagePullerSpec {
  /** Container name. */
  readonly name: string;
  readonly image: string;
  /** Directory the image's /data is copied into. */
  readonly destination: string;
  /** Mounts that hold the destination. */
  readonly mounts: readonly VolumeMount[];
  /** Secrets (type dockerconfigjson) to pull with. */
  readonly pullSecrets?: readonly string[];
  /** Name of the projected volume of the credentials. */
  readonly authVolumeName: string;
}

/** A skopeo init container that copies an image's /data, and the credentials volume it needs (if any). */
export function imagePuller(spec: ImagePullerSpec): { container: Container; volumes: Volume[] } {
  const secrets = unique(spec.pullSecrets ?? []);
  const volumes: Volume[] =
    secrets.length === 0
      ? []
      : [
          {
            name: spec.authVolumeName,
            projected: {
              sources: secrets.map((secret) => ({
                secret: { name: secret, items: [{ key: '.dockerconfigjson', path: `${secret}.json` }] },
              })),
            },
          },
        ];
  const container: Container = {
    name: spec.name,
    image: SKOPEO_IMAGE,
    command: ['/bin/sh', '-c', PULLER_SCRIPT, 'puller'],
    args: [spec.image, spec.destination],
    volumeMounts: [
      ...spec.mounts.map((m) => ({ ...m })),
      ...(secrets.length === 0 ? [] : [{ name: spec.authVolumeName, mountPath: PULL_SECRETS_PATH, readOnly: true }]),
    ],
    securityContext: restrictedSecurityContext(),
  };
  return { container, volumes };
}

/** What the adapters add to the inference pod. */
export interface AdapterParts {
  readonly initContainers: Container[];
  readonly volumes: Volume[];
  /** Mounts of the inference container. */
  readonly mounts: VolumeMount[];
  /** Environment of the inference container (transformers: one strength variable per adapter). */
  readonly env: EnvVar[];
  /** Extra runtime arguments (vLLM: enable LoRA and point it at the adapters). */
  readonly args: string[];
  readonly imagePullSecrets: string[];
}

/** The adapters' share of the inference pod; empty parts when the workspace has no adapters. */
export function adapterParts(ctx: RenderContext): AdapterParts {
  const adapters: readonly AdapterSpec[] = ctx.ws.inference?.adapters ?? [];
  const parts: AdapterParts = { initContainers: [], volumes: [], mounts: [], env: [], args: [], imagePullSecrets: [] };
  if (adapters.length === 0) return parts;
  const imageAdapters = adapters.filter((a) => a.source?.volumeSource === undefined && a.source?.image);
  if (imageAdapters.length > 0) {
    parts.volumes.push({ name: ADAPTER_VOLUME, emptyDir: {} });
    parts.mounts.push({ name: ADAPTER_VOLUME, mountPath: ADAPTERS_PATH });
  }
  adapters.forEach((adapter, index) => {
    const source = adapter.source ?? {};
    const name = source.name ?? `adapter-${index}`;
    if (source.volumeSource !== undefined) {
      const volumeName = `adapter-volume-${name}`;
      parts.volumes.push({ ...structuredClone(source.volumeSource), name: volumeName });
      parts.mounts.push({ name: volumeName, mountPath: `${ADAPTERS_PATH}/${name}` });
    } else if (source.image) {
      const puller = imagePuller({
        name: `puller-${name}`,
        image: source.image,
        destination: `${ADAPTERS_PATH}/${name}`,
        mounts: [{ name: ADAPTER_VOLUME, mountPath: ADAPTERS_PATH }],
        ...(source.imagePullSecrets === undefined ? {} : { pullSecrets: source.imagePullSecrets }),
        authVolumeName: `adapter-auth-${name}`,
      });
      parts.initContainers.push(puller.container);
      parts.volumes.push(...puller.volumes);
      parts.imagePullSecrets.push(...(source.imagePullSecrets ?? []));
    } else {
      return;
    }
    if (ctx.plan.runtime === 'transformers') {
      parts.env.push({ name, value: adapter.strength ?? DEFAULT_ADAPTER_STRENGTH });
    }
  });
  if (ctx.plan.runtime === 'vllm') parts.args.push('--enable-lora', `--kaito-adapters-dir=${ADAPTERS_PATH}`);
  return { ...parts, imagePullSecrets: unique(parts.imagePullSecrets) };
}
