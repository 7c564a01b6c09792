import type { WorkspaceStatus } from '../../src/api';
import { FIELD_MANAGER, objectPath } from '../../src/reconciler/act';
import type { WorkspaceEvent } from '../../src/reconciler/conditions';
import { decide, WORKSPACE_FINALIZER, type Observation } from '../../src/reconciler/decide';
import type { KubeApi } from '../../src/reconciler/http';
import { Informer } from '../../src/reconciler/informer';
import { silentLogger } from '../../src/reconciler/log';
import type { RawObject } from '../../src/reconciler/observe';
import type { KubeObject } from '../../src/render';

/*
 * The floor: a plain script that makes the reconciler's writes for each workspace, with no decisions and
 * no caches of its own beyond what tells it when to write. Everything it writes is computed before the
 * clock starts; it reacts to the same simulated provisioner (a node Ready, a claim Ready, a StatefulSet
 * ready) by sending the precomputed writes.
 */

interface Phase {
  readonly status?: WorkspaceStatus;
  readonly events: readonly WorkspaceEvent[];
}

/** The writes for one workspace, precomputed. */
export interface FloorPlan {
  readonly claims: readonly KubeObject[];
  readonly apply: readonly KubeObject[];
  /** New workspace; its node Ready; its claim Ready; its StatefulSet ready. */
  readonly phases: {
    readonly created: Phase;
    readonly nodeReady: Phase;
    readonly claimReady: Phase;
    readonly done: Phase;
  };
}

const NOW = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const MERGE = 'application/merge-patch+json';

/** Precomputes a workspace's writes by running the decision over the states the simulator goes through. */
export function planWrites(workspace: RawObject): FloorPlan {
  const opts = { provisioner: 'gpu-provisioner' as const, now: NOW };
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
  const claim = { ...created.create[0]!, status: { nodeName: 'node' } } as RawObject;
  const node: RawObject = {
    metadata: {
      name: 'node',
      labels: {
        ...claim.metadata?.labels,
        'node.kubernetes.io/instance-type': (workspace.resource as { instanceType: string }).instanceType,
      },
    },
    status: { capacity: { 'nvidia.com/gpu': '1' }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const nodeReady = decide(observe(at(created.status, true), { nodeClaims: [claim], nodes: [node] }), opts);
  const readyClaim = { ...claim, status: { nodeName: 'node', conditions: [{ type: 'Ready', status: 'True' }] } };
  const sts = (ready: number): RawObject => ({ spec: { replicas: 1 }, status: { readyReplicas: ready } });
  const claimReady = decide(
    observe(at(nodeReady.status, true), { nodeClaims: [readyClaim], nodes: [node], workload: sts(0) }),
    opts,
  );
  const done = decide(
    observe(at(claimReady.status, true), { nodeClaims: [readyClaim], nodes: [node], workload: sts(1) }),
    opts,
  );
  const phase = (d: { status?: WorkspaceStatus; events: readonly WorkspaceEvent[] }): Phase => ({
    ...(d.status ? { status: d.status } : {}),
    events: d.events,
  });
  if (nodeReady.apply.length === 0 || done.status?.state !== 'Ready') throw new Error('floor plan incomplete');
  return {
    claims: created.create,
    apply: nodeReady.apply,
    phases: {
      created: phase(created),
      nodeReady: phase(nodeReady),
      claimReady: phase(claimReady),
      done: phase(done),
    },
  };
}

/** Sends each workspace's precomputed writes when the simulated cluster gets there. */
export class Floor {
  private readonly informers: Informer[];
  private readonly created = new Map<string, RawObject>();
  private readonly sent = new Set<string>();
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
    nodes.onChange((_t, n) => ready(n) && this.once(n.metadata?.labels?.['kaito.sh/workspace'], 'nodeReady'));
    claims.onChange((_t, c) => ready(c) && this.once(c.metadata?.labels?.['kaito.sh/workspace'], 'claimReady'));
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
    this.run(name, phase).catch((e: unknown) => this.errors.push(e));
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
    if (phase === 'nodeReady') {
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
    const { status, events } = plan.phases[phase];
    if (status) await this.api.request('PATCH', `${path}/status`, { contentType: MERGE, body: { status } });
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
