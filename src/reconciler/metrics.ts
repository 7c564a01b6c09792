import { Counter, Gauge, Histogram, Registry, registerProcessMetrics } from './prometheus';
import type { RequestRecord } from './http';

/*
 * Prometheus metrics of one reconciler process, in a registry of its own (so that two reconcilers in one
 * process, as in tests, keep separate counts).
 */

/** How one reconcile ended. */
export type ReconcileResult = 'success' | 'error' | 'conflict';

/** Seconds, from a millisecond to ten seconds: reconciles, queue waits and API requests alike. */
const SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const WRITE_VERBS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The reconciler's metrics. */
export class ReconcilerMetrics {
  readonly registry = new Registry();
  readonly reconciles: Counter<'result'>;
  readonly reconcileSeconds: Histogram<'result'>;
  readonly queueDepth: Gauge;
  readonly queueWaitSeconds: Histogram<'priority'>;
  readonly workspaces: Gauge<'state'>;
  readonly apiRequests: Counter<'verb' | 'code'>;
  readonly apiRequestSeconds: Histogram<'verb'>;
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
    const r = this.registry;
    this.reconciles = r.register(new Counter('kaito_reconcile_total', 'Workspace reconciles, by result.', ['result']));
    this.reconcileSeconds = r.register(
      new Histogram(
        'kaito_reconcile_duration_seconds',
        'Time of one workspace reconcile, by result.',
        ['result'],
        SECONDS_BUCKETS,
      ),
    );
    this.queueDepth = r.register(
      new Gauge('kaito_workqueue_depth', 'Workspaces waiting in the work queue.', [], () => [
        [{}, sources.queueDepth?.() ?? 0],
      ]),
    );
    this.queueWaitSeconds = r.register(
      new Histogram(
        'kaito_workqueue_wait_seconds',
        'Time a workspace waited in the work queue before a worker took it, by priority (urgent: its node or claim turned Ready; high: another change of what it waits for; normal: its own change).',
        ['priority'],
        SECONDS_BUCKETS,
      ),
    );
    this.workspaces = r.register(
      new Gauge('kaito_workspaces', 'Workspaces in the cache, by status.state.', ['state'], () =>
        [...(sources.workspaceStates?.() ?? [])].map(([state, n]) => [{ state }, n] as const),
      ),
    );
    this.apiRequests = r.register(
      new Counter(
        'kaito_api_requests_total',
        'Requests to the Kubernetes API, by verb (HTTP method, or WATCH) and status code (0: no answer).',
        ['verb', 'code'],
      ),
    );
    this.apiRequestSeconds = r.register(
      new Histogram(
        'kaito_api_request_duration_seconds',
        'Time of requests to the Kubernetes API until the answer (a watch: until it ended), by verb.',
        ['verb'],
        SECONDS_BUCKETS,
      ),
    );
    this.watchRestarts = r.register(
      new Counter(
        'kaito_watch_restarts_total',
        'Lists and watches that failed and were started again, by resource and reason.',
        ['resource', 'reason'],
      ),
    );
    this.leader = r.register(
      new Gauge('kaito_leader', '1 while this process holds the leader lease (or runs without leader election).'),
    );
    this.events = r.register(new Counter('kaito_events_total', 'Events recorded on workspaces, by type.', ['type']));
    if (options.processMetrics !== false) registerProcessMetrics(r);
  }

  /** Counts one API request. */
  request(record: RequestRecord): void {
    this.apiRequests.inc({ verb: record.verb, code: String(record.status) });
    this.apiRequestSeconds.observe({ verb: record.verb }, record.seconds);
  }

  /** Write requests so far (POST, PUT, PATCH, DELETE), whatever their answer. */
  writes(): number {
    return this.apiRequests
      .values()
      .filter((v) => WRITE_VERBS.has(v.labels.verb ?? ''))
      .reduce((sum, v) => sum + v.value, 0);
  }

  /** Reconciles so far, all results. */
  reconcileCount(): number {
    return this.reconciles.total();
  }
}
