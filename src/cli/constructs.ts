import { error, type Problem } from '../api/problems';
import { closestNames } from '../api/suggest';
import { checkIntent, type Intent, type WorkloadMode } from '../plan/intent';
import { checkGpuNodePool, type ResolvedGpuNodePool } from '../plan/node-pool';
import type { Workspace } from '../api/types';
import type { WorkspacePlan } from '../plan/plan';
import { DEFAULT_KARPENTER_NODE_CLASS, renderAgentPool, renderKarpenterNodePool } from '../render/node-pool';
import type { KubeObject } from '../render/options';

/*
 * The constructs as documents, for `kaito validate` and `kaito render`: an InferenceService, TuningJob or
 * GpuNodePool written with the props of the cdk8s and Pulumi faces, checked by the same core functions, so
 * a team can check an intent without a program. A workload names its pool by `nodePool: <name>`, a
 * GpuNodePool document among the inputs.
 */

/** The apiVersion of construct documents (they are not Kubernetes objects; nothing applies them). */
export const CONSTRUCTS_API_VERSION = 'kaito-constructs/v1alpha1';
export const CONSTRUCT_KINDS = ['InferenceService', 'TuningJob', 'GpuNodePool'] as const;
export type ConstructKind = (typeof CONSTRUCT_KINDS)[number];

const WORKLOAD_FIELDS = [
  'apiVersion',
  'kind',
  'metadata',
  'preset',
  'instanceType',
  'nodePool',
  'labelSelector',
  'count',
  'mode',
  'modelAccessSecret',
  'config',
];
const FIELDS: Readonly<Record<ConstructKind, readonly string[]>> = {
  InferenceService: [...WORKLOAD_FIELDS, 'runtime', 'adapters', 'loadBalancer'],
  TuningJob: [...WORKLOAD_FIELDS, 'method', 'input', 'output'],
  GpuNodePool: [
    'apiVersion',
    'kind',
    'provider',
    'vmSize',
    'name',
    'namespace',
    'clusterName',
    'count',
    'minCount',
    'maxCount',
    'nodeLabels',
    'nodeTaints',
    'osSKU',
    'gpuDriver',
    'gpuInstanceProfile',
    'nodeClass',
  ],
};

/** A checked construct document. */
export interface ConstructCheck {
  readonly kind: ConstructKind;
  readonly problems: readonly Problem[];
  /** Workloads: the mode, workspace and plan when valid. */
  readonly mode?: WorkloadMode;
  readonly workspace?: Workspace;
  readonly plan?: WorkspacePlan;
  /** Pools: the resolved pool and its objects when valid. */
  readonly pool?: ResolvedGpuNodePool;
  readonly objects?: readonly KubeObject[];
}

/** Whether a document is a construct document (by its apiVersion). */
export function isConstructDocument(value: Record<string, unknown>): boolean {
  return value.apiVersion === CONSTRUCTS_API_VERSION;
}

function unknownFields(value: Record<string, unknown>, known: readonly string[]): Problem[] {
  return Object.keys(value)
    .filter((k) => !known.includes(k))
    .map((k) => {
      const near = closestNames(k, known);
      return error(k, `unknown field${near.length > 0 ? `; did you mean ${JSON.stringify(near[0])}?` : ''}`);
    });
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Checks a GpuNodePool document in the core, as the cdk8s construct does. */
export function checkPoolDocument(value: Record<string, unknown>, defaultNamespace: string): ConstructCheck {
  const kind = 'GpuNodePool';
  const extra = unknownFields(value, FIELDS[kind]);
  const provider = value.provider;
  if (provider !== 'aso' && provider !== 'karpenter') {
    return {
      kind,
      problems: [...extra, error('provider', `${JSON.stringify(provider ?? null)} is not one of aso, karpenter`)],
    };
  }
  const aso = provider === 'aso';
  const spec = { ...value, provider: aso ? 'aks' : 'karpenter', hasNodeClass: value.nodeClass !== undefined };
  const { pool, problems } = checkGpuNodePool(spec as unknown as Parameters<typeof checkGpuNodePool>[0]);
  const all = [...extra, ...problems];
  if (all.length > 0 || pool === undefined) return { kind, problems: all };
  const object = aso
    ? renderAgentPool(pool, text(value.clusterName)!, text(value.namespace) ?? defaultNamespace)
    : renderKarpenterNodePool(
        pool,
        (value.nodeClass as typeof DEFAULT_KARPENTER_NODE_CLASS) ?? DEFAULT_KARPENTER_NODE_CLASS,
      );
  return { kind, problems: [], pool, objects: [object as unknown as KubeObject] };
}

/**
 * Checks an InferenceService or TuningJob document in the core. `nodePool` names a GpuNodePool document of
 * the same run; `pools` holds the valid ones by name.
 */
export function checkWorkloadDocument(
  value: Record<string, unknown>,
  kind: 'InferenceService' | 'TuningJob',
  pools: ReadonlyMap<string, ResolvedGpuNodePool | undefined>,
): ConstructCheck {
  const extra = unknownFields(value, FIELDS[kind]);
  const metadata = value.metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return { kind, problems: [...extra, error('metadata', 'required: an object with at least name')] };
  }
  const ref = value.nodePool;
  let nodePool: ResolvedGpuNodePool | undefined;
  if (ref !== undefined) {
    nodePool = typeof ref === 'string' ? pools.get(ref) : undefined;
    if (nodePool === undefined) {
      const why =
        typeof ref === 'string' && pools.has(ref)
          ? `GpuNodePool ${JSON.stringify(ref)} is invalid (see its problems)`
          : `no GpuNodePool named ${JSON.stringify(ref)} among the inputs`;
      return { kind, problems: [...extra, error('nodePool', why)] };
    }
  }
  const { apiVersion: _v, kind: _k, ...props } = value;
  const intent = {
    ...props,
    kind: kind === 'InferenceService' ? 'inference' : 'tuning',
    ...(nodePool === undefined ? {} : { nodePool }),
  } as unknown as Intent;
  const check = checkIntent(intent);
  const problems = [...extra, ...check.problems];
  const valid = extra.length === 0 && check.workspace !== undefined && check.plan !== undefined;
  return valid
    ? { kind, problems, mode: check.mode, workspace: check.workspace, plan: check.plan }
    : { kind, problems, mode: check.mode };
}
