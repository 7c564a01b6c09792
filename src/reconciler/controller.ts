import { Actor, FIELD_MANAGER } from './act';
import { EventRecorder } from './events';
import {
  BENCHMARK_LOG_ATTEMPTS,
  BENCHMARK_LOG_LIMIT_BYTES,
  BENCHMARK_LOG_TAIL_LINES,
  BENCHMARK_LOG_TIMEOUT_MS,
  benchmarkLogSource,
} from './benchmark';
import { decideOrFail, type DecideOptions, type Observation, type ProvisionerName } from './decide';
import { isStatus, type KubeApi } from './http';
import type { Logger } from './log';
import type { RawObject } from './observe';
import type { ReconcileResult, ReconcilerMetrics } from './metrics';
import { WorkQueue, type WorkQueueOptions } from './queue';
import type { NodeClassRef } from '../render/node-class';
import { workspaceKey } from './scope';
import { Sources } from './sources';

/*
 * The workspace controller: caches feed the pure decision, an Actor carries it out. Work goes through a
 * de-duplicating queue keyed by namespace/name, so a workspace is reconciled by one worker at a time,
 * and a failure comes back after a per-key backoff.
 */

/**
 * Workspaces reconciled at the same time. A reconcile spends nearly all its time waiting for the API server
 * (the decision takes about 0.1 ms), so one process keeps ten in flight.
 */
export const DEFAULT_CONCURRENCY = 10;

/** Options of a {@link WorkspaceController}. */
export interface ControllerOptions {
  readonly api: KubeApi;
  readonly provisioner: ProvisionerName;
  /** Reconcile only this namespace's workspaces. @default all namespaces */
  readonly namespace?: string;
  /** Workspaces reconciled at the same time. @default DEFAULT_CONCURRENCY */
  readonly concurrency?: number;
  /** Registry of Kaito's images (passed to the renderers). */
  readonly registry?: string;
  /** The node class NodeClaims point at. @default defaultNodeClass(provisioner) */
  readonly nodeClass?: NodeClassRef;
  /**
   * Create pods from templates and volumes that Pod Security "baseline" refuses (and templates that pick a
   * service account). Off: such a workspace is reported invalid and nothing is created for it.
   * @default false
   */
  readonly allowPrivilegedTemplates?: boolean;
  readonly log: Logger;
  readonly metrics?: ReconcilerMetrics;
  /** Names this process in events. @default 'kaito-reconciler' */
  readonly identity?: string;
  /** Restart a watch that sent nothing (not even a bookmark) for this long. @default 150000 */
  readonly watchIdleTimeoutMs?: number;
  /** Retry delays of failed lists and watches. @default { initialMs: 250, maxMs: 30000 } */
  readonly watchBackoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Per-workspace retry delays after a failed reconcile. @default { baseDelayMs: 100, maxDelayMs: 60000 } */
  readonly retry?: WorkQueueOptions;
  /** The clock conditions are stamped with. @default () => new Date() */
  readonly now?: () => Date;
}

/** Watches, queues and reconciles workspaces. */
export class WorkspaceController {
  readonly sources: Sources;
  readonly queue: WorkQueue;
  /** Events on workspaces, sent in the background. */
  readonly events: EventRecorder;
  private readonly actor: Actor;
  /** Benchmark log reads per workspace: of which container run, how many (bounded by BENCHMARK_LOG_ATTEMPTS). */
  private readonly benchmarkReads = new Map<string, { run: string; attempts: number }>();
  private workers: Promise<void>[] = [];

  constructor(private readonly options: ControllerOptions) {
    const wait = options.metrics?.queueWaitSeconds;
    this.queue = new WorkQueue({
      ...options.retry,
      ...(wait ? { onWaited: (priority, ms) => wait.observe({ priority }, ms / 1000) } : {}),
    });
    this.sources = new Sources(
      {
        api: options.api,
        provisioner: options.provisioner,
        log: options.log,
        ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
        ...(options.metrics ? { metrics: options.metrics } : {}),
        ...(options.watchIdleTimeoutMs ? { watchIdleTimeoutMs: options.watchIdleTimeoutMs } : {}),
        ...(options.watchBackoff ? { watchBackoff: options.watchBackoff } : {}),
      },
      (key, priority) => this.queue.add(key, priority),
    );
    this.events = new EventRecorder({
      api: options.api,
      log: options.log,
      component: FIELD_MANAGER,
      instance: options.identity ?? FIELD_MANAGER,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    this.actor = new Actor({ api: options.api, sources: this.sources, events: this.events });
  }

  /** Starts the watches (work waits for {@link runWorkers}). */
  start(): void {
    this.sources.start();
  }

  /** Resolves once every cache has listed once. */
  waitForSync(): Promise<void> {
    return this.sources.waitForSync();
  }

  get synced(): boolean {
    return this.sources.synced;
  }

  /** True while workers run. */
  get working(): boolean {
    return this.workers.length > 0;
  }

  /** Queues every cached workspace and starts the workers. */
  runWorkers(): void {
    if (this.workers.length > 0 || this.queue.isShutDown) return;
    for (const ws of this.sources.workspaces.list()) {
      this.queue.add(`${ws.metadata?.namespace ?? ''}/${ws.metadata?.name ?? ''}`);
    }
    const n = Math.max(1, this.options.concurrency ?? DEFAULT_CONCURRENCY);
    this.workers = Array.from({ length: n }, () => this.work());
    this.options.log.info('workers started', { workers: n, queued: this.queue.length });
  }

  /** Stops taking work and waits for the reconciles in flight and the events they recorded. */
  async stopWorkers(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
    await this.queue.drained();
    await this.events.flush();
  }

  /** Stops the workers, then the watches. */
  async stop(): Promise<void> {
    await this.stopWorkers();
    await this.sources.stop();
  }

  /** Workspaces in the cache by `status.state` (`Unknown` before the first status). */
  workspaceStates(): Map<string, number> {
    const states = new Map<string, number>();
    for (const ws of this.sources.workspaces.list()) {
      const state = (ws.status as { state?: string } | undefined)?.state ?? 'Unknown';
      states.set(state, (states.get(state) ?? 0) + 1);
    }
    return states;
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const started = performance.now();
      let result: ReconcileResult = 'success';
      try {
        await this.reconcile(key);
        this.queue.forget(key);
      } catch (e) {
        result = isStatus(e, 409) ? 'conflict' : 'error';
        const retryInMs = this.queue.addRateLimited(key);
        const fields = { workspace: key, error: e, retryInMs, failures: this.queue.failuresOf(key) };
        if (result === 'conflict') this.options.log.debug('reconcile conflicted: retrying', fields);
        // The workspace's status and events say why; it is the workspace's problem, not the process's.
        else if (e instanceof WorkspaceBlockedError) this.options.log.info('workspace blocked: retrying', fields);
        else this.options.log.error('reconcile failed', fields);
      } finally {
        const seconds = (performance.now() - started) / 1000;
        this.options.metrics?.reconciles.inc({ result });
        this.options.metrics?.reconcileSeconds.observe({ result }, seconds);
        this.queue.done(key);
      }
    }
  }

  /**
   * Reconciles one workspace: observe the caches, decide, check that the names it would take are free or its
   * own, act. A workspace that cannot go on (deciding threw, or a name is taken by someone else's object) has
   * that written to its status, then throws {@link WorkspaceBlockedError} so it is retried with backoff.
   */
  async reconcile(key: string): Promise<void> {
    const workspace = this.sources.workspaces.get(key);
    if (workspace === undefined) {
      this.actor.forget(key);
      this.benchmarkReads.delete(key);
      return;
    }
    const now = (this.options.now?.() ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
    const options: DecideOptions = {
      provisioner: this.options.provisioner,
      now,
      ...(this.options.registry ? { registry: this.options.registry } : {}),
      ...(this.options.nodeClass ? { nodeClass: this.options.nodeClass } : {}),
      ...(this.options.allowPrivilegedTemplates === true ? { allowPrivilegedTemplates: true } : {}),
    };
    const observed = await this.withBenchmarkLog(workspace, this.sources.observe(workspace));
    let { decision, error } = decideOrFail(observed, options);
    // Before the first NodeClaim (or NodePool) and before any apply: nothing is provisioned for a workspace
    // whose objects could not be created. A NodePool is cluster-wide: its name may be another's.
    const provision = decision.provision ?? [];
    const claimed = [
      ...provision,
      ...(decision.apply.length > 0
        ? decision.apply
        : decision.create.length > 0 || provision.length > 0
          ? (decision.objects ?? [])
          : []),
    ];
    const conflicts = claimed.length > 0 ? await this.actor.conflicts(workspace, claimed) : [];
    if (conflicts.length > 0) ({ decision, error } = decideOrFail({ ...observed, conflicts }, options));
    await this.actor.act(key, workspace, decision);
    if (error !== undefined) throw new WorkspaceBlockedError(key, 'deciding failed', error);
    if (conflicts.length > 0) {
      throw new WorkspaceBlockedError(key, `${conflicts.map((c) => `${c.kind} ${c.name}`).join(', ')} not its own`);
    }
  }
  /**
   * Adds the tail of the leader's server log when its benchmark probe has passed and the workspace has no
   * performance status yet (pods/log, bounded in lines and bytes). A failed read is logged and retried with
   * the next reconcile; it never blocks the workspace.
   */
  private async withBenchmarkLog(workspace: RawObject, observed: Observation): Promise<Observation> {
    const source = benchmarkLogSource(workspace, observed.pods);
    if (source === undefined) return observed;
    const namespace = workspace.metadata?.namespace ?? '';
    // Each reconcile of a ready workspace would read again: a run's log is read a few times at most.
    const key = workspaceKey(namespace, workspace.metadata?.name ?? '');
    const tried = this.benchmarkReads.get(key);
    const attempts = tried?.run === source.run ? tried.attempts : 0;
    if (attempts >= BENCHMARK_LOG_ATTEMPTS) return observed;
    this.benchmarkReads.set(key, { run: source.run, attempts: attempts + 1 });
    try {
      const log = await this.options.api.request<unknown>(
        'GET',
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(source.pod)}/log`,
        {
          query: {
            container: source.container,
            tailLines: BENCHMARK_LOG_TAIL_LINES,
            limitBytes: BENCHMARK_LOG_LIMIT_BYTES,
          },
          // The log is text/plain; an error (no host yet, container gone) is a JSON Status.
          accept: 'text/plain, application/json',
          // The server asks the node's kubelet: a node that does not answer must not hold a worker long.
          timeoutMs: BENCHMARK_LOG_TIMEOUT_MS,
        },
      );
      return typeof log === 'string' ? { ...observed, benchmarkLog: log } : observed;
    } catch (e) {
      // Not found: this run has no log to read (the node serves none, or the container is gone); a new run
      // of the container is read afresh.
      if (isStatus(e, 404)) {
        this.benchmarkReads.set(key, { run: source.run, attempts: BENCHMARK_LOG_ATTEMPTS });
        this.options.log.info('benchmark log not found: not read again for this run', {
          workspace: `${namespace}/${workspace.metadata?.name ?? ''}`,
        });
        return observed;
      }
      this.options.log.info('benchmark log not readable: retrying later', {
        workspace: `${namespace}/${workspace.metadata?.name ?? ''}`,
        error: e instanceof Error ? e.message : String(e),
      });
      return observed;
    }
  }
}

/** A workspace that cannot progress; its status says why, and it is retried with backoff. */
export class WorkspaceBlockedError extends Error {
  constructor(
    readonly key: string,
    why: string,
    override readonly cause?: unknown,
  ) {
    super(`workspace ${key}: ${why}${cause instanceof Error ? `: ${cause.message}` : ''}`);
    this.name = 'WorkspaceBlockedError';
  }
}
