import * as pulumi from '@pulumi/pulumi';
import type { Problem, Workspace } from '../api';
import type { WorkspacePlan } from '../plan';
import { TYPE_PREFIX, logWarnings } from './errors';
import type { KaitoWorkspace } from './kaito-workspace';
import type { TuningMethod, WorkloadMode } from './enums';
import type { DataDestination, DataSource } from './spec';
import {
  deployWorkload,
  intentWorkspace,
  resourceOptions,
  type PlacementArgs,
  type WorkloadDetails,
  type WorkloadOptions,
} from './workload';

/**
 * Args of a {@link TuningJob}: which model to fine-tune, on what data, where the adapter goes. Plain values:
 * the job is validated and planned when it is constructed, before anything is registered.
 */
export interface TuningJobArgs extends PlacementArgs {
  /** The base model: a preset name (`phi-3-mini-128k-instruct`) or alias, checked against the preset catalog. */
  readonly preset: string;
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
  /** What the component schema does not describe (TypeScript only), by component. */
  private static readonly details = new WeakMap<TuningJob, WorkloadDetails>();

  /** Name of the workspace (and of its Job). */
  readonly name: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  /** Name of the Job that runs the tuning (created by the operator in operator mode). */
  readonly jobName: pulumi.Output<string>;
  /** `operator` or `direct`. */
  readonly mode: WorkloadMode;

  /** The validated workspace in the internal (v1beta1) model. */
  get workspace(): Workspace {
    return TuningJob.details.get(this)!.workspace;
  }
  /** How the tuning run lands on GPUs. */
  get plan(): WorkspacePlan {
    return TuningJob.details.get(this)!.plan;
  }
  /** Warnings of the check (also logged), with the args' field paths. */
  get warnings(): readonly Problem[] {
    return TuningJob.details.get(this)!.warnings;
  }

  /** Operator mode: the Workspace resource. */
  get kaitoWorkspace(): KaitoWorkspace | undefined {
    return TuningJob.details.get(this)!.kaitoWorkspace;
  }

  /** Direct mode: the declared objects, in apply order. */
  get resources(): pulumi.CustomResource[] {
    return TuningJob.details.get(this)!.resources;
  }

  constructor(name: string, args: TuningJobArgs, opts: WorkloadOptions = {}) {
    const intent = intentWorkspace('TuningJob', name, args, opts, {
      kind: 'tuning',
      preset: args.preset,
      method: args.method,
      input: args.input,
      output: args.output,
      ...(args.modelAccessSecret === undefined ? {} : { modelAccessSecret: args.modelAccessSecret }),
      ...(args.config === undefined ? {} : { config: args.config }),
    });
    super(`${TYPE_PREFIX}TuningJob`, name, {}, resourceOptions(opts));
    logWarnings(this, intent.prepared.warnings);
    this.mode = intent.mode;
    const deployed = deployWorkload(this, name, args, intent, opts);
    TuningJob.details.set(this, {
      workspace: intent.prepared.workspace,
      plan: intent.prepared.plan,
      warnings: intent.prepared.warnings,
      ...(deployed.workspace === undefined ? {} : { kaitoWorkspace: deployed.workspace }),
      resources: deployed.resources,
    });
    this.name = deployed.name;
    this.namespace = deployed.namespace;
    this.jobName = deployed.name;
    this.registerOutputs({ name: this.name, namespace: this.namespace, jobName: this.jobName });
  }
}
