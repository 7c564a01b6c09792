import * as pulumi from '@pulumi/pulumi';
import type { DataDestination, DataSource, Problem, TuningMethod, Workspace } from '../api';
import type { WorkspacePlan } from '../plan';
import { TYPE_PREFIX, logWarnings } from './errors';
import type { KaitoWorkspace } from './kaito-workspace';
import { deployWorkload, intentWorkspace, type WorkloadMode, type PlacementArgs } from './workload';
import type { PresetName } from '../catalog/names';

/**
 * Args of a {@link TuningJob}: which model to fine-tune, on what data, where the adapter goes. Plain values:
 * the job is validated and planned when it is constructed, before anything is registered.
 */
export interface TuningJobArgs extends PlacementArgs {
  /** The base model: a preset name (`phi-3-mini-128k-instruct`) or alias. */
  readonly preset: PresetName;
  /** `lora`, or `qlora` (4-bit base weights: fits smaller GPUs). */
  readonly method: TuningMethod;
  /** Training data: exactly one of `urls` (http/https), `image` or `volumeSource`. */
  readonly input: DataSource;
  /** Where the adapter goes: an `image` (with `imagePushSecret`) or a `volumeSource`. */
  readonly output: DataDestination;
  /**
   * ConfigMap (same namespace) with key `training_config.yaml` to use instead of the generated one.
   * @default - generated for the method
   */
  readonly config?: string;
  /**
   * Secret (same namespace) with key `HF_TOKEN`, for models gated on Hugging Face.
   * @default - none
   */
  readonly modelAccessSecret?: string;
}

/**
 * Fine-tunes a model with LoRA or QLoRA and pushes the adapter to an image or a volume. In operator mode
 * (the default) it declares a {@link KaitoWorkspace}; in direct mode the training ConfigMap and the Job
 * themselves. With `waitForReady`, `pulumi up` waits until the run has finished.
 */
export class TuningJob extends pulumi.ComponentResource {
  /** Name of the workspace (and of its Job). */
  readonly name: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  /** Name of the Job that runs the tuning (created by the operator in operator mode). */
  readonly jobName: pulumi.Output<string>;
  readonly mode: WorkloadMode;
  /** The validated workspace in the internal (v1beta1) model. */
  readonly workspace: Workspace;
  /** How the tuning run lands on GPUs. */
  readonly plan: WorkspacePlan;
  /** Warnings of the check (also logged), with the args' field paths. */
  readonly warnings: readonly Problem[];
  /** Operator mode: the Workspace resource. */
  readonly kaitoWorkspace?: KaitoWorkspace;
  /** Direct mode: the declared objects, in apply order. */
  readonly resources: pulumi.CustomResource[];

  constructor(name: string, args: TuningJobArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const intent = intentWorkspace('TuningJob', name, args, {
      kind: 'tuning',
      preset: args.preset,
      method: args.method,
      input: args.input,
      output: args.output,
      ...(args.modelAccessSecret === undefined ? {} : { modelAccessSecret: args.modelAccessSecret }),
      ...(args.config === undefined ? {} : { config: args.config }),
    });
    super(`${TYPE_PREFIX}TuningJob`, name, {}, opts);
    logWarnings(this, intent.prepared.warnings);
    this.mode = intent.mode;
    this.workspace = intent.prepared.workspace;
    this.plan = intent.prepared.plan;
    this.warnings = intent.prepared.warnings;
    const deployed = deployWorkload(this, name, args, intent, opts);
    this.kaitoWorkspace = deployed.workspace;
    this.resources = deployed.resources;
    this.name = deployed.name;
    this.namespace = deployed.namespace;
    this.jobName = deployed.name;
    this.registerOutputs({ name: this.name, namespace: this.namespace, jobName: this.jobName });
  }
}
