import type { LabelSelector, ObjectMeta } from 'kubernetes-types/meta/v1';
import type { Condition } from 'kubernetes-types/meta/v1';
import type { PodTemplateSpec, Volume } from 'kubernetes-types/core/v1';
import type { InstanceType, PresetName } from '../catalog/names';

/** A Kubernetes volume source: a Volume without its name. */
export type VolumeSource = Omit<Volume, 'name'>;

export type { LabelSelector, ObjectMeta, Condition, PodTemplateSpec };

/** API group of the Workspace custom resource. */
export const KAITO_GROUP = 'kaito.sh';
/** The versions of the Workspace API, oldest first. */
export const WORKSPACE_VERSIONS = ['v1alpha1', 'v1beta1'] as const;
export type WorkspaceVersion = (typeof WORKSPACE_VERSIONS)[number];
/** The version every face emits and the cluster stores. */
export const STORAGE_VERSION: WorkspaceVersion = 'v1beta1';

/** Shape of a MIG profile: compute slices and memory, `1g.10gb`, `3g.47gb`, `7g.141gb`. */
export const MIG_PROFILE_PATTERN = '^[1-9][0-9]*g\\.[0-9]+(\\.[0-9]+)?gb$';

/** Memory of a MIG slice (`2g.24gb` -> 24), whole GiB as Kaito counts it; undefined for a malformed profile. */
export function migSliceGiB(profile: string): number | undefined {
  if (!new RegExp(MIG_PROFILE_PATTERN).test(profile)) return undefined;
  return Math.floor(Number(profile.slice(profile.indexOf('.') + 1, -2)));
}

/**
 * GPU partitioning; v1beta1 only, bring-your-own nodes only. `mig`: one MIG slice named by `profile`
 * (`count` not allowed); `accelerator`: `count` whole GPUs of the node (`profile` not allowed).
 */
export interface PartitionSpec {
  readonly mode: 'mig' | 'accelerator';
  /**
   * MIG profile such as `1g.10gb` or `2g.24gb`; required for `mig`, not allowed for `accelerator`.
   * @default - none
   */
  readonly profile?: string;
  /**
   * Whole GPUs the workload gets; required for `accelerator`, not allowed for `mig`.
   * @default - none
   */
  readonly count?: number;
}

/** Which GPU nodes serve the workspace. */
export interface ResourceSpec {
  /**
   * Number of nodes. Deprecated by Kaito in v1beta1, where an estimator sizes the node count.
   * Here an explicit value is honoured and must fit the model.
   * @default - estimated from the model and the instance type
   */
  readonly count?: number;
  /**
   * GPU instance type to provision (`Standard_NC6s_v3`). Absent in v1beta1 means bring-your-own nodes,
   * picked by `labelSelector`.
   * @default - v1alpha1: `Standard_NC24ads_A100_v4` (Kaito's CRD default); v1beta1: bring your own nodes
   */
  readonly instanceType?: InstanceType;
  /** Labels of the GPU nodes; copied onto provisioned nodes and required by the workload's node affinity. */
  readonly labelSelector: LabelSelector;
  /**
   * Existing nodes to use first. Deprecated in v1beta1.
   * @default - none
   */
  readonly preferredNodes?: readonly string[];
  /** Node partitioning; v1beta1 only. */
  readonly partition?: PartitionSpec;
}

/** Options of a preset. */
export interface PresetOptions {
  /** Image of a private preset (deprecated in v1beta1). */
  readonly image?: string;
  /** Pull secrets of a private preset's image (deprecated in v1beta1). */
  readonly imagePullSecrets?: readonly string[];
  /** Name of a Secret in the workspace namespace with key `HF_TOKEN`, for gated models. */
  readonly modelAccessSecret?: string;
}

/** The model to serve or tune. */
export interface PresetSpec {
  /** A registered preset name, a legacy alias, or a Hugging Face ID `org/model`. */
  readonly name: PresetName;
  /**
   * Deprecated in v1beta1.
   * @default 'public'
   */
  readonly accessMode?: 'public' | 'private';
  readonly presetOptions?: PresetOptions;
}

/** Where input data or an adapter comes from: exactly one of `urls`, `image`, `volumeSource`. */
export interface DataSource {
  /** Name (DNS-1123); for adapters also the container and directory name. */
  readonly name?: string;
  /** HTTP(S) URLs to download (tuning input only). */
  readonly urls?: readonly string[];
  /** Image whose `/data` directory holds the data. */
  readonly image?: string;
  /** Pull secrets for `image`. */
  readonly imagePullSecrets?: readonly string[];
  /** A Kubernetes volume holding the data. */
  readonly volumeSource?: VolumeSource;
}

/** Where tuning results go: exactly one of `image` (with `imagePushSecret`) or `volumeSource`. */
export interface DataDestination {
  /** Image reference the results are pushed to as an OCI artifact. */
  readonly image?: string;
  /** Secret (type dockerconfigjson) that may push to `image`. */
  readonly imagePushSecret?: string;
  /** A Kubernetes volume the results are written to. */
  readonly volumeSource?: VolumeSource;
}

/** A LoRA adapter loaded next to the base model. */
export interface AdapterSpec {
  readonly source?: DataSource;
  /**
   * Adapter weight in [0, 1], as a string (transformers runtime only; vLLM accepts only `1.0`).
   * @default '1.0'
   */
  readonly strength?: string;
}

/** Serve a model. */
export interface InferenceSpec {
  /** The preset; exclusive with `template`. */
  readonly preset?: PresetSpec;
  /** A pod template run as is; exclusive with `preset`. */
  readonly template?: PodTemplateSpec;
  /** ConfigMap (same namespace) with key `inference_config.yaml`. */
  readonly config?: string;
  /** At most 10 adapters with unique names. */
  readonly adapters?: readonly AdapterSpec[];
}

/** Fine-tune a model. */
export interface TuningSpec {
  readonly preset?: PresetSpec;
  /** `lora` or `qlora`. */
  readonly method?: TuningMethod;
  /** ConfigMap (same namespace) with key `training_config.yaml`. */
  readonly config?: string;
  readonly input?: DataSource;
  readonly output?: DataDestination;
}

export type TuningMethod = 'lora' | 'qlora';

/** Benchmark figure reported by the operator. */
export interface PerformanceMetric {
  readonly description?: string;
  readonly value?: string;
  readonly unit?: string;
  /** The benchmark's settings and the runtime it measured (`durationSec`, `engine`, ...). */
  readonly config?: Readonly<Record<string, string>>;
}

/** What the operator reports. */
export interface WorkspaceStatus {
  readonly workerNodes?: readonly string[];
  readonly conditions?: readonly Condition[];
  /** `Pending`, `Ready`, `NotReady` (inference) or `Running`, `Succeeded`, `Failed` (tuning). */
  readonly state?: string;
  readonly targetNodeCount?: number;
  readonly performance?: { readonly metrics?: Readonly<Record<string, PerformanceMetric>> };
}

/** Workspace metadata: a name is required. */
export type WorkspaceMetadata = ObjectMeta & { readonly name: string };

/**
 * A Workspace in the internal model: the v1beta1 shape, whatever version it was written in.
 * Fields sit at the top level of the object, as Kaito has them (not under `spec`).
 */
export interface Workspace {
  readonly apiVersion: `${typeof KAITO_GROUP}/${WorkspaceVersion}`;
  readonly kind: 'Workspace';
  readonly metadata: WorkspaceMetadata;
  readonly resource: ResourceSpec;
  readonly inference?: InferenceSpec;
  readonly tuning?: TuningSpec;
  readonly status?: WorkspaceStatus;
}

/** Well-known annotations and labels. */
export const ANNOTATION_RUNTIME = 'kaito.sh/runtime';
export const ANNOTATION_ENABLE_LB = 'kaito.sh/enablelb';
export const ANNOTATION_BYPASS_RESOURCE_CHECKS = 'kaito.sh/bypass-resource-checks';
export const ANNOTATION_NODE_IMAGE_FAMILY = 'kaito.sh/node-image-family';
/** vLLM's performance preset (`--performance-mode`): `balanced` (the default), `interactivity` or `throughput`. */
export const ANNOTATION_PERFORMANCE_MODE = 'kaito.sh/performance-mode';
export const PERFORMANCE_MODES = ['balanced', 'interactivity', 'throughput'] as const;
/** `"true"` turns off the benchmark the startup probe runs once the model is loaded. */
export const ANNOTATION_DISABLE_BENCHMARK = 'kaito.sh/disable-benchmark';
export const LABEL_WORKSPACE = 'kaito.sh/workspace';
export const LABEL_WORKSPACE_NAMESPACE = 'kaito.sh/workspacenamespace';
/** The workspace a Karpenter NodePool, and the NodeClaims and nodes Karpenter makes from it, are for. */
export const LABEL_NODEPOOL_WORKSPACE = 'karpenter.kaito.sh/workspace-name';
/** The namespace of that workspace. */
export const LABEL_NODEPOOL_WORKSPACE_NAMESPACE = 'karpenter.kaito.sh/workspace-namespace';
/** Marks the NodePools Kaito manages (value `kaito`). */
export const LABEL_NODEPOOL_MANAGED_BY = 'karpenter.kaito.sh/managed-by';

/** Selector keys Kaito reserves for itself and strips from user selectors. */
export const RESERVED_SELECTOR_KEYS: readonly string[] = [
  'kaito.sh/workspace',
  'kaito.sh/ragengine',
  'kaito.sh/workspacenamespace',
  'kaito.sh/ragenginenamespace',
  'karpenter.kaito.sh/workspace-name',
  'karpenter.kaito.sh/workspace-namespace',
  'karpenter.kaito.sh/inferenceset',
  'karpenter.kaito.sh/inferenceset-namespace',
];

/** Instance type v1alpha1 defaults to (Kaito's CRD default since v0.4.2). */
export const V1ALPHA1_DEFAULT_INSTANCE_TYPE = 'Standard_NC24ads_A100_v4';
