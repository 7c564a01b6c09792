import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestRecord } from './http';

/*
 * Prometheus metrics of one reconciler process, in a registry of its own (so that two reconcilers in one
 * process, as in tests, keep separate counts).
 */

/** How one reconcile ended. */
export type ReconcileResult = 'success' | 'error' | 'conflict';

/** The reconciler's metrics. */
export class ReconcilerMetrics {
  readonly registry = new Registry();
  readonly reconciles: Counter<'result'>;
  readonly reconcileSeconds: Histogram<'result'>;
  readonly queueDepth: Gauge;
  readonly workspaces: Gauge<'state'>;
  readonly apiRequests: Counter<'verb' | 'code'>;
  readonly watchRestarts: Counter<'resource' | 'reason'>;
  readonly leader: Gauge;
  readonly events: Counter<'type'>;

  constructor(
    sources: {
      /** Keys waiting in the work queue. */
      readonly queueDepth?: () => number;
      /** Workspaces by `status.state` (and `Unknown` before the first status). */
      readonly workspaceStates?: () => ReadonlyMap<string, number>;
    } = {},
    options: { readonly processMetrics?: boolean } = {},
  ) {
    const registers = [this.registry];
    this.reconciles = new Counter({
      name: 'kaito_reconcile_total',
      help: 'Workspace reconciles, by result.',
      labelNames: ['result'],
      registers,
    });
    this.reconcileSeconds = new Histogram({
      name: 'kaito_reconcile_duration_seconds',
      help: 'Time of one workspace reconcile, by result.',
      labelNames: ['result'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'kaito_workqueue_depth',
      help: 'Workspaces waiting in the work queue.',
      registers,
      collect() {
        this.set(sources.queueDepth?.() ?? 0);
      },
    });
    this.workspaces = new Gauge({
      name: 'kaito_workspaces',
      help: 'Workspaces in the cache, by status.state.',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        for (const [state, n] of sources.workspaceStates?.() ?? []) this.set({ state }, n);
      },
    });
    this.apiRequests = new Counter({
      name: 'kaito_api_requests_total',
      help: 'Requests to the Kubernetes API, by verb (HTTP method, or WATCH) and status code (0: no answer).',
      labelNames: ['verb', 'code'],
      registers,
    });
    this.watchRestarts = new Counter({
      name: 'kaito_watch_restarts_total',
      help: 'Lists and watches that failed and were started again, by resource and reason.',
      labelNames: ['resource', 'reason'],
      registers,
    });
    this.leader = new Gauge({
      name: 'kaito_leader',
      help: '1 while this process holds the leader lease (or runs without leader election).',
      registers,
    });
    this.events = new Counter({
      name: 'kaito_events_total',
      help: 'Events recorded on workspaces, by type.',
      labelNames: ['type'],
      registers,
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Counts one API request. */
  request(record: RequestRecord): void {
    this.apiRequests.inc({ verb: record.verb, code: String(record.status) });
  }

  /** Write requests so far (POST, PUT, PATCH, DELETE), whatever their answer. */
  async writes(): Promise<number> {
    const data = await this.apiRequests.get();
    return data.values
      .filter((v) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(String(v.labels.verb)))
      .reduce((sum, v) => sum + v.value, 0);
  }

  /** Reconciles so far, all results. */
  async reconcileCount(): Promise<number> {
    const data = await this.reconciles.get();
    return data.values.reduce((sum, v) => sum + v.value, 0);
  }
}
