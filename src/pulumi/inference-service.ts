import * as pulumi from '@pulumi/pulumi';
import type { Problem, Workspace } from '../api';
import type { WorkspacePlan } from '../plan';
import { SERVICE_PORT } from '../render';
import { TYPE_PREFIX, logWarnings } from './errors';
import type { KaitoWorkspace } from './kaito-workspace';
import type { RuntimeName, WorkloadMode } from './enums';
import type { AdapterSpec } from './spec';
import {
  deployWorkload,
  intentWorkspace,
  resourceOptions,
  type PlacementArgs,
  type WorkloadDetails,
  type WorkloadOptions,
} from './workload';

/**
 * Args of an {@link InferenceService}: which model to serve, and where. Plain values: the service is
 * validated and planned when it is constructed, before anything is registered.
 */
export interface InferenceServiceArgs extends PlacementArgs {
  /**
   * The model: a preset name (`phi-3-mini-4k-instruct`), a legacy alias, or a Hugging Face ID (`org/model`),
   * checked against the preset catalog.
   */
  readonly preset: string;
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
  readonly adapters?: AdapterSpec[];
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
  /** What the component schema does not describe (TypeScript only), by component. */
  private static readonly details = new WeakMap<InferenceService, WorkloadDetails>();

  /** Name of the workspace (and of its StatefulSet). */
  readonly name: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  /** Name of the Service that answers requests. */
  readonly serviceName: pulumi.Output<string>;
  /** Port of the Service. */
  readonly port: number = SERVICE_PORT;
  /** `http://<service>.<namespace>.svc.cluster.local:80` */
  readonly url: pulumi.Output<string>;
  /** `operator` or `direct`. */
  readonly mode: WorkloadMode;

  /** The validated workspace in the internal (v1beta1) model. */
  get workspace(): Workspace {
    return InferenceService.details.get(this)!.workspace;
  }
  /** How the model lands on GPUs. */
  get plan(): WorkspacePlan {
    return InferenceService.details.get(this)!.plan;
  }
  /** Warnings of the check (also logged), with the args' field paths. */
  get warnings(): readonly Problem[] {
    return InferenceService.details.get(this)!.warnings;
  }

  /** Operator mode: the Workspace resource. */
  get kaitoWorkspace(): KaitoWorkspace | undefined {
    return InferenceService.details.get(this)!.kaitoWorkspace;
  }

  /** Direct mode: the declared objects, in apply order. */
  get resources(): pulumi.CustomResource[] {
    return InferenceService.details.get(this)!.resources;
  }

  constructor(name: string, args: InferenceServiceArgs, opts: WorkloadOptions = {}) {
    const intent = intentWorkspace('InferenceService', name, args, opts, {
      kind: 'inference',
      preset: args.preset,
      ...(args.count === undefined ? {} : { count: args.count }),
      ...(args.runtime === undefined ? {} : { runtime: args.runtime }),
      ...(args.modelAccessSecret === undefined ? {} : { modelAccessSecret: args.modelAccessSecret }),
      ...(args.config === undefined ? {} : { config: args.config }),
      ...(args.adapters === undefined ? {} : { adapters: args.adapters }),
      ...(args.loadBalancer === undefined ? {} : { loadBalancer: args.loadBalancer }),
    });
    super(`${TYPE_PREFIX}InferenceService`, name, {}, resourceOptions(opts));
    logWarnings(this, intent.prepared.warnings);
    this.mode = intent.mode;
    const deployed = deployWorkload(this, name, args, intent, opts);
    InferenceService.details.set(this, {
      workspace: intent.prepared.workspace,
      plan: intent.prepared.plan,
      warnings: intent.prepared.warnings,
      ...(deployed.workspace === undefined ? {} : { kaitoWorkspace: deployed.workspace }),
      resources: deployed.resources,
    });
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
