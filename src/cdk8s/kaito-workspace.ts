import { existsSync, readFileSync } from 'node:fs';
import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { adoptManifest } from '../api/adopt';
import { ValidationError } from '../api/problems';
import { KAITO_GROUP, STORAGE_VERSION, type Workspace } from '../api/types';
import { checkWorkspaceObject } from '../plan/check';
import type { PlanOptions, WorkspacePlan } from '../plan';
import { SERVICE_PORT } from '../render/labels';
import { inClusterUrl, workspaceObject } from '../render/intent';
import type { KubeObject } from '../render/options';
import {
  checkOrThrow,
  childIds,
  defaultNamespaceOf,
  emit,
  fromCheck,
  generatedWorkspaceName,
  leaveNothingOnError,
  type CheckedWorkspace,
} from './internal';
import type { KaitoOperator } from './kaito-operator';
import { kplus } from './plus';
import {
  plainInference,
  plainTuning,
  type ValidationProblem,
  type WorkspaceInference,
  type WorkspaceResource,
  type WorkspaceTuning,
} from './workspace-spec';

/** Options of a Workspace that are not fields of the Workspace itself. */
export interface KaitoWorkspaceOptions {
  /**
   * The operator that serves this workspace: its CRD (and the rest of its bundle) is applied first, also
   * when the operator lives in another chart (that chart is then synthesized first).
   * @default - no ordering
   */
  readonly operator?: KaitoOperator;
  /**
   * Catalogs to validate and plan with, and the GPUs of bring-your-own nodes (TypeScript only: the catalogs
   * are the core's classes).
   * @default - the default preset and SKU catalogs
   * @jsii ignore
   */
  readonly planOptions?: PlanOptions;
}

/**
 * A Kaito Workspace, with the same shape as its YAML (fields at the top level, not under `spec`).
 * @see https://github.com/kaito-project/kaito/blob/main/api/v1beta1/workspace_types.go
 */
export interface KaitoWorkspaceProps extends KaitoWorkspaceOptions {
  /**
   * Name (a DNS-1123 label), namespace, labels and annotations (`kaito.sh/runtime`, `kaito.sh/enablelb`, ...).
   * @default - the chart's generated name for the construct, the chart's namespace (else `default`)
   */
  readonly metadata?: kplus.k8s.ObjectMeta;
  /** The GPU nodes: `instanceType` to provision, or bring-your-own nodes picked by `labelSelector`. */
  readonly resource: WorkspaceResource;
  /**
   * Serve a model; exactly one of `inference` and `tuning`.
   * @default - none
   */
  readonly inference?: WorkspaceInference;
  /**
   * Fine-tune a model; exactly one of `inference` and `tuning`.
   * @default - none
   */
  readonly tuning?: WorkspaceTuning;
}

/** Props whose workspace was already checked: by {@link KaitoWorkspace.fromYaml} in the version it was written in, or by an intent-level construct with its own prop names. */
const adopted = new WeakMap<object, CheckedWorkspace>();

/** The companion documents {@link KaitoWorkspace.fromYaml} found beside the Workspace, by props. */
const adoptedCompanions = new WeakMap<object, readonly KubeObject[]>();

/** Props for a workspace that was already validated and planned (for the constructs of this package). */
export function checkedProps(checked: CheckedWorkspace, options: KaitoWorkspaceOptions = {}): KaitoWorkspaceProps {
  const { apiVersion: _v, kind: _k, status: _s, ...fields } = checked.workspace;
  const props = { ...fields, ...options } as unknown as KaitoWorkspaceProps;
  adopted.set(props, checked);
  return props;
}

/**
 * A `kaito.sh/v1beta1` Workspace custom resource, validated and planned when it is constructed (a
 * {@link ValidationError} or a {@link FitError} names the field). The operator (or Kaito) creates its nodes
 * and workload. It is emitted in v1beta1, the storage version, on purpose: `cdk8s import` would name the
 * first version of the CRD (v1alpha1) plainly.
 */
export class KaitoWorkspace extends Construct {
  /**
   * Adopts an existing Workspace manifest, `kaito.sh/v1alpha1` or `v1beta1`, hand-written or exported with
   * `kubectl get -o yaml` (status and server-set metadata are dropped), emitted as `kaito render` prints it:
   * v1beta1 (v1alpha1's default instance type made explicit), the namespace filled in.
   * ConfigMaps, Secrets and PersistentVolumeClaims beside it in the file are kept as written (see `companions`).
   * @param fileOrText a path to a YAML or JSON file, or the text itself; it must hold exactly one Workspace
   */
  static fromYaml(
    scope: Construct,
    id: string,
    fileOrText: string,
    options: KaitoWorkspaceOptions = {},
  ): KaitoWorkspace {
    const fromFile = !fileOrText.includes('\n') && existsSync(fileOrText);
    const text = fromFile ? readFileSync(fileOrText, 'utf8') : fileOrText;
    const subject = fromFile ? `Workspace in ${fileOrText}` : 'Workspace';
    const adopted = adoptManifest(text);
    if (adopted.value === undefined) throw new ValidationError(adopted.problems, subject);
    const checked = fromCheck(checkWorkspaceObject(adopted.value, options.planOptions), subject);
    const props = checkedProps(checked, options);
    adoptedCompanions.set(
      props,
      adopted.companions.map((c) => c.value as unknown as KubeObject),
    );
    return new KaitoWorkspace(scope, id, props);
  }

  /**
   * The workspace as emitted: the internal (v1beta1) model, with its namespace (TypeScript only; other
   * languages read `apiObject`).
   * @jsii ignore
   */
  readonly workspace: Workspace;
  /**
   * How the workspace lands on GPUs (node count, parallelism, dtype, ...); TypeScript only.
   * @jsii ignore
   */
  readonly plan: WorkspacePlan;
  /** Warnings of the validation (deprecated fields, reserved selector keys, ...). */
  readonly warnings: ValidationProblem[];
  /** The Workspace object. */
  readonly apiObject: ApiObject;
  /** The ConfigMaps, Secrets and PersistentVolumeClaims adopted with it by {@link fromYaml}, applied before it. */
  readonly companions: ApiObject[];

  constructor(scope: Construct, id: string, props: KaitoWorkspaceProps) {
    super(scope, id);
    // Fields other than the known ones go to the core as given, which reports them (`spec: unknown field`).
    const { operator, planOptions, metadata: _metadata, inference, tuning, ...fields } = props;
    const { checked, namespace } = leaveNothingOnError(this, () => {
      const name = props.metadata?.name ?? generatedWorkspaceName(this, inference !== undefined);
      const metadata = props.metadata === undefined ? {} : kplus.k8s.toJson_ObjectMeta(props.metadata);
      const result =
        adopted.get(props) ??
        checkOrThrow(
          {
            ...fields,
            ...(inference === undefined ? {} : { inference: plainInference(inference) }),
            ...(tuning === undefined ? {} : { tuning: plainTuning(tuning) }),
            metadata: { ...metadata, name },
            apiVersion: `${KAITO_GROUP}/${STORAGE_VERSION}`,
            kind: 'Workspace',
          },
          `Workspace ${JSON.stringify(name)}`,
          planOptions,
        );
      return { checked: result, namespace: result.workspace.metadata.namespace ?? defaultNamespaceOf(this) };
    });
    // Emitted as `kaito render` prints it: status and server fields dropped, the namespace filled in.
    const object = workspaceObject(checked.workspace, namespace);
    this.workspace = object as unknown as Workspace;
    this.plan = checked.plan;
    this.warnings = [...checked.warnings];
    this.apiObject = emit(this, 'Resource', object);
    if (operator !== undefined) for (const crd of operator.crds) this.apiObject.addDependency(crd);
    // A companion that names no namespace goes where kubectl would put it: the chart's, else `default`, as
    // `kaito render --namespace` prints it.
    const companionNamespace = defaultNamespaceOf(this);
    const companions = adoptedCompanions.get(props) ?? [];
    const ids = childIds(companions, object.metadata.name);
    this.companions = companions.map((o, i) =>
      emit(this, ids[i], {
        ...o,
        metadata: { ...o.metadata, namespace: o.metadata.namespace ?? companionNamespace },
      }),
    );
    for (const companion of this.companions) this.apiObject.addDependency(companion);
  }

  /** The workspace's name. */
  get name(): string {
    return this.workspace.metadata.name;
  }

  /** The workspace's namespace: its own, else the chart's, else `default`. */
  get namespace(): string {
    return this.workspace.metadata.namespace!;
  }

  /** The Service that answers inference requests (the workspace's name); undefined for tuning. */
  get serviceName(): string | undefined {
    return this.workspace.inference === undefined ? undefined : this.name;
  }

  /** Port of the inference Service. */
  get port(): number {
    return SERVICE_PORT;
  }

  /** `http://<name>.<namespace>.svc.cluster.local:80` for inference; undefined for tuning. */
  get url(): string | undefined {
    const service = this.serviceName;
    return service === undefined ? undefined : inClusterUrl(service, this.namespace);
  }
}
