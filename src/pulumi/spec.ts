/*
 * The Workspace fields the Pulumi args take, in shapes Pulumi's component schema can describe (and so every
 * Pulumi language): the core's spec types with plain arrays, the closed sets of ./enums and `string` for the
 * open ones (preset names, instance types). Kubernetes objects inside (a volume source, a pod template) keep
 * their Kubernetes types; the schema describes their fields as any value. The core validates the values as
 * it does for every face.
 */
import type { PodTemplateSpec as KubePodTemplateSpec, Volume } from 'kubernetes-types/core/v1';
import type { LabelSelector } from '../api';
import type { PartitionMode, PresetAccessMode, TuningMethod } from './enums';

/** A Kubernetes volume source: a Volume without its name (the workload names the volume). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a named interface is what the schema takes
export interface VolumeSource extends Omit<Volume, 'name'> {}

/** GPU partitioning; v1beta1 only, bring-your-own nodes only. */
export interface PartitionSpec {
  /** `mig`: one MIG slice named by `profile`; `accelerator`: `count` whole GPUs of the node. */
  readonly mode: PartitionMode;
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
   * Number of nodes; an explicit value must fit the model.
   * @default - estimated from the model and the instance type
   */
  readonly count?: number;
  /**
   * GPU instance type to provision (`Standard_NC6s_v3`), checked against the GPU catalog. Absent in v1beta1
   * means bring-your-own nodes, picked by `labelSelector`.
   * @default - v1alpha1: `Standard_NC24ads_A100_v4` (Kaito's CRD default); v1beta1: bring your own nodes
   */
  readonly instanceType?: string;
  /** Labels of the GPU nodes; copied onto provisioned nodes and required by the workload's node affinity. */
  readonly labelSelector: LabelSelector;
  /**
   * Existing nodes to use first. Deprecated in v1beta1.
   * @default - none
   */
  readonly preferredNodes?: string[];
  /**
   * Node partitioning; v1beta1 only.
   * @default - whole nodes
   */
  readonly partition?: PartitionSpec;
}

/** Options of a preset. */
export interface PresetOptions {
  /** Image of a private preset (deprecated in v1beta1). @default - none */
  readonly image?: string;
  /** Pull secrets of a private preset's image (deprecated in v1beta1). @default - none */
  readonly imagePullSecrets?: string[];
  /** Name of a Secret in the workspace namespace with key `HF_TOKEN`, for gated models. @default - none */
  readonly modelAccessSecret?: string;
}

/** The model to serve or tune. */
export interface PresetSpec {
  /** A registered preset name, a legacy alias, or a Hugging Face ID `org/model`. */
  readonly name: string;
  /**
   * Deprecated in v1beta1.
   * @default 'public'
   */
  readonly accessMode?: PresetAccessMode;
  /** @default - none */
  readonly presetOptions?: PresetOptions;
}

/** Where input data or an adapter comes from: exactly one of `urls`, `image`, `volumeSource`. */
export interface DataSource {
  /** Name (DNS-1123); for adapters also the container and directory name. @default - none */
  readonly name?: string;
  /** HTTP(S) URLs to download (tuning input only). @default - none */
  readonly urls?: string[];
  /** Image whose `/data` directory holds the data. @default - none */
  readonly image?: string;
  /** Pull secrets for `image`. @default - none */
  readonly imagePullSecrets?: string[];
  /** A Kubernetes volume holding the data. @default - none */
  readonly volumeSource?: VolumeSource;
}

/** Where tuning results go: exactly one of `image` (with `imagePushSecret`) or `volumeSource`. */
export interface DataDestination {
  /** Image reference the results are pushed to as an OCI artifact. @default - none */
  readonly image?: string;
  /** Secret (type dockerconfigjson) that may push to `image`. @default - none */
  readonly imagePushSecret?: string;
  /** A Kubernetes volume the results are written to. @default - none */
  readonly volumeSource?: VolumeSource;
}

/** A LoRA adapter loaded next to the base model. */
export interface AdapterSpec {
  /** Where the adapter comes from. @default - none */
  readonly source?: DataSource;
  /**
   * Adapter weight in [0, 1], as a string (transformers runtime only; vLLM accepts only `1.0`).
   * @default '1.0'
   */
  readonly strength?: string;
}

/**
 * A pod template run as is (Kubernetes' `PodTemplateSpec`). The component schema describes its metadata and
 * spec as any object: the Kubernetes API server checks them.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a named interface is what the schema takes
export interface PodTemplateSpec extends Omit<KubePodTemplateSpec, never> {}

/** Serve a model. */
export interface InferenceSpec {
  /** The preset; exclusive with `template`. @default - none */
  readonly preset?: PresetSpec;
  /** A pod template run as is; exclusive with `preset`. @default - none */
  readonly template?: PodTemplateSpec;
  /** ConfigMap (same namespace) with key `inference_config.yaml`. @default - generated */
  readonly config?: string;
  /** At most 10 adapters with unique names. @default - none */
  readonly adapters?: AdapterSpec[];
}

/** Fine-tune a model. */
export interface TuningSpec {
  /** The base model. @default - none */
  readonly preset?: PresetSpec;
  /** `lora` or `qlora`. @default - none */
  readonly method?: TuningMethod;
  /** ConfigMap (same namespace) with key `training_config.yaml`. @default - generated */
  readonly config?: string;
  /** Training data. @default - none */
  readonly input?: DataSource;
  /** Where the adapter goes. @default - none */
  readonly output?: DataDestination;
}
