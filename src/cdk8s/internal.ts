import { ApiObject, Chart, JsonPatch, Names, type ApiObjectMetadata } from 'cdk8s';
import type { Construct } from 'constructs';
import { FitError } from '../plan/fit-error';
import { ValidationError, type Problem } from '../api/problems';
import { assertDnsLabel } from '../api/names';
import { INFERENCE_NAME_MAX } from '../api/schema';
import { checkWorkspaceObject, type WorkspaceCheck } from '../plan/check';
import type { PlanOptions, WorkspacePlan } from '../plan';
import type { Workspace } from '../api/types';
import type { KubeObject } from '../render/options';

/*
 * Helpers the constructs share (not exported from the package): validation and planning with errors that
 * name the construct and the prop, and plain Kubernetes objects as cdk8s ApiObjects.
 */

/** Something that has a Kubernetes name: a cdk8s-plus handle (`ISecret`, `IConfigMap`) or the name itself. */
export interface NamedResource {
  readonly name: string;
}

/** The name of a handle or of a plain name. */
export function nameOf(ref: string | NamedResource): string {
  return typeof ref === 'string' ? ref : ref.name;
}

/** A validated, planned workspace. */
export interface CheckedWorkspace {
  readonly workspace: Workspace;
  readonly plan: WorkspacePlan;
  readonly warnings: readonly Problem[];
}

/**
 * Validates and plans a Workspace object (either version), the check every face runs. Throws the
 * {@link ValidationError} (every problem, paths mapped to the construct's props) or the {@link FitError}
 * (its path mapped, and named at the start of its message).
 */
export function checkOrThrow(
  value: Record<string, unknown>,
  subject: string,
  options: PlanOptions = {},
): CheckedWorkspace {
  return fromCheck(checkWorkspaceObject(value, options), subject);
}

/** A check result as a checked workspace, or the error it carries (its paths already the props'). */
export function fromCheck(
  check: Pick<WorkspaceCheck, 'workspace' | 'plan' | 'problems' | 'fitError'>,
  subject: string,
): CheckedWorkspace {
  if (check.fitError !== undefined) {
    const e = check.fitError;
    throw new FitError(
      `${subject}: ${e.path}: ${e.message}`,
      e.path,
      e.requiredGpuMemoryGiB,
      e.availableGpuMemoryGiB,
      e.suggestions,
    );
  }
  const { problems } = check;
  if (check.workspace === undefined || check.plan === undefined || problems.some((p) => p.severity === 'error')) {
    throw new ValidationError(problems, subject);
  }
  return { workspace: check.workspace, plan: check.plan, warnings: problems.filter((p) => p.severity === 'warning') };
}

/**
 * Runs a construct's checks; when they throw, the construct is taken out of its scope again, so that a
 * construct that fails validation leaves nothing in the tree (a caller that catches the error can go on).
 */
export function leaveNothingOnError<T>(self: Construct, check: () => T): T {
  try {
    return check();
  } catch (e) {
    self.node.scope?.node.tryRemoveChild(self.node.id);
    throw e;
  }
}

/** The namespace objects of `scope` go to when they name none: the chart's (checked), else `default`. */
export function defaultNamespaceOf(scope: Construct): string {
  const chart = Chart.of(scope);
  if (chart.namespace === undefined) return 'default';
  assertDnsLabel(chart.namespace, 'namespace', `Chart ${chart.node.path || chart.node.id}`);
  return chart.namespace;
}

/**
 * The workspace name of a construct given none: the chart's generated name for it, short enough for the objects
 * an inference workspace names (its StatefulSet and Services).
 */
export function generatedWorkspaceName(scope: Construct, inference: boolean): string {
  return Names.toDnsLabel(scope, inference ? { maxLen: INFERENCE_NAME_MAX } : {});
}

/** Cluster-scoped kinds among the objects this package emits. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'NodeClaim',
  'NodePool',
  'Machine',
  'KaitoCatalog',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
]);

/**
 * A plain Kubernetes object as a cdk8s ApiObject, emitted as given (cdk8s only sorts its keys and adds the
 * chart's labels, and its namespace to a namespaced object that names none). A cluster-scoped object stays
 * without a namespace even in a chart that sets one.
 */
export function emit(scope: Construct, id: string, object: KubeObject): ApiObject {
  const { apiVersion, kind, metadata, ...body } = object;
  const api = new ApiObject(scope, id, { ...body, apiVersion, kind, metadata: metadata as ApiObjectMetadata });
  if (CLUSTER_SCOPED.has(kind) && metadata.namespace === undefined && Chart.of(scope).namespace !== undefined) {
    api.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
  return api;
}

/**
 * Keeps objects in the given order in the output: each depends on the one before. (cdk8s writes an object
 * right before the first object that depends on it, so without the chain a dependency on one object of a
 * bundle, such as a Workspace on the CRD, would move that object behind the rest of the bundle.)
 */
export function keepOrder(objects: readonly ApiObject[]): void {
  for (let i = 1; i < objects.length; i++) objects[i].addDependency(objects[i - 1]);
}

/** A stable construct id for an object: `Kind-name` (unique within one set of rendered objects). */
export function objectId(object: KubeObject): string {
  return `${object.kind}-${object.metadata.name}`;
}

/**
 * Construct ids for the objects one construct emits, unique among them and the same in every construct of
 * the same shape: the kind, then the object's name with the owner's name in front taken off (`Service`,
 * `Service-headless`, `ConfigMap-inference-config`); a name that does not start with the owner's takes its
 * place among those of its kind instead (`ConfigMap-1`).
 *
 * Why not the names themselves: constructs keeps children in a plain object keyed by id, and V8 gives the
 * empty object's hidden class at most 1,536 transitions. Ids that hold each workspace's name use them up
 * after some 1,350 workspaces (loading the modules takes about 180); from then on every object built up
 * from `{}` in the process (cdk8s builds each synthesized object so) gets a hidden class of its own, and
 * synth takes 2-3x the memory and time.
 */
export function childIds(objects: readonly KubeObject[], ownerName: string): string[] {
  const prefix = `${ownerName}-`;
  const used = new Set<string>();
  const ordinals = new Map<string, number>();
  return objects.map(({ kind, metadata: { name } }) => {
    let id = name === ownerName ? kind : name.startsWith(prefix) ? `${kind}-${name.slice(prefix.length)}` : undefined;
    while (id === undefined || used.has(id)) {
      const ordinal = (ordinals.get(kind) ?? 0) + 1;
      ordinals.set(kind, ordinal);
      id = `${kind}-${ordinal}`;
    }
    used.add(id);
    return id;
  });
}
