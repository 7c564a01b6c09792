import * as pulumi from '@pulumi/pulumi';
import type { AdapterSpec, Problem, Workspace } from '../api';
import type { RuntimeName } from '../catalog';
import type { WorkspacePlan } from '../plan';
import { SERVICE_PORT } from '../render';
import { TYPE_PREFIX, logWarnings } from './errors';
import type { KaitoWorkspace } from './kaito-workspace';
import { deployWorkload, intentWorkspace, type WorkloadMode, type PlacementArgs } from './workload';
import type { PresetName } from '../catalog/names';

/**
 * Args of an {@link InferenceService}: which model to serve, and where. Plain values: the service is
 * validated and planned when it is constructed, before anything is registered.
 */
export interface InferenceServiceArgs extends PlacementArgs {
  /** The model: a preset name (`phi-3-mini-4k-instruct`), a legacy alias, or a Hugging Face ID (`org/model`). */
  readonly preset: PresetName;
  /**
   * Secret (same namespace) with key `HF_TOKEN`, for models gated on Hugging Face.
   * @default - none
   */
  readonly modelAccessSecret?: string;
  /**
   * Inference runtime (`kaito.sh/runtime`).
   * @default - the model's default, vLLM for most
   */
  readonly runtime?: RuntimeName;
  /**
   * LoRA adapters loaded next to the model, as a Workspace's `inference.adapters` (at most 10, unique names;
   * `strength` a decimal string such as `"0.5"`).
   * @default - none
   */
  readonly adapters?: readonly AdapterSpec[];
  /**
   * ConfigMap (same namespace) with key `inference_config.yaml` to use instead of the generated one.
   * @default - generated from the plan
   */
  readonly config?: string;
  /**
   * Expose the Service as a LoadBalancer (`kaito.sh/enablelb`).
   * @default false
   */
  readonly loadBalancer?: boolean;
  /**
   * Number of nodes; must fit the model.
   * @default - estimated from the model and the GPUs
   */
  readonly count?: number;
}

/**
 * Serves a model on GPUs and exposes it inside the cluster: "serve phi-3-mini-4k-instruct on this node pool".
 * In operator mode (the default) it declares a {@link KaitoWorkspace}; in direct mode the ConfigMap,
 * Services and StatefulSet themselves. Outputs the Service name, port and in-cluster URL.
 */
export class InferenceService extends pulumi.ComponentResource {
  /** Name of the workspace (and of its StatefulSet). */
  readonly name: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  /** Name of the Service that answers requests. */
  readonly serviceName: pulumi.Output<string>;
  /** Port of the Service. */
  readonly port: number = SERVICE_PORT;
  /** `http://<service>.<namespace>.svc.cluster.local:80` */
  readonly url: pulumi.Output<string>;
  readonly mode: WorkloadMode;
  /** The validated workspace in the internal (v1beta1) model. */
  readonly workspace: Workspace;
  /** How the model lands on GPUs. */
  readonly plan: WorkspacePlan;
  /** Warnings of the check (also logged), with the args' field paths. */
  readonly warnings: readonly Problem[];
  /** Operator mode: the Workspace resource. */
  readonly kaitoWorkspace?: KaitoWorkspace;
  /** Direct mode: the declared objects, in apply order. */
  readonly resources: pulumi.CustomResource[];

  constructor(name: string, args: InferenceServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const intent = intentWorkspace('InferenceService', name, args, {
      kind: 'inference',
      preset: args.preset,
      ...(args.count === undefined ? {} : { count: args.count }),
      ...(args.runtime === undefined ? {} : { runtime: args.runtime }),
      ...(args.modelAccessSecret === undefined ? {} : { modelAccessSecret: args.modelAccessSecret }),
      ...(args.config === undefined ? {} : { config: args.config }),
      ...(args.adapters === undefined ? {} : { adapters: args.adapters }),
      ...(args.loadBalancer === undefined ? {} : { loadBalancer: args.loadBalancer }),
    });
    super(`${TYPE_PREFIX}InferenceService`, name, {}, opts);
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
    // An inference workspace always has its Service.
    this.serviceName = deployed.serviceName as pulumi.Output<string>;
    this.url = deployed.url as pulumi.Output<string>;
    this.registerOutputs({
      name: this.name,
      namespace: this.namespace,
      serviceName: this.serviceName,
      port: this.port,
      url: this.url,
    });
  }
}
