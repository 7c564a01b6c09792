import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Problem } from '../api/problems';
import type { DataDestination, DataSource, TuningMethod, VolumeSource, Workspace } from '../api/types';
import type { WorkspacePlan } from '../plan';
import { declareWorkload, type WorkloadProps } from './intent';
import type { kplus } from './plus';
import { nameOf, type NamedResource, type PathMap } from './internal';
import type { KaitoWorkspace } from './kaito-workspace';
import type { PresetName } from '../catalog/names';

/** Training data: exactly one of `urls`, `image` or `volume`. */
export interface TuningInput {
  /**
   * Name of the data set (a DNS-1123 label).
   * @default - none
   */
  readonly name?: string;
  /**
   * HTTP(S) URLs of the data files (public hosts only).
   * @default - none
   */
  readonly urls?: readonly string[];
  /**
   * Image whose `/data` directory holds the data.
   * @default - none
   */
  readonly image?: string;
  /**
   * Pull secrets of `image`, as names or cdk8s-plus `ISecret`s.
   * @default - none
   */
  readonly imagePullSecrets?: ReadonlyArray<string | kplus.ISecret>;
  /**
   * A volume holding the data.
   * @default - none
   */
  readonly volume?: VolumeSource;
}

/** Where the adapter goes: exactly one of `image` (with `pushSecret`) or `volume`. */
export interface TuningOutput {
  /**
   * Image the adapter is pushed to (its `/data` holds the adapter, ready for `InferenceService` adapters).
   * @default - none
   */
  readonly image?: string;
  /**
   * Secret (type `kubernetes.io/dockerconfigjson`) that may push `image`: a name or a cdk8s-plus `ISecret`.
   * @default - none
   */
  readonly pushSecret?: string | kplus.ISecret;
  /**
   * A volume the adapter is written to.
   * @default - none
   */
  readonly volume?: VolumeSource;
}

/** Props of {@link TuningJob}. */
export interface TuningJobProps extends WorkloadProps {
  /** The model to fine-tune (a tunable preset such as `phi-3-mini-128k-instruct`). */
  readonly preset: PresetName;
  /** `lora`, or `qlora` (4-bit base weights: fits smaller GPUs). */
  readonly method: TuningMethod;
  /** The training data. */
  readonly input: TuningInput;
  /** Where the trained adapter goes. */
  readonly output: TuningOutput;
  /**
   * ConfigMap with key `training_config.yaml`: a name or a cdk8s-plus `IConfigMap`.
   * @default - a generated ConfigMap with Kaito's defaults for the method
   */
  readonly config?: string | kplus.IConfigMap;
  /**
   * Secret with key `HF_TOKEN`, for gated models: a name or a cdk8s-plus `ISecret`.
   * @default - none
   */
  readonly modelAccessSecret?: string | kplus.ISecret;
}

function inputSpec(input: TuningInput): DataSource {
  const secrets = (input.imagePullSecrets ?? []).map((s: string | NamedResource) => nameOf(s));
  return {
    ...(input.name === undefined ? {} : { name: input.name }),
    ...(input.urls === undefined ? {} : { urls: [...input.urls] }),
    ...(input.image === undefined ? {} : { image: input.image }),
    ...(secrets.length === 0 ? {} : { imagePullSecrets: secrets }),
    ...(input.volume === undefined ? {} : { volumeSource: input.volume }),
  };
}

function outputSpec(output: TuningOutput): DataDestination {
  return {
    ...(output.image === undefined ? {} : { image: output.image }),
    ...(output.pushSecret === undefined ? {} : { imagePushSecret: nameOf(output.pushSecret) }),
    ...(output.volume === undefined ? {} : { volumeSource: output.volume }),
  };
}

const PATHS: PathMap = [
  ['tuning.preset.presetOptions.modelAccessSecret', 'modelAccessSecret'],
  ['tuning.preset.name', 'preset'],
  ['tuning.preset', 'preset'],
  ['tuning.method', 'method'],
  ['tuning.config', 'config'],
  ['tuning.input.volumeSource', 'input.volume'],
  ['tuning.input', 'input'],
  ['tuning.output.imagePushSecret', 'output.pushSecret'],
  ['tuning.output.volumeSource', 'output.volume'],
  ['tuning.output', 'output'],
  ['tuning', ''],
];

/**
 * LoRA or QLoRA fine-tuning of a preset on one GPU node: input data (URLs, an image or a volume) in, an
 * adapter (an image, or files on a volume) out. Operator mode declares a Kaito Workspace; direct mode emits
 * the objects the operator would create (the training ConfigMap and the Job).
 */
export class TuningJob extends Construct {
  /** Name of the workspace and of the Job. */
  readonly name: string;
  /** Namespace of the workspace and its objects. */
  readonly namespace: string;
  /** The workspace this job stands for (internal model, v1beta1). */
  readonly workspace: Workspace;
  /** How the tuning lands on GPUs. */
  readonly plan: WorkspacePlan;
  /** Warnings of the validation. */
  readonly warnings: readonly Problem[];
  /** Operator mode: the Workspace construct. */
  readonly kaitoWorkspace?: KaitoWorkspace;
  /** The emitted objects. */
  readonly apiObjects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: TuningJobProps) {
    super(scope, id);
    const presetOptions =
      props.modelAccessSecret === undefined
        ? {}
        : { presetOptions: { modelAccessSecret: nameOf(props.modelAccessSecret) } };
    const declared = declareWorkload(
      this,
      'TuningJob',
      id,
      props,
      {
        tuning: {
          preset: { name: props.preset, ...presetOptions },
          method: props.method,
          ...(props.config === undefined ? {} : { config: nameOf(props.config) }),
          input: inputSpec(props.input ?? {}),
          output: outputSpec(props.output ?? {}),
        },
      },
      PATHS,
    );
    this.name = declared.name;
    this.namespace = declared.namespace;
    this.workspace = declared.workspace;
    this.plan = declared.plan;
    this.warnings = declared.warnings;
    this.apiObjects = declared.apiObjects;
    if (declared.kaitoWorkspace !== undefined) this.kaitoWorkspace = declared.kaitoWorkspace;
  }
}
