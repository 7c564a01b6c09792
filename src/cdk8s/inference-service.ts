import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Workspace } from '../api/types';
import type { WorkspacePlan } from '../plan';
import { SERVICE_PORT } from '../render/labels';
import { inClusterUrl } from '../render/intent';
import { declareWorkload, type WorkloadProps } from './intent';
import { nameOf } from './internal';
import type { KaitoWorkspace } from './kaito-workspace';
import type { kplus } from './plus';
import { plainAdapters, type ValidationProblem, type WorkspaceAdapter } from './workspace-spec';

/** Props of {@link InferenceService}. */
export interface InferenceServiceProps extends WorkloadProps {
  /** The model: a preset name (`phi-3-mini-4k-instruct`), a legacy alias or a Hugging Face ID (`org/model`). */
  readonly preset: string;
  /**
   * Nodes the model is served from (each a whole node's GPUs).
   * @default - estimated from the model and the instance type
   */
  readonly count?: number;
  /**
   * The inference runtime (annotation `kaito.sh/runtime`): `vllm` or `transformers`.
   * @default - the preset's default runtime (vLLM for current presets)
   */
  readonly runtime?: string;
  /**
   * LoRA adapters, as a Workspace's `inference.adapters` (at most 10, unique names; `strength` a decimal
   * string such as `"0.5"`).
   * @default - none
   */
  readonly adapters?: WorkspaceAdapter[];
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
  /**
   * Expose the Service as a LoadBalancer (annotation `kaito.sh/enablelb`).
   * @default false
   */
  readonly loadBalancer?: boolean;
}

/**
 * Serve a model: "preset P on instance type T (or on this GpuNodePool)". Operator mode declares a Kaito
 * Workspace; direct mode emits the objects the operator would create (ConfigMaps, the Services, the
 * StatefulSet). Checked by the core's `checkIntent` when constructed: errors name the prop
 * (`adapters[0].strength: ...`), the same as the Pulumi component's.
 */
export class InferenceService extends Construct {
  /** Name of the workspace (and of its StatefulSet). */
  readonly name: string;
  /** Namespace of the workspace and its objects. */
  readonly namespace: string;
  /** Name of the Service answering requests (the workspace's name). */
  readonly serviceName: string;
  /** Port of the Service. */
  readonly port: number = SERVICE_PORT;
  /** In-cluster URL: `http://<name>.<namespace>.svc.cluster.local:80`. */
  readonly url: string;
  /** `operator` or `direct` (a {@link WorkloadMode}). */
  readonly mode: string;
  /**
   * The workspace this service stands for (internal model, v1beta1); TypeScript only.
   * @jsii ignore
   */
  readonly workspace: Workspace;
  /**
   * How the model lands on GPUs; TypeScript only.
   * @jsii ignore
   */
  readonly plan: WorkspacePlan;
  /** Warnings of the validation. */
  readonly warnings: ValidationProblem[];
  /** Operator mode: the Workspace construct. */
  readonly kaitoWorkspace?: KaitoWorkspace;
  /** The emitted objects. */
  readonly apiObjects: ApiObject[];

  constructor(scope: Construct, id: string, props: InferenceServiceProps) {
    super(scope, id);
    const declared = declareWorkload(this, 'InferenceService', props, {
      kind: 'inference',
      preset: props.preset,
      ...(props.count === undefined ? {} : { count: props.count }),
      ...(props.runtime === undefined ? {} : { runtime: props.runtime }),
      ...(props.modelAccessSecret === undefined ? {} : { modelAccessSecret: nameOf(props.modelAccessSecret) }),
      ...(props.config === undefined ? {} : { config: nameOf(props.config) }),
      ...(props.adapters === undefined ? {} : { adapters: plainAdapters(props.adapters) }),
      ...(props.loadBalancer === undefined ? {} : { loadBalancer: props.loadBalancer }),
    });
    this.name = declared.name;
    this.serviceName = declared.name;
    this.namespace = declared.namespace;
    this.url = inClusterUrl(declared.name, declared.namespace);
    this.mode = declared.mode;
    this.workspace = declared.workspace;
    this.plan = declared.plan;
    this.warnings = [...declared.warnings];
    this.apiObjects = [...declared.apiObjects];
    if (declared.kaitoWorkspace !== undefined) this.kaitoWorkspace = declared.kaitoWorkspace;
  }
}
