import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Workspace } from '../api/types';
import type { WorkspacePlan } from '../plan';
import { declareWorkload, type WorkloadProps } from './intent';
import { nameOf } from './internal';
import type { KaitoWorkspace } from './kaito-workspace';
import type { kplus } from './plus';
import {
  plainData,
  type ValidationProblem,
  type WorkspaceDataDestination,
  type WorkspaceDataSource,
} from './workspace-spec';

/** Props of {@link TuningJob}. */
export interface TuningJobProps extends WorkloadProps {
  /** The model to fine-tune (a tunable preset such as `phi-3-mini-128k-instruct`). */
  readonly preset: string;
  /** `lora`, or `qlora` (4-bit base weights: fits smaller GPUs). */
  readonly method: string;
  /** Training data, as a Workspace's `tuning.input`: exactly one of `urls` (http/https), `image` or `volumeSource`. */
  readonly input: WorkspaceDataSource;
  /** Where the adapter goes, as a Workspace's `tuning.output`: an `image` (with `imagePushSecret`) or a `volumeSource`. */
  readonly output: WorkspaceDataDestination;
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

/**
 * LoRA or QLoRA fine-tuning of a preset on one GPU node: input data (URLs, an image or a volume) in, an
 * adapter (an image, or files on a volume) out. Operator mode declares a Kaito Workspace; direct mode emits
 * the objects the operator would create (the training ConfigMap and the Job). Checked by the core's
 * `checkIntent`, the same as the Pulumi component.
 */
export class TuningJob extends Construct {
  /** Name of the workspace. */
  readonly name: string;
  /** Namespace of the workspace and its objects. */
  readonly namespace: string;
  /** Name of the Job that runs the tuning (created by the operator in operator mode). */
  readonly jobName: string;
  /** `operator` or `direct` (a {@link WorkloadMode}). */
  readonly mode: string;
  /**
   * The workspace this job stands for (internal model, v1beta1); TypeScript only.
   * @jsii ignore
   */
  readonly workspace: Workspace;
  /**
   * How the tuning lands on GPUs; TypeScript only.
   * @jsii ignore
   */
  readonly plan: WorkspacePlan;
  /** Warnings of the validation. */
  readonly warnings: ValidationProblem[];
  /** Operator mode: the Workspace construct. */
  readonly kaitoWorkspace?: KaitoWorkspace;
  /** The emitted objects. */
  readonly apiObjects: ApiObject[];

  constructor(scope: Construct, id: string, props: TuningJobProps) {
    super(scope, id);
    const declared = declareWorkload(this, 'TuningJob', props, {
      kind: 'tuning',
      preset: props.preset,
      method: props.method,
      input: plainData(props.input),
      output: plainData(props.output),
      ...(props.modelAccessSecret === undefined ? {} : { modelAccessSecret: nameOf(props.modelAccessSecret) }),
      ...(props.config === undefined ? {} : { config: nameOf(props.config) }),
    });
    this.name = declared.name;
    this.jobName = declared.name;
    this.namespace = declared.namespace;
    this.mode = declared.mode;
    this.workspace = declared.workspace;
    this.plan = declared.plan;
    this.warnings = [...declared.warnings];
    this.apiObjects = [...declared.apiObjects];
    if (declared.kaitoWorkspace !== undefined) this.kaitoWorkspace = declared.kaitoWorkspace;
  }
}
