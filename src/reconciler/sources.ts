import type { StatefulSetSpec } from 'kubernetes-types/apps/v1';
import type { NodeStatus, PodSpec } from 'kubernetes-types/core/v1';
import {
  LABEL_NODEPOOL_MANAGED_BY,
  LABEL_NODEPOOL_WORKSPACE,
  LABEL_NODEPOOL_WORKSPACE_NAMESPACE,
  LABEL_WORKSPACE,
  LABEL_WORKSPACE_NAMESPACE,
} from '../api/types';
import { nodePoolName } from '../render/nodes';
import { APPLIED_HASH_ANNOTATION, lastAppliedHash } from './applied';
import type { Observation, ProvisionerName } from './decide';
import type { KubeApi } from './http';
import { Informer, PageGate, objectKey, type ChangeHandler } from './informer';
import type { Logger } from './log';
import type { ReconcilerMetrics } from './metrics';
import type { RawObject } from './observe';
import type { Priority } from './queue';
import {
  labelledWorkspaceKey,
  matchesLabels,
  nodeFingerprint,
  turnedReady,
  nodeScope,
  ownerWorkspaceKey,
  workspaceKey,
} from './scope';

/*
 * What the reconciler watches, cached: Workspaces, their NodeClaims (or Machines, or NodePools), Nodes, and the
 * StatefulSets, Jobs, Pods, Services and ConfigMaps labelled `kaito.sh/workspace`. Every change is
 * filed under the workspaces it concerns, which are queued: nothing is polled.
 */

/** Options of {@link Sources}. */
export interface SourcesOptions {
  readonly api: KubeApi;
  readonly provisioner: ProvisionerName;
  /** Watch only this namespace's workspaces and objects (nodes and node claims are cluster-scoped). */
  readonly namespace?: string;
  readonly log: Logger;
  readonly metrics?: ReconcilerMetrics;
  /** Restart a watch that sent nothing for this long. @default 150000 */
  readonly watchIdleTimeoutMs?: number;
  /** Retry delays of failed lists and watches. @default { initialMs: 250, maxMs: 30000 } */
  readonly watchBackoff?: { readonly initialMs: number; readonly maxMs: number };
}

function collection(apiVersion: string, plural: string, namespace?: string): string {
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace === undefined
    ? `${root}/${plural}`
    : `${root}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

type Meta = NonNullable<RawObject['metadata']>;
const META_KEPT = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'labels',
  'ownerReferences',
  'deletionTimestamp',
] as const;

/**
 * Metadata without what no decision reads (annotations, managedFields…), but for the digest of the
 * reconciler's last apply while no one wrote the object after it (applied.ts).
 */
function slimMeta(meta: Meta | undefined): Meta {
  const out: Record<string, unknown> = {};
  for (const k of META_KEPT) if (meta?.[k] !== undefined) out[k] = meta[k];
  const applied = lastAppliedHash(meta);
  if (applied !== undefined) out.annotations = { [APPLIED_HASH_ANNOTATION]: applied };
  return out as Meta;
}

// What the cache keeps of each kind: what observe.ts and decide.ts read, and what maps changes to
// workspaces. Keep in step with them.
const slim = (o: RawObject, rest: Partial<RawObject>): RawObject => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  metadata: slimMeta(o.metadata),
  ...rest,
});
const TRIM = {
  node: (o: RawObject) => {
    const s = (o.status ?? {}) as NodeStatus;
    return slim(o, { status: { capacity: s.capacity, conditions: s.conditions } });
  },
  statefulSet: (o: RawObject) =>
    slim(o, { spec: { replicas: (o.spec as StatefulSetSpec | undefined)?.replicas }, status: o.status }),
  job: (o: RawObject) => slim(o, { status: o.status }),
  // Of the spec, only each container's exec startup probe: whether it runs the benchmark (./benchmark).
  pod: (o: RawObject) => {
    const containers = ((o.spec as PodSpec | undefined)?.containers ?? []).map((c) => {
      const { name, startupProbe } = c;
      const command = startupProbe?.exec?.command;
      return { name, ...(command === undefined ? {} : { startupProbe: { exec: { command } } }) };
    });
    return slim(o, { spec: { containers }, status: o.status });
  },
  metadataOnly: (o: RawObject) => slim(o, {}),
  // Of an object that may not be a workspace's: its metadata with only the label that tells whose it is
  // (scope.ts ownershipOf), not the labels of every other object in scope.
  names: (o: RawObject) => {
    const { labels, ...metadata } = slimMeta(o.metadata);
    const label = labels?.[LABEL_WORKSPACE];
    const owner = label === undefined ? {} : { labels: { [LABEL_WORKSPACE]: label } };
    return { apiVersion: o.apiVersion, kind: o.kind, metadata: { ...metadata, ...owner } };
  },
  nodePool: (o: RawObject) => slim(o, { spec: { replicas: (o.spec as { replicas?: number })?.replicas } }),
};

/** The reconciler's informers and the lookups decisions need. */
export class Sources {
  readonly workspaces: Informer;
  /** NodeClaims or Machines; none with the BYO provisioner. */
  readonly nodeClaims: Informer | undefined;
  /** The workspaces' NodePools, with the `karpenter-nodepool` provisioner. */
  readonly nodePools: Informer | undefined;
  readonly nodes: Informer;
  readonly statefulSets: Informer;
  readonly jobs: Informer;
  readonly pods: Informer;
  /** Every Service in scope (metadata only): the workspaces' and any other, whose names they may take. */
  readonly services: Informer;
  /** Every ConfigMap in scope (metadata only), as `services`. */
  readonly configMaps: Informer;
  /** Names of every StatefulSet in scope (metadata only): whose each is, before the workspace takes a name. */
  readonly statefulSetNames: Informer;
  /** Names of every Job in scope (metadata only), as `statefulSetNames`. */
  readonly jobNames: Informer;
  /** Matchlabels of the workspaces that bring their own nodes, by workspace key. */
  private readonly byo = new Map<string, Readonly<Record<string, string>>>();

  constructor(
    private readonly options: SourcesOptions,
    queue: (key: string, priority: Priority) => void,
  ) {
    const ns = options.namespace;
    // Changes of what a workspace waits for (its nodes, claims, workload) let it progress: they go before
    // changes of workspaces themselves, so that a burst of new workspaces does not hold up those under way.
    // Nodes are cluster-wide: their labels may name workspaces of namespaces this process does not serve.
    const enqueue = (key: string, priority: Priority = 'high') =>
      (ns === undefined || key.startsWith(`${ns}/`)) && queue(key, priority);
    // The first lists of all informers, one page at a time: a restart in a large cluster would otherwise
    // hold a page of every kind (pods, StatefulSets, nodes…) as text and as parsed objects at once.
    const pageGate = new PageGate();
    const make = (name: string, path: string, extra: { labelSelector?: string; trim?: (o: RawObject) => RawObject }) =>
      new Informer({
        api: options.api,
        name,
        path,
        log: options.log,
        pageGate,
        ...extra,
        ...(options.watchIdleTimeoutMs ? { idleTimeoutMs: options.watchIdleTimeoutMs } : {}),
        ...(options.watchBackoff ? { backoff: options.watchBackoff } : {}),
        onRestart: (reason) => options.metrics?.watchRestarts.inc({ resource: name, reason }),
      });
    const owned = { labelSelector: LABEL_WORKSPACE };
    this.workspaces = make('workspaces', collection('kaito.sh/v1beta1', 'workspaces', ns), {});
    // Karpenter labels a NodePool's claims with its template labels: Kaito's NodePool keys, not its own.
    const pooled = options.provisioner === 'karpenter-nodepool';
    const [nameKey, namespaceKey] = pooled
      ? [LABEL_NODEPOOL_WORKSPACE, LABEL_NODEPOOL_WORKSPACE_NAMESPACE]
      : [LABEL_WORKSPACE, LABEL_WORKSPACE_NAMESPACE];
    const inNamespace = ns === undefined ? '' : `,${namespaceKey}=${ns}`;
    const claimSelector = `${nameKey}${inNamespace}`;
    this.nodeClaims =
      options.provisioner === 'byo'
        ? undefined
        : options.provisioner === 'machine'
          ? make('machines', collection('karpenter.sh/v1alpha5', 'machines'), { labelSelector: claimSelector })
          : make('nodeclaims', collection('karpenter.sh/v1', 'nodeclaims'), { labelSelector: claimSelector });
    this.nodePools = pooled
      ? make('nodepools', collection('karpenter.sh/v1', 'nodepools'), {
          labelSelector: `${LABEL_NODEPOOL_MANAGED_BY}=kaito${inNamespace}`,
          trim: TRIM.nodePool,
        })
      : undefined;
    this.nodes = make('nodes', collection('v1', 'nodes'), { trim: TRIM.node });
    this.statefulSets = make('statefulsets', collection('apps/v1', 'statefulsets', ns), {
      ...owned,
      trim: TRIM.statefulSet,
    });
    this.jobs = make('jobs', collection('batch/v1', 'jobs', ns), { ...owned, trim: TRIM.job });
    this.pods = make('pods', collection('v1', 'pods', ns), { ...owned, trim: TRIM.pod });
    // Names the workspaces' objects may take, whoever has them: the check before a workspace claims a name
    // reads these instead of asking the API server for each name.
    const names = (kind: string, apiVersion: string) => ({ metadataOnly: { apiVersion, kind }, trim: TRIM.names });
    this.services = make('services', collection('v1', 'services', ns), names('Service', 'v1'));
    this.configMaps = make('configmaps', collection('v1', 'configmaps', ns), names('ConfigMap', 'v1'));
    this.statefulSetNames = make(
      'statefulset-names',
      collection('apps/v1', 'statefulsets', ns),
      names('StatefulSet', 'apps/v1'),
    );
    this.jobNames = make('job-names', collection('batch/v1', 'jobs', ns), names('Job', 'batch/v1'));

    this.nodeClaims?.addIndex('workspace', (o) => optional(labelledWorkspaceKey(o)));
    this.nodeClaims?.addIndex('node', (o) => optional((o.status as { nodeName?: string })?.nodeName));
    this.nodes.addIndex('workspace', (o) => optional(labelledWorkspaceKey(o)));
    this.pods.addIndex('workspace', (o) => optional(ownerWorkspaceKey(o)));

    const both =
      (keyOf: (o: RawObject) => string | undefined, readyIsUrgent = false): ChangeHandler =>
      (type, object, old) => {
        const a = keyOf(object);
        const b = old && keyOf(old);
        // A claim that turned Ready lets its workspace create its workload: that goes before other progress.
        const urgent = readyIsUrgent && type !== 'delete' && turnedReady(object, old);
        if (a !== undefined) enqueue(a, urgent ? 'urgent' : 'high');
        if (b !== undefined && b !== a) enqueue(b);
      };
    this.workspaces.onChange((type, object) => {
      const key = objectKey(object);
      const scope = nodeScope(object, options.provisioner);
      if (type === 'delete' || scope.kind !== 'selector') this.byo.delete(key);
      else this.byo.set(key, scope.matchLabels);
      queue(key, 'normal');
    });
    this.nodeClaims?.onChange(both(labelledWorkspaceKey, true));
    this.nodePools?.onChange(both(labelledWorkspaceKey));
    this.nodes.onChange((type, node, old) => {
      if (type === 'update' && nodeFingerprint(node) === nodeFingerprint(old)) return;
      const priority = type !== 'delete' && turnedReady(node, old) ? 'urgent' : 'high';
      for (const key of this.workspacesOfNode(node, old)) enqueue(key, priority);
    });
    this.statefulSets.onChange(both(ownerWorkspaceKey));
    this.jobs.onChange(both(ownerWorkspaceKey));
    this.pods.onChange(both(ownerWorkspaceKey));
    // Services and ConfigMaps matter only when they go (they are applied again).
    const onDelete: ChangeHandler = (type, object, old) =>
      type === 'delete' && both(ownerWorkspaceKey)(type, object, old);
    this.services.onChange(onDelete);
    this.configMaps.onChange(onDelete);
  }

  /** Every informer. */
  all(): Informer[] {
    return [
      this.workspaces,
      ...(this.nodeClaims ? [this.nodeClaims] : []),
      ...(this.nodePools ? [this.nodePools] : []),
      this.nodes,
      this.statefulSets,
      this.jobs,
      this.pods,
      this.services,
      this.configMaps,
      this.statefulSetNames,
      this.jobNames,
    ];
  }

  start(): void {
    for (const informer of this.all()) informer.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.all().map((i) => i.stop()));
  }

  /** Resolves once every informer has listed once. */
  async waitForSync(): Promise<void> {
    await Promise.all(this.all().map((i) => i.waitForSync()));
  }

  get synced(): boolean {
    return this.all().every((i) => i.synced);
  }

  /** The cache of the objects of `kind` the reconciler applies, if it keeps one. */
  cacheFor(kind: string): Informer | undefined {
    const caches: Record<string, Informer | undefined> = {
      ConfigMap: this.configMaps,
      Service: this.services,
      StatefulSet: this.statefulSets,
      Job: this.jobs,
      NodeClaim: this.nodeClaims,
      Machine: this.nodeClaims,
      NodePool: this.nodePools,
      Workspace: this.workspaces,
    };
    return caches[kind];
  }

  /**
   * The cache that holds every object of `kind` in scope, whoever's it is (metadata only), if there is one:
   * a name missing there is free.
   */
  namesFor(kind: string): Informer | undefined {
    const caches: Record<string, Informer | undefined> = {
      ConfigMap: this.configMaps,
      Service: this.services,
      StatefulSet: this.statefulSetNames,
      Job: this.jobNames,
    };
    return caches[kind];
  }

  /** Workspaces whose decision may change with this node. */
  private workspacesOfNode(node: RawObject, old: RawObject | undefined): Set<string> {
    const keys = new Set<string>();
    for (const n of old ? [node, old] : [node]) {
      const labelled = labelledWorkspaceKey(n);
      if (labelled !== undefined) keys.add(labelled);
      for (const claim of this.nodeClaims?.byIndex('node', n.metadata?.name ?? '') ?? []) {
        const key = labelledWorkspaceKey(claim);
        if (key !== undefined) keys.add(key);
      }
      for (const [key, matchLabels] of this.byo) if (matchesLabels(n, matchLabels)) keys.add(key);
    }
    return keys;
  }

  /** What the caches hold for one workspace. */
  observe(workspace: RawObject): Observation {
    const key = workspaceKey(workspace.metadata?.namespace ?? '', workspace.metadata?.name ?? '');
    const nodeClaims = this.nodeClaims?.byIndex('workspace', key) ?? [];
    const scope = nodeScope(workspace, this.options.provisioner);
    let nodes: RawObject[];
    if (scope.kind === 'selector') {
      nodes = [...this.nodes.list()].filter((n) => matchesLabels(n, scope.matchLabels));
    } else {
      const byName = new Map(this.nodes.byIndex('workspace', key).map((n) => [n.metadata?.name, n]));
      for (const claim of nodeClaims) {
        const name = (claim.status as { nodeName?: string } | undefined)?.nodeName;
        const node = name ? this.nodes.get(name) : undefined;
        if (node !== undefined) byName.set(name, node);
      }
      nodes = [...byName.values()];
    }
    const workload = (workspace.tuning !== undefined ? this.jobs : this.statefulSets).get(key);
    const pool = this.nodePools?.get(nodePoolName(workspace.metadata?.namespace ?? '', workspace.metadata?.name ?? ''));
    // Only a pool labelled for this workspace is its own (another's may have the same name).
    const nodePool = pool !== undefined && labelledWorkspaceKey(pool) === key ? pool : undefined;
    return {
      workspace,
      nodeClaims,
      ...(nodePool ? { nodePool } : {}),
      nodes,
      pods: this.pods.byIndex('workspace', key),
      ...(workload ? { workload } : {}),
    };
  }
}

function optional(value: string | undefined): string[] {
  return value === undefined || value === '' ? [] : [value];
}
