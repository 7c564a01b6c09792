import type { KubeApi } from '../../../../src/reconciler/http';
import { Informer } from '../../../../src/reconciler/informer';
import { silentLogger } from '../../../../src/reconciler/log';
import type { RawObject } from '../../../../src/reconciler/observe';

/*
 * What the test cluster lacks, played by test code: gpu-provisioner (a NodeClaim becomes a Node, which the
 * kubelet and the device plugin make Ready with `nvidia.com/gpu` capacity, and the claim becomes Ready)
 * and the workload controllers (a StatefulSet's pods become ready, a Job completes or fails), on cue or
 * as soon as the objects appear. Everything goes through the API server (status subresources).
 */

/** Options of a {@link Simulator}. */
export interface SimulatorOptions {
  readonly api: KubeApi;
  /** Namespace of the workspaces whose claims and workloads it serves. */
  readonly namespace: string;
  /** `nvidia.com/gpu` capacity of each node. @default 1 */
  readonly gpus?: number;
  /** Which claims to serve. @default 'nodeclaims' */
  readonly claims?: 'nodeclaims' | 'machines';
  /** Turn claims into nodes as they appear; when false they wait for {@link Simulator.release}. @default true */
  readonly fulfilClaims?: boolean;
  /** Make StatefulSets ready and Jobs complete as they appear. @default true */
  readonly autoReadyWorkloads?: boolean;
  /** Put Karpenter's termination finalizer on claims, removed (with the node) once a claim is deleted. @default true */
  readonly terminationFinalizer?: boolean;
}

const TERMINATION = 'karpenter.sh/termination';
const MERGE = 'application/merge-patch+json';

/** Runs `work` with at most `n` at a time. */
function limiter(n: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await work();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

const at = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** Simulated gpu-provisioner, kubelet and workload controllers for one namespace. */
export class Simulator {
  /** When each workspace's node (the last one) became Ready, in ms since the epoch, by `namespace/name`. */
  readonly nodeReadyAt = new Map<string, number>();
  /** Errors of the simulated components (tests expect none). */
  readonly errors: unknown[] = [];
  /** Workspaces (by name) whose claims are left alone. */
  readonly heldWorkspaces = new Set<string>();
  private readonly claims: Informer;
  private readonly statefulSets: Informer;
  private readonly jobs: Informer;
  private readonly started = new Set<string>();
  private readonly run = limiter(24);
  private fulfil: boolean;
  private readonly version: string;
  private readonly plural: string;

  constructor(private readonly options: SimulatorOptions) {
    const { api, namespace } = options;
    this.plural = options.claims ?? 'nodeclaims';
    this.version = this.plural === 'machines' ? 'karpenter.sh/v1alpha5' : 'karpenter.sh/v1';
    this.fulfil = options.fulfilClaims ?? true;
    const make = (name: string, path: string, labelSelector: string) =>
      new Informer({ api, name, path, labelSelector, log: silentLogger, backoff: { initialMs: 100, maxMs: 1000 } });
    this.claims = make('claims', `/apis/${this.version}/${this.plural}`, `kaito.sh/workspacenamespace=${namespace}`);
    this.statefulSets = make('sts', `/apis/apps/v1/namespaces/${namespace}/statefulsets`, 'kaito.sh/workspace');
    this.jobs = make('jobs', `/apis/batch/v1/namespaces/${namespace}/jobs`, 'kaito.sh/workspace');
    this.claims.onChange((type, claim) => {
      if (type !== 'delete') this.schedule(() => this.onClaim(claim));
    });
    this.statefulSets.onChange((type, sts) => {
      if (type === 'add' && (options.autoReadyWorkloads ?? true)) this.schedule(() => this.markReady(sts));
    });
    this.jobs.onChange((type, job) => {
      if (type === 'add' && (options.autoReadyWorkloads ?? true)) this.schedule(() => this.completeJob(job));
    });
  }

  private schedule(work: () => Promise<void>): void {
    void this.run(work).catch((e: unknown) => this.errors.push(e));
  }

  /** Starts watching; resolves once the caches are synced. */
  async start(): Promise<void> {
    for (const i of [this.claims, this.statefulSets, this.jobs]) i.start();
    await Promise.all([this.claims, this.statefulSets, this.jobs].map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all([this.claims, this.statefulSets, this.jobs].map((i) => i.stop()));
  }

  /** Starts fulfilling claims, including those that waited. */
  release(): void {
    this.fulfil = true;
    for (const claim of this.claims.list()) this.schedule(() => this.onClaim(claim));
  }

  private claimPath(name: string): string {
    return `/apis/${this.version}/${this.plural}/${name}`;
  }

  private async onClaim(claim: RawObject): Promise<void> {
    const name = claim.metadata?.name ?? '';
    const api = this.options.api;
    if (claim.metadata?.deletionTimestamp !== undefined) {
      if (!(claim.metadata.finalizers ?? []).includes(TERMINATION)) return;
      const nodeName = (claim.status as { nodeName?: string } | undefined)?.nodeName;
      if (nodeName) await api.request('DELETE', `/api/v1/nodes/${nodeName}`).catch(ignore(404));
      const rest = (claim.metadata.finalizers ?? []).filter((f) => f !== TERMINATION);
      const body = { metadata: { finalizers: rest, resourceVersion: claim.metadata.resourceVersion } };
      await api.request('PATCH', this.claimPath(name), { contentType: MERGE, body }).catch(ignore(404, 409));
      return;
    }
    if (!this.fulfil || this.started.has(name)) return;
    if (this.heldWorkspaces.has(claim.metadata?.labels?.['kaito.sh/workspace'] ?? '')) return;
    this.started.add(name);
    if (this.options.terminationFinalizer ?? true) {
      await api.request('PATCH', this.claimPath(name), {
        contentType: MERGE,
        body: { metadata: { finalizers: [TERMINATION] } },
      });
    }
    const labels = claim.metadata?.labels ?? {};
    const requirements = ((claim.spec as { requirements?: Array<{ key: string; values?: string[] }> }) ?? {})
      .requirements;
    const instanceType = requirements?.find((r) => r.key === 'node.kubernetes.io/instance-type')?.values?.[0] ?? '';
    const nodeName = `aks-${name}-vmss000000`;
    await api.request('POST', '/api/v1/nodes', {
      body: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: nodeName,
          labels: {
            ...labels,
            'karpenter.sh/nodepool': 'kaito',
            'kaito.sh/machine-type': 'gpu',
            'node.kubernetes.io/instance-type': instanceType,
            'kubernetes.io/os': 'linux',
          },
        },
        spec: { taints: [{ key: 'sku', value: 'gpu', effect: 'NoSchedule' }] },
      },
    });
    await this.nodeReady(nodeName);
    const ws = `${labels['kaito.sh/workspacenamespace']}/${labels['kaito.sh/workspace']}`;
    this.nodeReadyAt.set(ws, Date.now());
    const condition = (type: string) => ({
      type,
      status: 'True',
      reason: type,
      message: '',
      lastTransitionTime: at(),
    });
    const ready = this.plural === 'machines' ? ['MachineLaunched', 'MachineRegistered', 'MachineInitialized'] : [];
    await api.request('PATCH', `${this.claimPath(name)}/status`, {
      contentType: MERGE,
      body: {
        status: {
          nodeName,
          providerID: `azure:///subscriptions/test/${nodeName}`,
          conditions: [...ready, 'Launched', 'Registered', 'Initialized', 'Ready'].map(condition),
        },
      },
    });
  }

  /** Makes a node Ready, reporting the GPUs the device plugin would. */
  async nodeReady(nodeName: string, gpus = this.options.gpus ?? 1): Promise<void> {
    const capacity = { cpu: '6', memory: '112Gi', pods: '110', 'nvidia.com/gpu': String(gpus) };
    await this.options.api.request('PATCH', `/api/v1/nodes/${nodeName}/status`, {
      contentType: MERGE,
      body: {
        status: {
          capacity,
          allocatable: capacity,
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: at(),
              lastTransitionTime: at(),
            },
          ],
        },
      },
    });
  }

  /** Marks a claim's launch as failed (as gpu-provisioner does when the cloud refuses). */
  async failClaim(name: string, reason: string, message: string): Promise<void> {
    await this.options.api.request('PATCH', `${this.claimPath(name)}/status`, {
      contentType: MERGE,
      body: {
        status: { conditions: [{ type: 'Launched', status: 'False', reason, message, lastTransitionTime: at() }] },
      },
    });
  }

  /** Makes all replicas of a StatefulSet ready. */
  async markReady(sts: RawObject): Promise<void> {
    const replicas = (sts.spec as { replicas?: number } | undefined)?.replicas ?? 1;
    const { namespace, name, generation } = sts.metadata ?? {};
    await this.options.api.request('PATCH', `/apis/apps/v1/namespaces/${namespace}/statefulsets/${name}/status`, {
      contentType: MERGE,
      body: {
        status: {
          replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
          currentReplicas: replicas,
          updatedReplicas: replicas,
          observedGeneration: generation,
        },
      },
    });
  }

  /** Completes a Job successfully. */
  async completeJob(job: RawObject): Promise<void> {
    const now = at();
    const c = (type: string) => ({ type, status: 'True', lastTransitionTime: now, lastProbeTime: now });
    await this.jobStatus(job, {
      startTime: now,
      completionTime: now,
      succeeded: 1,
      conditions: [c('SuccessCriteriaMet'), c('Complete')],
    });
  }

  /** Fails a Job (backoff limit reached) with `message`. */
  async failJob(job: RawObject, message: string): Promise<void> {
    const now = at();
    const c = (type: string) => ({
      type,
      status: 'True',
      reason: 'BackoffLimitExceeded',
      message,
      lastTransitionTime: now,
      lastProbeTime: now,
    });
    await this.jobStatus(job, { startTime: now, failed: 1, conditions: [c('FailureTarget'), c('Failed')] });
  }

  private async jobStatus(job: RawObject, status: object): Promise<void> {
    const { namespace, name } = job.metadata ?? {};
    await this.options.api.request('PATCH', `/apis/batch/v1/namespaces/${namespace}/jobs/${name}/status`, {
      contentType: MERGE,
      body: { status },
    });
  }
}

function ignore(...statuses: number[]) {
  return (e: unknown) => {
    if (!statuses.includes((e as { status?: number }).status ?? 0)) throw e;
  };
}
