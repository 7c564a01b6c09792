import { kplus } from './plus';

/*
 * The fields of a Kaito Workspace as the cdk8s constructs take them: the YAML's shape, in types every jsii
 * language can take (Kubernetes types are cdk8s-plus-28's `k8s` ones, as in cdk8s-plus itself). Values are
 * checked by the core, which gets them as plain JSON (see `toPlain`): strings listed as "one of" are checked
 * there, with errors that name the field.
 */

/** GPU partitioning; v1beta1 only, bring-your-own nodes only. */
export interface WorkspacePartition {
  /** `mig` (one MIG slice named by `profile`) or `accelerator` (`count` whole GPUs). */
  readonly mode: string;
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

/** Which GPU nodes serve the workspace (a Workspace's `resource`). */
export interface WorkspaceResource {
  /**
   * Number of nodes. Deprecated by Kaito in v1beta1, where an estimator sizes the node count; here an
   * explicit value is honoured and must fit the model.
   * @default - estimated from the model and the instance type
   */
  readonly count?: number;
  /**
   * GPU instance type to provision (`Standard_NC6s_v3`), from the SKU catalog.
   * @default - bring your own nodes, picked by `labelSelector`
   */
  readonly instanceType?: string;
  /** Labels of the GPU nodes; copied onto provisioned nodes and required by the workload's node affinity. */
  readonly labelSelector: kplus.k8s.LabelSelector;
  /**
   * Existing nodes to use first. Deprecated in v1beta1.
   * @default - none
   */
  readonly preferredNodes?: string[];
  /**
   * Node partitioning; v1beta1 only.
   * @default - whole nodes
   */
  readonly partition?: WorkspacePartition;
}

/** Options of a preset. */
export interface WorkspacePresetOptions {
  /**
   * Image of a private preset (deprecated in v1beta1).
   * @default - none
   */
  readonly image?: string;
  /**
   * Pull secrets of a private preset's image (deprecated in v1beta1).
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * Name of a Secret in the workspace namespace with key `HF_TOKEN`, for gated models.
   * @default - none
   */
  readonly modelAccessSecret?: string;
}

/** The model to serve or tune. */
export interface WorkspacePreset {
  /** A registered preset name (`phi-3-mini-4k-instruct`), a legacy alias, or a Hugging Face ID `org/model`. */
  readonly name: string;
  /**
   * `public` or `private`; deprecated in v1beta1.
   * @default 'public'
   */
  readonly accessMode?: string;
  /**
   * Options of the preset.
   * @default - none
   */
  readonly presetOptions?: WorkspacePresetOptions;
}

/**
 * A Kubernetes volume source: the fields of a cdk8s-plus-28 `k8s.Volume` without its name; set exactly one.
 * @see https://kubernetes.io/docs/concepts/storage/volumes/
 */
export interface WorkspaceVolumeSource {
  /** @default - not this kind */
  readonly awsElasticBlockStore?: kplus.k8s.AwsElasticBlockStoreVolumeSource;
  /** @default - not this kind */
  readonly azureDisk?: kplus.k8s.AzureDiskVolumeSource;
  /** @default - not this kind */
  readonly azureFile?: kplus.k8s.AzureFileVolumeSource;
  /** @default - not this kind */
  readonly cephfs?: kplus.k8s.CephFsVolumeSource;
  /** @default - not this kind */
  readonly cinder?: kplus.k8s.CinderVolumeSource;
  /** @default - not this kind */
  readonly configMap?: kplus.k8s.ConfigMapVolumeSource;
  /** @default - not this kind */
  readonly csi?: kplus.k8s.CsiVolumeSource;
  /** @default - not this kind */
  readonly downwardApi?: kplus.k8s.DownwardApiVolumeSource;
  /** @default - not this kind */
  readonly emptyDir?: kplus.k8s.EmptyDirVolumeSource;
  /** @default - not this kind */
  readonly ephemeral?: kplus.k8s.EphemeralVolumeSource;
  /** @default - not this kind */
  readonly fc?: kplus.k8s.FcVolumeSource;
  /** @default - not this kind */
  readonly flexVolume?: kplus.k8s.FlexVolumeSource;
  /** @default - not this kind */
  readonly flocker?: kplus.k8s.FlockerVolumeSource;
  /** @default - not this kind */
  readonly gcePersistentDisk?: kplus.k8s.GcePersistentDiskVolumeSource;
  /** @default - not this kind */
  readonly gitRepo?: kplus.k8s.GitRepoVolumeSource;
  /** @default - not this kind */
  readonly glusterfs?: kplus.k8s.GlusterfsVolumeSource;
  /** @default - not this kind */
  readonly hostPath?: kplus.k8s.HostPathVolumeSource;
  /** @default - not this kind */
  readonly iscsi?: kplus.k8s.IscsiVolumeSource;
  /** @default - not this kind */
  readonly nfs?: kplus.k8s.NfsVolumeSource;
  /** @default - not this kind */
  readonly persistentVolumeClaim?: kplus.k8s.PersistentVolumeClaimVolumeSource;
  /** @default - not this kind */
  readonly photonPersistentDisk?: kplus.k8s.PhotonPersistentDiskVolumeSource;
  /** @default - not this kind */
  readonly portworxVolume?: kplus.k8s.PortworxVolumeSource;
  /** @default - not this kind */
  readonly projected?: kplus.k8s.ProjectedVolumeSource;
  /** @default - not this kind */
  readonly quobyte?: kplus.k8s.QuobyteVolumeSource;
  /** @default - not this kind */
  readonly rbd?: kplus.k8s.RbdVolumeSource;
  /** @default - not this kind */
  readonly scaleIo?: kplus.k8s.ScaleIoVolumeSource;
  /** @default - not this kind */
  readonly secret?: kplus.k8s.SecretVolumeSource;
  /** @default - not this kind */
  readonly storageos?: kplus.k8s.StorageOsVolumeSource;
  /** @default - not this kind */
  readonly vsphereVolume?: kplus.k8s.VsphereVirtualDiskVolumeSource;
}

/** Where input data or an adapter comes from: exactly one of `urls`, `image`, `volumeSource`. */
export interface WorkspaceDataSource {
  /**
   * Name (DNS-1123); for adapters also the container and directory name.
   * @default - none
   */
  readonly name?: string;
  /**
   * HTTP(S) URLs to download (tuning input only).
   * @default - none
   */
  readonly urls?: string[];
  /**
   * Image whose `/data` directory holds the data.
   * @default - none
   */
  readonly image?: string;
  /**
   * Pull secrets for `image`.
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * A Kubernetes volume holding the data.
   * @default - none
   */
  readonly volumeSource?: WorkspaceVolumeSource;
}

/** Where tuning results go: exactly one of `image` (with `imagePushSecret`) or `volumeSource`. */
export interface WorkspaceDataDestination {
  /**
   * Image reference the results are pushed to as an OCI artifact.
   * @default - none
   */
  readonly image?: string;
  /**
   * Secret (type dockerconfigjson) that may push to `image`.
   * @default - none
   */
  readonly imagePushSecret?: string;
  /**
   * A Kubernetes volume the results are written to.
   * @default - none
   */
  readonly volumeSource?: WorkspaceVolumeSource;
}

/** A LoRA adapter loaded next to the base model. */
export interface WorkspaceAdapter {
  /**
   * Where the adapter comes from: `name` and one of `image` or `volumeSource`.
   * @default - none (an error)
   */
  readonly source?: WorkspaceDataSource;
  /**
   * Adapter weight in [0, 1], as a decimal string (transformers runtime only; vLLM accepts only `1.0`).
   * @default '1.0'
   */
  readonly strength?: string;
}

/** Serve a model (a Workspace's `inference`). */
export interface WorkspaceInference {
  /**
   * The preset; exclusive with `template`.
   * @default - none
   */
  readonly preset?: WorkspacePreset;
  /**
   * A pod template run as is; exclusive with `preset`.
   * @default - none
   */
  readonly template?: kplus.k8s.PodTemplateSpec;
  /**
   * ConfigMap (same namespace) with key `inference_config.yaml`.
   * @default - a generated ConfigMap with Kaito's defaults
   */
  readonly config?: string;
  /**
   * At most 10 adapters with unique names.
   * @default - none
   */
  readonly adapters?: WorkspaceAdapter[];
}

/** Fine-tune a model (a Workspace's `tuning`). */
export interface WorkspaceTuning {
  /**
   * The model to tune.
   * @default - none (an error)
   */
  readonly preset?: WorkspacePreset;
  /**
   * `lora` or `qlora`.
   * @default - none (an error)
   */
  readonly method?: string;
  /**
   * ConfigMap (same namespace) with key `training_config.yaml`.
   * @default - a generated ConfigMap with Kaito's defaults for the method
   */
  readonly config?: string;
  /**
   * Training data.
   * @default - none (an error)
   */
  readonly input?: WorkspaceDataSource;
  /**
   * Where the adapter goes.
   * @default - none (an error)
   */
  readonly output?: WorkspaceDataDestination;
}

/**
 * A volume source as Kubernetes' JSON, through cdk8s-plus's own conversion: quantities as their values,
 * the keys cdk8s-plus spells differently (`downwardApi`, `scaleIo`) as Kubernetes does.
 */
export function plainVolumeSource(source: WorkspaceVolumeSource): Record<string, unknown> {
  const { name: _name, ...json } = kplus.k8s.toJson_Volume({ name: 'volume', ...source }) as Record<string, unknown>;
  return json;
}

/** A data source or destination as Kubernetes' JSON (its `volumeSource` converted). */
export function plainData<T extends WorkspaceDataSource | WorkspaceDataDestination>(data: T): Record<string, unknown> {
  return data.volumeSource === undefined
    ? { ...data }
    : { ...data, volumeSource: plainVolumeSource(data.volumeSource) };
}

/** A pod template as Kubernetes' JSON. */
export function plainTemplate(template: kplus.k8s.PodTemplateSpec): Record<string, unknown> {
  return kplus.k8s.toJson_PodTemplateSpec(template) as Record<string, unknown>;
}

/** Adapters as the core reads them. */
export function plainAdapters(adapters: readonly WorkspaceAdapter[]): Record<string, unknown>[] {
  return adapters.map((a) => (a.source === undefined ? { ...a } : { ...a, source: plainData(a.source) }));
}

/** A Workspace's `inference` as the core reads it. */
export function plainInference(inference: WorkspaceInference): Record<string, unknown> {
  return {
    ...inference,
    ...(inference.template === undefined ? {} : { template: plainTemplate(inference.template) }),
    ...(inference.adapters === undefined ? {} : { adapters: plainAdapters(inference.adapters) }),
  };
}

/** A Workspace's `tuning` as the core reads it. */
export function plainTuning(tuning: WorkspaceTuning): Record<string, unknown> {
  return {
    ...tuning,
    ...(tuning.input === undefined ? {} : { input: plainData(tuning.input) }),
    ...(tuning.output === undefined ? {} : { output: plainData(tuning.output) }),
  };
}

/** A problem the core found with a workspace or a construct's props: an error, or a warning that lets it pass. */
export interface ValidationProblem {
  /** Dotted field path from the object root (the construct's prop path); empty for the object as a whole. */
  readonly path: string;
  /** What is wrong, and what would fix it. */
  readonly message: string;
  /** `error` or `warning`; warnings do not make the input invalid. */
  readonly severity: string;
  /**
   * 1-based line in the input text, for problems found while reading the text itself (YAML syntax).
   * @default - none
   */
  readonly line?: number;
  /**
   * 1-based column of `line`.
   * @default - none
   */
  readonly column?: number;
}
