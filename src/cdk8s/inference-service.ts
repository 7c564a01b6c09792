import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Problem } from '../api/problems';
import type { AdapterSpec, VolumeSource, Workspace } from '../api/types';
import type { RuntimeName } from '../catalog';
import type { WorkspacePlan } from '../plan';
import { SERVICE_PORT } from '../render/labels';
import { declareWorkload, type WorkloadProps } from './intent';
import type { kplus } from './plus';
import { nameOf, type NamedResource, type PathMap } from './internal';
import type { KaitoWorkspace } from './kaito-workspace';
import type { PresetName } from '../catalog/names';

/** A LoRA adapter served next to the base model. */
export interface InferenceAdapter {
  /** Name of the adapter (a DNS-1123 label): the model name clients ask for. */
  readonly name: string;
  /**
   * Image whose `/data` directory holds the adapter; exclusive with `volume`.
   * @default - none
   */
  readonly image?: string;
  /**
   * A volume holding the adapter; exclusive with `image`.
   * @default - none
   */
  readonly volume?: VolumeSource;
  /**
   * Pull secrets of `image`, as names or cdk8s-plus `ISecret`s.
   * @default - none
   */
  readonly imagePullSecrets?: ReadonlyArray<string | kplus.ISecret>;
  /**
   * Weight of the adapter in [0, 1]; other values than 1 need the transformers runtime.
   * @default 1
   */
  readonly strength?: number;
}

/** Props of {@link InferenceService}. */
export interface InferenceServiceProps extends WorkloadProps {
  /** The model: a preset name (`phi-3-mini-4k-instruct`), a legacy alias or a Hugging Face ID (`org/model`). */
  readonly preset: PresetName;
  /**
   * Nodes the model is served from (each a whole node's GPUs).
   * @default - estimated from the model and the instance type
   */
  readonly count?: number;
  /**
   * The inference runtime (annotation `kaito.sh/runtime`).
   * @default - the preset's default runtime (vLLM for current presets)
   */
  readonly runtime?: RuntimeName;
  /**
   * LoRA adapters (at most 10, unique names).
   * @default - none
   */
  readonly adapters?: readonly InferenceAdapter[];
  /**
   * Secret with key `HF_TOKEN`, needed by gated models: a name or a cdk8s-plus `ISecret`.
   * @default - none
   */
  readonly modelAccessSecret?: string | kplus.ISecret;
  /**
   * ConfigMap with key `inference_config.yaml` (vLLM engine arguments): a name or a cdk8s-plus `IConfigMap`.
   * @default - a generated ConfigMap with Kaito's defaults
   */
  readonly config?: string | kplus.IConfigMap;
}

/** `1` -> `"1.0"`, `0.5` -> `"0.5"`: Kaito writes strengths as decimal strings. */
function strengthText(strength: number): string {
  return Number.isInteger(strength) ? strength.toFixed(1) : String(strength);
}

function adapterSpec(adapter: InferenceAdapter): AdapterSpec {
  const secrets = (adapter.imagePullSecrets ?? []).map((s: string | NamedResource) => nameOf(s));
  return {
    source: {
      name: adapter.name,
      ...(adapter.image === undefined ? {} : { image: adapter.image }),
      ...(secrets.length === 0 ? {} : { imagePullSecrets: secrets }),
      ...(adapter.volume === undefined ? {} : { volumeSource: adapter.volume }),
    },
    ...(adapter.strength === undefined ? {} : { strength: strengthText(adapter.strength) }),
  };
}

const PATHS: PathMap = [
  [/^inference\.adapters\[(\d+)\]\.source\.volumeSource/, 'adapters[$1].volume'],
  [/^inference\.adapters\[(\d+)\]\.source\.(\w+)/, 'adapters[$1].$2'],
  [/^inference\.adapters\[(\d+)\]\.source$/, 'adapters[$1]'],
  ['inference.adapters', 'adapters'],
  ['inference.preset.presetOptions.modelAccessSecret', 'modelAccessSecret'],
  ['inference.preset.name', 'preset'],
  ['inference.preset', 'preset'],
  ['inference.config', 'config'],
  ['inference', ''],
];

/**
 * Serve a model: "preset P on instance type T (or on this GpuNodePool)". Operator mode declares a Kaito
 * Workspace; direct mode emits the objects the operator would create (ConfigMaps, the Services, the
 * StatefulSet). Validated and planned when constructed: errors name the prop (`adapters[0].strength: ...`).
 */
export class InferenceService extends Construct {
  /** Name of the Service answering requests (the workspace's name). */
  readonly serviceName: string;
  /** Port of the Service. */
  readonly port: number = SERVICE_PORT;
  /** In-cluster URL: `http://<name>.<namespace>.svc.cluster.local:80`. */
  readonly url: string;
  /** Namespace of the workspace and its objects. */
  readonly namespace: string;
  /** The workspace this service stands for (internal model, v1beta1). */
  readonly workspace: Workspace;
  /** How the model lands on GPUs. */
  readonly plan: WorkspacePlan;
  /** Warnings of the validation. */
  readonly warnings: readonly Problem[];
  /** Operator mode: the Workspace construct. */
  readonly kaitoWorkspace?: KaitoWorkspace;
  /** The emitted objects. */
  readonly apiObjects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: InferenceServiceProps) {
    super(scope, id);
    const presetOptions =
      props.modelAccessSecret === undefined
        ? {}
        : { presetOptions: { modelAccessSecret: nameOf(props.modelAccessSecret) } };
    const declared = declareWorkload(
      this,
      'InferenceService',
      id,
      props,
      {
        inference: {
          preset: { name: props.preset, ...presetOptions },
          ...(props.config === undefined ? {} : { config: nameOf(props.config) }),
          ...(props.adapters === undefined ? {} : { adapters: props.adapters.map(adapterSpec) }),
        },
      },
      PATHS,
    );
    this.serviceName = declared.name;
    this.namespace = declared.namespace;
    this.url = `http://${declared.name}.${declared.namespace}.svc.cluster.local:${SERVICE_PORT}`;
    this.workspace = declared.workspace;
    this.plan = declared.plan;
    this.warnings = declared.warnings;
    this.apiObjects = declared.apiObjects;
    if (declared.kaitoWorkspace !== undefined) this.kaitoWorkspace = declared.kaitoWorkspace;
  }
}
