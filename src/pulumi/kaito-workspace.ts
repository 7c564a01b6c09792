import * as pulumi from '@pulumi/pulumi';
import * as k8s from '@pulumi/kubernetes';
import {
  KAITO_GROUP,
  STORAGE_VERSION,
  adoptManifest,
  error,
  workspaceVersionOf,
  type Problem,
  type Workspace,
} from '../api';
import type { WorkspacePlan } from '../plan';
import { SERVICE_PORT, inClusterUrl, workspaceObject, type KubeObject } from '../render';
import { TYPE_PREFIX, invalidArgs, logWarnings, plainValueProblems, throwOnErrors } from './errors';
import { SKIP_AWAIT, WAIT_FOR, childDependsOn, childName, declareObject, timeouts, withAnnotations } from './objects';
import { checkWorkspace, jsonCopy, preparedFor, type PreparedWorkspace } from './prepare';
import type { WorkspaceApiVersion } from './enums';
import type { InferenceSpec, ResourceSpec, TuningSpec } from './spec';

/** The companion documents {@link KaitoWorkspace.fromYaml} found beside the Workspace, by args. */
const adoptedCompanions = new WeakMap<object, readonly KubeObject[]>();

/** Metadata of a workspace. */
export interface KaitoWorkspaceMetadataArgs {
  /**
   * Name of the Workspace (a DNS-1123 label).
   * @default - the component's name
   */
  readonly name?: string;
  /**
   * Namespace of the Workspace.
   * @default 'default'
   */
  readonly namespace?: string;
  /** Labels of the Workspace. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations, such as `kaito.sh/runtime: transformers`. @default - none */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** How Pulumi waits for a workspace or its workload. */
export interface WaitArgs {
  /**
   * Make `pulumi up` wait until the workspace is ready: inference serving (condition `InferenceReady`), or a
   * tuning run finished (condition `WorkspaceSucceeded`). GPU nodes, image pulls and weight downloads take
   * minutes, a tuning run can take hours.
   * @default false for a Workspace resource (Pulumi then does not await it at all)
   */
  readonly waitForReady?: boolean;
  /**
   * How long Pulumi waits when `waitForReady` is on, in minutes.
   * @default 30 for inference, 360 for tuning
   */
  readonly readyTimeoutMinutes?: number;
}

/**
 * Args of a {@link KaitoWorkspace}: the same shape as a Workspace manifest (fields at the top level, not
 * under `spec`). Plain values, not Outputs: the workspace is validated and planned when the component is
 * constructed, before anything is registered.
 */
export interface KaitoWorkspaceArgs extends WaitArgs {
  /**
   * The version the args are written in; the resource is always declared as `kaito.sh/v1beta1`.
   * @default 'kaito.sh/v1beta1'
   */
  readonly apiVersion?: WorkspaceApiVersion;
  /** @default - name from the component, namespace `default` */
  readonly metadata?: KaitoWorkspaceMetadataArgs;
  /** Which GPU nodes serve the workspace: instance type and label selector. */
  readonly resource: ResourceSpec;
  /** Serve a model; exclusive with `tuning`. @default - none */
  readonly inference?: InferenceSpec;
  /** Fine-tune a model; exclusive with `inference`. @default - none */
  readonly tuning?: TuningSpec;
}

/** What a {@link KaitoWorkspace} holds besides its outputs. */
interface KaitoWorkspaceDetails {
  readonly workspace: Workspace;
  readonly plan: WorkspacePlan;
  readonly resource: k8s.apiextensions.CustomResource;
  readonly companions: readonly pulumi.CustomResource[];
}

/** Options of {@link KaitoWorkspace.fromYaml}. */
export type KaitoWorkspaceYamlArgs = WaitArgs;

export const DEFAULT_NAMESPACE = 'default';
export const INFERENCE_TIMEOUT_MINUTES = 30;
export const TUNING_TIMEOUT_MINUTES = 360;

const COMPONENT = 'KaitoWorkspace';
const OWN_KEYS = new Set(['waitForReady', 'readyTimeoutMinutes']);

/** Checks the wait args; returns the timeout in minutes. */
export function waitTimeout(args: WaitArgs, tuning: boolean, problems: Problem[]): number {
  const minutes = args.readyTimeoutMinutes ?? (tuning ? TUNING_TIMEOUT_MINUTES : INFERENCE_TIMEOUT_MINUTES);
  if (!(Number.isFinite(minutes) && minutes > 0)) {
    problems.push(error('readyTimeoutMinutes', `${minutes} is not a positive number of minutes`));
  }
  return minutes;
}

/**
 * A Kaito `Workspace` custom resource (`kaito.sh/v1beta1`), for a cluster running the Kaito operator or
 * this package's reconciler ({@link KaitoOperator}). The body is the validated, normalized workspace:
 * a bad preset, a model that does not fit its GPUs or a malformed adapter fails the program before anything
 * is registered, with the field path.
 *
 * Pulumi does not await custom resources unless told to: with `waitForReady` the resource carries
 * `pulumi.com/waitFor` and a timeout; without it, `pulumi.com/skipAwait: "true"`.
 *
 * Make it wait for the CRD with `dependsOn: operator.crds` (or the operator itself).
 */
export class KaitoWorkspace extends pulumi.ComponentResource {
  /** What the component schema does not describe (TypeScript only), by workspace. */
  private static readonly details = new WeakMap<KaitoWorkspace, KaitoWorkspaceDetails>();

  /** Name of the Workspace in the cluster. */
  readonly name: pulumi.Output<string>;
  /** Namespace of the Workspace. */
  readonly namespace: pulumi.Output<string>;
  /** The main Service of an inference workspace (created by the operator); undefined for tuning. */
  readonly serviceName: pulumi.Output<string | undefined>;
  /** Port of the main Service. */
  readonly port: number = SERVICE_PORT;
  /** In-cluster URL of an inference workspace, `http://<name>.<namespace>.svc.cluster.local:80`; undefined for tuning. */
  readonly url: pulumi.Output<string | undefined>;

  /** The validated workspace in the internal (v1beta1) model. */
  get workspace(): Workspace {
    return KaitoWorkspace.details.get(this)!.workspace;
  }

  /** How the workspace lands on GPUs. */
  get plan(): WorkspacePlan {
    return KaitoWorkspace.details.get(this)!.plan;
  }

  /** The Workspace custom resource. */
  get resource(): k8s.apiextensions.CustomResource {
    return KaitoWorkspace.details.get(this)!.resource;
  }

  /** The ConfigMaps, Secrets and PersistentVolumeClaims adopted with it by {@link fromYaml}, created before it. */
  get companions(): readonly pulumi.CustomResource[] {
    return KaitoWorkspace.details.get(this)!.companions;
  }

  /**
   * Adopts an existing Workspace manifest (YAML or JSON text, or a parsed object; `kaito.sh/v1alpha1` or
   * `v1beta1`), as written by hand or exported with `kubectl get -o yaml` (status and server-set metadata
   * are dropped). The text must hold exactly one Workspace; ConfigMaps, Secrets and PersistentVolumeClaims
   * beside it are declared as written (see `companions`).
   */
  static fromYaml(
    name: string,
    manifest: string | object,
    args: KaitoWorkspaceYamlArgs = {},
    opts: pulumi.ComponentResourceOptions = {},
  ): KaitoWorkspace {
    const adopted = adoptManifest(manifest);
    const problems = [...adopted.problems];
    const value = adopted.value;
    const version = value === undefined ? undefined : workspaceVersionOf(value);
    if (version !== undefined && typeof version !== 'string') problems.push(version);
    if (problems.length > 0 || value === undefined) throw invalidArgs(COMPONENT, name, problems);
    const { kind: _kind, ...body } = value;
    const adoptedArgs = { ...body, ...args } as unknown as KaitoWorkspaceArgs;
    adoptedCompanions.set(
      adoptedArgs,
      adopted.companions.map((c) => c.value as unknown as KubeObject),
    );
    return new KaitoWorkspace(name, adoptedArgs, opts);
  }

  constructor(name: string, args: KaitoWorkspaceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const { prepared, timeoutMinutes, checkedByParent } = KaitoWorkspace.check(name, args);
    super(`${TYPE_PREFIX}${COMPONENT}`, name, {}, opts);
    if (!checkedByParent) logWarnings(this, prepared.warnings);
    const { workspace } = prepared;
    const tuning = workspace.tuning !== undefined;
    const waitFor = tuning ? 'condition=WorkspaceSucceeded' : 'condition=InferenceReady';
    const metadata = workspace.metadata;
    const body = withAnnotations(
      workspaceObject(workspace, DEFAULT_NAMESPACE),
      args.waitForReady === true ? { [WAIT_FOR]: waitFor } : { [SKIP_AWAIT]: 'true' },
    );
    // A companion that names no namespace goes where kubectl would put it (`default`), as `kaito render` prints it.
    const companions = (adoptedCompanions.get(args) ?? []).map((o) => {
      const object = { ...o, metadata: { ...o.metadata, namespace: o.metadata.namespace ?? DEFAULT_NAMESPACE } };
      return declareObject(childName(name, object), object, {
        parent: this,
        dependsOn: childDependsOn(opts.dependsOn, []),
      });
    });
    const resource = new k8s.apiextensions.CustomResource(
      `${name}-workspace-${metadata.name}`,
      body as k8s.apiextensions.CustomResourceArgs,
      {
        parent: this,
        dependsOn: childDependsOn(opts.dependsOn, companions),
        ...(args.waitForReady === true ? { customTimeouts: timeouts(timeoutMinutes) } : {}),
      },
    );
    KaitoWorkspace.details.set(this, { workspace, plan: prepared.plan, resource, companions });
    const meta = resource.metadata;
    this.name = meta.apply((m) => m.name);
    this.namespace = meta.apply((m) => m.namespace);
    this.serviceName = meta.apply((m) => (tuning ? undefined : m.name));
    this.url = meta.apply((m) => (tuning ? undefined : inClusterUrl(m.name, m.namespace)));
    this.registerOutputs({ name: this.name, namespace: this.namespace, serviceName: this.serviceName, url: this.url });
  }

  /** Validates and plans the args; throws before anything is registered. */
  private static check(
    name: string,
    args: KaitoWorkspaceArgs,
  ): { prepared: PreparedWorkspace; timeoutMinutes: number; checkedByParent: boolean } {
    const problems: Problem[] = [];
    const timeoutMinutes = waitTimeout(args, args.tuning !== undefined, problems);
    const known = preparedFor(args);
    if (known !== undefined) {
      throwOnErrors(COMPONENT, name, problems);
      return { prepared: known, timeoutMinutes, checkedByParent: true };
    }
    const body = Object.fromEntries(Object.entries(args).filter(([k]) => !OWN_KEYS.has(k)));
    plainValueProblems(body, '', problems);
    throwOnErrors(COMPONENT, name, problems);
    const raw = jsonCopy({
      ...body,
      apiVersion: args.apiVersion ?? `${KAITO_GROUP}/${STORAGE_VERSION}`,
      kind: 'Workspace',
      metadata: { ...(args.metadata ?? {}), name: args.metadata?.name ?? name },
    });
    const outcome = checkWorkspace(raw);
    if (!outcome.ok) throw invalidArgs(COMPONENT, name, [...problems, ...outcome.problems]);
    return { prepared: outcome.prepared, timeoutMinutes, checkedByParent: false };
  }
}
