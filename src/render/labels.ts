import type {
  Affinity,
  Container,
  NodeSelectorRequirement,
  SecurityContext,
  Toleration,
  Volume,
  VolumeMount,
} from 'kubernetes-types/core/v1';
import type { ObjectMeta } from 'kubernetes-types/meta/v1';
import { resolvePreset } from '../api/rules';
import {
  KAITO_GROUP,
  LABEL_NODEPOOL_WORKSPACE,
  LABEL_NODEPOOL_WORKSPACE_NAMESPACE,
  LABEL_WORKSPACE,
  LABEL_WORKSPACE_NAMESPACE,
  RESERVED_SELECTOR_KEYS,
  STORAGE_VERSION,
  type LabelSelector,
  type Workspace,
} from '../api/types';
import { defaultPresets, type ModelPreset } from '../catalog';
import type { WorkspacePlan } from '../plan';
import {
  DEFAULT_REGISTRY,
  type KubeObject,
  type NodeProvisioner,
  type OwnerReference,
  type RenderOptions,
} from './options';

/*
 * What every renderer shares: the resolved render context, labels, selectors, tolerations, node affinity,
 * security context, image names and well-known ports.
 */

/** Tag of Kaito's runtime image `kaito-base` (the `base` entry of Kaito's preset table at v0.12.0). */
export const BASE_IMAGE_TAG = '0.5.0';
/** Tag of the OCI weight artifacts `kaito-<preset>` of the presets whose weights are not downloaded at run time. */
export const MODEL_WEIGHTS_IMAGE_TAG = '0.2.0';
/** ORAS image that pulls model weights (Kaito's `model-weights-downloader`). */
export const ORAS_IMAGE = 'mcr.microsoft.com/oss/v2/oras-project/oras:v1.2.3';
/** ORAS image that pushes tuning results; it ships a shell, tar, gzip and sha256sum next to `oras`. */
export const ORAS_PUSHER_IMAGE = 'ghcr.io/oras-project/oras:v1.2.2';
/** Skopeo image that pulls adapter and data images. */
export const SKOPEO_IMAGE = 'mcr.microsoft.com/aks/skopeo:1.14.4-6';
/** curl image that downloads tuning data. */
export const CURL_IMAGE = 'curlimages/curl:8.11.1';

/** Port the runtimes listen on inside the pod. */
export const INFERENCE_PORT = 5000;
/** Port of the workspace Service. */
export const SERVICE_PORT = 80;
/** ZMQ port vLLM publishes KV-cache events on (BlockStored, BlockRemoved, AllBlocksCleared). */
export const KV_EVENTS_PORT = 5557;
/** Ray head port of multi-node vLLM. */
export const RAY_PORT = 6379;
/** GPU extended resource of the NVIDIA device plugin. */
export const GPU_RESOURCE = 'nvidia.com/gpu';
/** Label the StatefulSet controller puts on each pod with its ordinal. */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
/** Taint Kaito puts on GPU nodes, and that its workloads tolerate. */
export const GPU_TAINT = { key: 'sku', value: 'gpu', effect: 'NoSchedule' } as const;

/** Everything a renderer needs, resolved once from the workspace, its plan and the options. */
export interface RenderContext {
  readonly ws: Workspace;
  readonly plan: WorkspacePlan;
  readonly name: string;
  readonly namespace: string;
  readonly registry: string;
  readonly baseImage: string;
  readonly provisioner: NodeProvisioner;
  /** The catalog preset of the workspace's model, when it has one. */
  readonly preset?: ModelPreset;
  readonly ownerReferences?: readonly OwnerReference[];
}

/** How nodes are provisioned: the option, else Karpenter when the workspace names an instance type, else BYO. */
export function provisionerOf(ws: Workspace, options: RenderOptions = {}): NodeProvisioner {
  if (!ws.resource.instanceType) return 'byo';
  return options.nodeProvisioner ?? 'karpenter';
}

/** Resolves the render context. */
export function renderContext(ws: Workspace, plan: WorkspacePlan, options: RenderOptions = {}): RenderContext {
  const registry = (options.registry ?? DEFAULT_REGISTRY).replace(/\/+$/, '');
  const presets = options.presets ?? defaultPresets;
  const spec = ws.inference?.preset ?? ws.tuning?.preset;
  const resolved = spec === undefined ? undefined : resolvePreset(spec.name, presets);
  const preset = resolved?.kind === 'catalog' ? resolved.preset : undefined;
  const name = ws.metadata.name;
  return {
    ws,
    plan,
    name,
    namespace: ws.metadata.namespace ?? options.defaultNamespace ?? 'default',
    registry,
    baseImage: `${registry}/kaito-base:${options.baseImageTag ?? BASE_IMAGE_TAG}`,
    provisioner: provisionerOf(ws, options),
    ...(preset === undefined ? {} : { preset }),
    ...(options.ownerUid === undefined
      ? {}
      : {
          ownerReferences: [
            {
              apiVersion: `${KAITO_GROUP}/${STORAGE_VERSION}`,
              kind: 'Workspace',
              name,
              uid: options.ownerUid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        }),
  };
}

/** The label that ties pods, Services and nodes to their workspace. */
export function workspaceLabels(ctx: Pick<RenderContext, 'name'>): Record<string, string> {
  return { [LABEL_WORKSPACE]: ctx.name };
}

/** Metadata of a namespaced child of the workspace: name, namespace, workspace label, owner reference. */
export function childMetadata(ctx: RenderContext, name: string, extra: Partial<ObjectMeta> = {}): ObjectMeta {
  return {
    name,
    namespace: ctx.namespace,
    ...extra,
    labels: { ...workspaceLabels(ctx), ...(extra.labels ?? {}) },
    ...(ctx.ownerReferences === undefined ? {} : { ownerReferences: ctx.ownerReferences.map((o) => ({ ...o })) }),
  };
}

/** A typed Kubernetes object as the plain {@link KubeObject} every face emits. */
export function asKubeObject<T extends { apiVersion?: string; kind?: string; metadata?: ObjectMeta }>(
  object: T,
): KubeObject {
  if (!object.apiVersion || !object.kind || !object.metadata?.name) {
    throw new Error('a rendered object needs apiVersion, kind and metadata.name');
  }
  return object as unknown as KubeObject;
}

/** The user's matchLabels without the keys Kaito reserves for itself. */
export function sanitizedMatchLabels(selector: LabelSelector | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    if (!RESERVED_SELECTOR_KEYS.includes(key)) out[key] = value;
  }
  return out;
}

/** The taint AKS puts on Spot node pools. */
export const SPOT_TAINT = {
  key: 'kubernetes.azure.com/scalesetpriority',
  value: 'spot',
  effect: 'NoSchedule',
} as const;

/**
 * Tolerations of every GPU workload: Kaito's `sku=gpu` taint, the device plugin's `nvidia.com/gpu` taint and,
 * as Kaito has on Azure, AKS's Spot taint (GPU pools are often Spot; elsewhere no node carries it).
 */
export function gpuTolerations(): Toleration[] {
  return [
    { key: GPU_TAINT.key, operator: 'Equal', value: GPU_TAINT.value, effect: GPU_TAINT.effect },
    { key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' },
    { key: SPOT_TAINT.key, operator: 'Equal', value: SPOT_TAINT.value, effect: SPOT_TAINT.effect },
  ];
}

/**
 * Node requirements of the workload: `In` on each non-reserved matchLabel, the selector's own expressions
 * (reserved keys stripped), and, when the nodes are provisioned for this workspace, the workspace and
 * namespace labels the provisioned nodes carry (so the pods land on their own nodes only).
 */
export function nodeRequirements(ctx: RenderContext): NodeSelectorRequirement[] {
  const selector = ctx.ws.resource.labelSelector;
  const out: NodeSelectorRequirement[] = Object.entries(sanitizedMatchLabels(selector)).map(([key, value]) => ({
    key,
    operator: 'In',
    values: [value],
  }));
  for (const e of selector?.matchExpressions ?? []) {
    if (RESERVED_SELECTOR_KEYS.includes(e.key)) continue;
    out.push({ key: e.key, operator: e.operator, ...(e.values === undefined ? {} : { values: [...e.values] }) });
  }
  if (ctx.provisioner === 'karpenter-nodepool') {
    // Karpenter labels a NodePool's nodes with its template labels: Kaito's own keys for these nodes.
    out.push({ key: LABEL_NODEPOOL_WORKSPACE, operator: 'In', values: [ctx.name] });
    out.push({ key: LABEL_NODEPOOL_WORKSPACE_NAMESPACE, operator: 'In', values: [ctx.namespace] });
  } else if (ctx.provisioner !== 'byo') {
    out.push({ key: LABEL_WORKSPACE, operator: 'In', values: [ctx.name] });
    out.push({ key: LABEL_WORKSPACE_NAMESPACE, operator: 'In', values: [ctx.namespace] });
  }
  return out;
}

/**
 * Required node affinity from {@link nodeRequirements}; undefined when there is nothing to require. On
 * bring-your-own nodes the selector may also match GPU nodes provisioned for another workspace (they carry
 * its `kaito.sh/workspace` label, or a NodePool's `karpenter.kaito.sh/workspace-name`): the pods take nodes
 * with neither label, or labelled for this workspace.
 */
export function nodeAffinity(ctx: RenderContext): Affinity | undefined {
  const requirements = nodeRequirements(ctx);
  if (requirements.length === 0) return undefined;
  const terms =
    ctx.provisioner === 'byo'
      ? [
          {
            matchExpressions: [
              ...requirements,
              { key: LABEL_WORKSPACE, operator: 'DoesNotExist' },
              { key: LABEL_NODEPOOL_WORKSPACE, operator: 'DoesNotExist' },
            ],
          },
          ...[
            [LABEL_WORKSPACE, LABEL_WORKSPACE_NAMESPACE],
            [LABEL_NODEPOOL_WORKSPACE, LABEL_NODEPOOL_WORKSPACE_NAMESPACE],
          ].map(([nameKey, namespaceKey]) => ({
            matchExpressions: [
              ...requirements,
              { key: nameKey!, operator: 'In', values: [ctx.name] },
              { key: namespaceKey!, operator: 'In', values: [ctx.namespace] },
            ],
          })),
        ]
      : [{ matchExpressions: requirements }];
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
}

/**
 * The restricted profile, as far as Kaito's images allow: no privilege escalation, no capabilities, the
 * runtime's default seccomp profile. `runAsNonRoot` is deliberately not set: the runtime image runs as its
 * image user (root) and writes to /workspace (weights, caches, Ray's session directory), and the helper
 * images (oras, skopeo) write into volumes owned by root; forcing a non-root UID would break them.
 */
export function restrictedSecurityContext(): SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * Size limit of `/dev/shm`. The volume is node memory (counted as the pod's memory), so unbounded it lets one
 * pod fill the node's RAM. NCCL's intra-node transport and PyTorch's data-loader workers use far less than
 * this, and the smallest GPU VM of the catalog (Standard_NC4as_T4_v3) has 28 GiB of RAM.
 */
export const SHM_SIZE_LIMIT = '16Gi';

/** The `/dev/shm` memory volume NCCL and PyTorch data loaders need, bounded by {@link SHM_SIZE_LIMIT}. */
export function shmVolume(): { volume: Volume; mount: VolumeMount } {
  return {
    volume: { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: SHM_SIZE_LIMIT } },
    mount: { name: 'dshm', mountPath: '/dev/shm' },
  };
}

/** Name of the volume holding model weights. */
export const WEIGHTS_VOLUME = 'model-weights-volume';

/**
 * The `model-weights-downloader` init container of presets whose weights are an OCI artifact
 * (`<registry>/kaito-<preset>:<tag>`), pulled with oras into the weights volume; undefined for presets the
 * runtime downloads itself.
 */
export function weightsDownloader(ctx: RenderContext, mountPath: string): Container | undefined {
  const preset = ctx.preset;
  if (preset === undefined || preset.downloadAtRuntime) return undefined;
  const spec = ctx.ws.inference?.preset ?? ctx.ws.tuning?.preset;
  const image = spec?.presetOptions?.image ?? `${ctx.registry}/kaito-${preset.name}:${MODEL_WEIGHTS_IMAGE_TAG}`;
  return {
    name: 'model-weights-downloader',
    image: ORAS_IMAGE,
    command: ['oras', 'pull', image, '-o', mountPath],
    volumeMounts: [{ name: WEIGHTS_VOLUME, mountPath }],
    securityContext: restrictedSecurityContext(),
  };
}

/** Pull secrets of a private preset's image (deprecated by Kaito in v1beta1, still honoured). */
export function presetPullSecrets(ctx: RenderContext): string[] {
  const spec = ctx.ws.inference?.preset ?? ctx.ws.tuning?.preset;
  return [...(spec?.presetOptions?.imagePullSecrets ?? [])];
}

/** Removes duplicates, keeping the first occurrence. */
export function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
