import type { WorkspaceStatus } from '../../src/api';
import { FIELD_MANAGER, objectPath } from '../../src/reconciler/act';
import { BENCHMARK_LOG_LIMIT_BYTES, BENCHMARK_LOG_TAIL_LINES } from '../../src/reconciler/benchmark';
import type { WorkspaceEvent } from '../../src/reconciler/conditions';
import { decide, WORKSPACE_FINALIZER, type Observation } from '../../src/reconciler/decide';
import type { KubeApi } from '../../src/reconciler/http';
import { Informer } from '../../src/reconciler/informer';
import { silentLogger } from '../../src/reconciler/log';
import { KWOK_NODE_CLASS } from '../../src/render/node-class';
import type { RawObject } from '../../src/reconciler/observe';
import type { KubeObject } from '../../src/render';

/*
 * The floor: a plain script that makes the reconciler's requests for each workspace (its writes and the
 * read of the benchmark's log), with no decisions and no caches of its own beyond what tells it when to write. Everything it writes is computed before the
 * clock starts; it reacts to the real control plane (Karpenter makes its NodeClaim and node Ready, KWOK
 * the node and the pod, the StatefulSet controller the workload) by sending the precomputed writes.
 */

interface Phase {
  readonly status?: WorkspaceStatus;
  readonly events: readonly WorkspaceEvent[];
}

/** The writes for one workspace, precomputed. */
export interface FloorPlan {
  readonly claims: readonly KubeObject[];
  readonly apply: readonly KubeObject[];
  /**
   * New workspace; its claim and the claim's node Ready; its StatefulSet ready. Statuses name the node as {@link NODE_PLACEHOLDER}: the real name is Karpenter's, known only when
   * the node exists.
   */
  readonly phases: {
    readonly created: Phase;
    readonly claimReady: Phase;
    readonly done: Phase;
  };
}

/** Stands for the node's name in precomputed statuses. */
export const NODE_PLACEHOLDER = 'floor-node-placeholder';

const NOW = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const MERGE = 'application/merge-patch+json';

const conditions = (...types: string[]) =>
  types.map((type) => ({ type, status: 'True', reason: type, message: '', lastTransitionTime: NOW }));

/**
 * Precomputes a workspace's writes by running the decision (Karpenter, the kwok node class) over the
 * states the control plane takes it through. The states in between (the claim launched, its node
 * registered or Ready before the claim is, the StatefulSet there and not ready) are checked to need no write.
 */
export function planWrites(workspace: RawObject): FloorPlan {
  const opts = { provisioner: 'karpenter' as const, nodeClass: KWOK_NODE_CLASS, now: NOW };
  const meta = { ...workspace.metadata, uid: 'uid', generation: 1 };
  const at = (status: WorkspaceStatus | undefined, finalizer: boolean): RawObject => ({
    ...workspace,
    apiVersion: 'kaito.sh/v1beta1',
    metadata: { ...meta, ...(finalizer ? { finalizers: [WORKSPACE_FINALIZER] } : {}) },
    ...(status ? { status } : {}),
  });
  const observe = (ws: RawObject, rest: Partial<Observation>): Observation => ({
    workspace: ws,
    nodeClaims: [],
    nodes: [],
    pods: [],
    ...rest,
  });
  const created = decide(observe(at(undefined, false), {}), opts);
  if (created.create.length !== 1) throw new Error('the floor expects one NodeClaim per workspace');
  const claimAt = (...types: string[]): RawObject =>
    ({ ...created.create[0]!, status: { nodeName: NODE_PLACEHOLDER, conditions: conditions(...types) } }) as RawObject;
  const node = (ready: boolean): RawObject => ({
    metadata: {
      name: NODE_PLACEHOLDER,
      labels: {
        ...created.create[0]!.metadata.labels,
        'node.kubernetes.io/instance-type': (workspace.resource as { instanceType: string }).instanceType,
      },
    },
    status: {
      capacity: { 'nvidia.com/gpu': '1' },
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  });
  const afterCreate = at(created.status, true);
  for (const between of [
    observe(afterCreate, { nodeClaims: [claimAt('Launched')] }),
    observe(afterCreate, { nodeClaims: [claimAt('Launched')], nodes: [node(false)] }),
    observe(afterCreate, { nodeClaims: [claimAt('Launched', 'Registered')], nodes: [node(true)] }),
  ]) {
    const d = decide(between, opts);
    if (d.status || d.events.length > 0 || d.create.length > 0 || d.apply.length > 0) {
      throw new Error('the floor expects no write while the claim launches');
    }
  }
  const readyClaim = claimAt('Launched', 'Registered', 'Initialized', 'Ready');
  const claimReady = decide(observe(afterCreate, { nodeClaims: [readyClaim], nodes: [node(true)] }), opts);
  const sts = (ready: number): RawObject => ({ spec: { replicas: 1 }, status: { readyReplicas: ready } });
  const afterApply = at(claimReady.status, true);
  const workload = decide(
    observe(afterApply, { nodeClaims: [readyClaim], nodes: [node(true)], workload: sts(0) }),
    opts,
  );
  // (The decision lists the objects to apply again; the shell applies none that did not change.)
  if (workload.status || workload.events.length > 0 || workload.create.length > 0) {
    throw new Error('the floor expects no write when the StatefulSet appears');
  }
  const done = decide(
    observe(afterApply, {
      nodeClaims: [readyClaim],
      nodes: [node(true)],
      workload: sts(1),
    }),
    opts,
  );
  const phase = (d: { status?: WorkspaceStatus; events: readonly WorkspaceEvent[] }): Phase => ({
    ...(d.status ? { status: d.status } : {}),
    events: d.events,
  });
  if (claimReady.apply.length === 0 || done.status?.state !== 'Ready') throw new Error('floor plan incomplete');
  return {
    claims: created.create,
    apply: claimReady.apply,
    phases: {
      created: phase(created),
      claimReady: phase(claimReady),
      done: phase(done),
    },
  };
}

/** Sends each workspace's precomputed writes when the control plane gets there. */
export class Floor {
  private readonly informers: Informer[];
  private readonly created = new Map<string, RawObject>();
  private readonly sent = new Set<string>();
  /** The node of each workspace whose claim is Ready. */
  private readonly claimNode = new Map<string, string>();
  private readonly readyNodes = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Errors of its writes (expected: none). */
  readonly errors: unknown[] = [];

  constructor(
    private readonly api: KubeApi,
    private readonly namespace: string,
    private readonly plans: ReadonlyMap<string, FloorPlan>,
  ) {
    const make = (name: string, path: string, labelSelector: string) =>
      new Informer({ api, name, path, labelSelector, log: silentLogger });
    const nodes = make('nodes', '/api/v1/nodes', `kaito.sh/workspacenamespace=${namespace}`);
    const claims = make('claims', '/apis/karpenter.sh/v1/nodeclaims', `kaito.sh/workspacenamespace=${namespace}`);
    const sts = make('sts', `/apis/apps/v1/namespaces/${namespace}/statefulsets`, 'kaito.sh/workspace');
    const ready = (o: RawObject) =>
      ((o.status as { conditions?: Array<{ type: string; status: string }> })?.conditions ?? []).some(
        (c) => c.type === 'Ready' && c.status === 'True',
      );
    const workspaceOf = (o: RawObject) => o.metadata?.labels?.['kaito.sh/workspace'];
    nodes.onChange((type, n) => {
      if (type === 'delete' || !ready(n)) return;
      this.readyNodes.add(n.metadata?.name ?? '');
      const ws = workspaceOf(n);
      if (ws !== undefined && this.claimNode.get(ws) === n.metadata?.name) this.once(ws, 'claimReady');
    });
    claims.onChange((type, c) => {
      const ws = workspaceOf(c);
      const node = (c.status as { nodeName?: string } | undefined)?.nodeName;
      if (type === 'delete' || ws === undefined || node === undefined || !ready(c)) return;
      this.claimNode.set(ws, node);
      if (this.readyNodes.has(node)) this.once(ws, 'claimReady');
    });
    sts.onChange((_t, s) => {
      const st = (s.status ?? {}) as { readyReplicas?: number };
      if ((st.readyReplicas ?? 0) >= 1) this.once(s.metadata?.name, 'done');
    });
    this.informers = [nodes, claims, sts];
  }

  async start(): Promise<void> {
    for (const i of this.informers) i.start();
    await Promise.all(this.informers.map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  private once(name: string | undefined, phase: keyof FloorPlan['phases']): void {
    if (name === undefined || this.sent.has(`${name}/${phase}`) || this.sent.has(`${name}/done`)) return;
    this.sent.add(`${name}/${phase}`);
    const sending = this.run(name, phase).catch((e: unknown) => {
      this.errors.push(e);
    });
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  /** Resolves once the writes started so far are done (the events sent after the last status). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** The workspace was created (the create response): its first writes. */
  onCreated(ws: RawObject): void {
    const name = ws.metadata?.name ?? '';
    this.created.set(name, ws);
    this.once(name, 'created');
  }

  private async run(name: string, phase: keyof FloorPlan['phases']): Promise<void> {
    const plan = this.plans.get(name)!;
    const ws = this.created.get(name)!;
    const path = objectPath('kaito.sh/v1beta1', 'Workspace', this.namespace, name);
    const meta = ws.metadata!;
    if (phase === 'created') {
      await this.api.request('PATCH', path, {
        contentType: MERGE,
        body: { metadata: { finalizers: [WORKSPACE_FINALIZER] } },
      });
      await Promise.all(
        plan.claims.map((c) => this.api.request('POST', objectPath(c.apiVersion, c.kind, undefined), { body: c })),
      );
    }
    if (phase === 'claimReady') {
      const owner = {
        apiVersion: 'kaito.sh/v1beta1',
        kind: 'Workspace',
        name,
        uid: meta.uid,
        controller: true,
        blockOwnerDeletion: true,
      };
      await Promise.all(
        plan.apply.map((o) =>
          this.api.request('PATCH', objectPath(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name), {
            contentType: 'application/apply-patch+yaml',
            query: { fieldManager: FIELD_MANAGER, force: true },
            body: { ...o, metadata: { ...o.metadata, ownerReferences: [owner] } },
          }),
        ),
      );
    }
    if (phase === 'done') {
      // The read the reconciler makes for status.performance once the leader's benchmark probe has passed
      // (KWOK serves no logs: 404).
      await this.api
        .request('GET', `/api/v1/namespaces/${this.namespace}/pods/${name}-0/log`, {
          query: { container: name, tailLines: BENCHMARK_LOG_TAIL_LINES, limitBytes: BENCHMARK_LOG_LIMIT_BYTES },
          accept: 'text/plain, application/json',
        })
        .catch((e: unknown) => {
          if ((e as { status?: number }).status !== 404) throw e;
        });
    }
    const { status, events } = plan.phases[phase];
    if (status) {
      const node = this.claimNode.get(name) ?? NODE_PLACEHOLDER;
      const body = { status: JSON.parse(JSON.stringify(status).replaceAll(NODE_PLACEHOLDER, node)) as unknown };
      await this.api.request('PATCH', `${path}/status`, { contentType: MERGE, body });
    }
    await Promise.all(
      events.map((e, i) =>
        this.api.request('POST', objectPath('v1', 'Event', this.namespace), {
          body: {
            metadata: { name: `${name}.${phase}.${i}.${Date.now().toString(16)}`, namespace: this.namespace },
            involvedObject: {
              apiVersion: 'kaito.sh/v1beta1',
              kind: 'Workspace',
              name,
              namespace: this.namespace,
              uid: meta.uid,
            },
            type: e.type,
            reason: e.reason,
            message: e.message,
            source: { component: FIELD_MANAGER },
            firstTimestamp: NOW,
            lastTimestamp: NOW,
            count: 1,
          },
        }),
      ),
    );
  }
}
