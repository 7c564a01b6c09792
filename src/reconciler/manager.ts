import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { loadConnection, type Connection } from './connection';
import { WorkspaceController } from './controller';
import type { ProvisionerName } from './decide';
import { KubeApi, type RequestRecord } from './http';
import { LeaderElector } from './leader';
import { jsonLogger, type Logger } from './log';
import { ReconcilerMetrics } from './metrics';
import type { NodeClassRef } from '../render/node-class';
import type { WorkQueueOptions } from './queue';
import { healthHandler, listen, metricsHandler, parseBindAddress, type Listening } from './server';

/*
 * One reconciler process: caches, workers, leader election, health and metrics endpoints, and an orderly
 * stop. The bin parses flags into these options; tests start it in-process.
 */

/** Leader election settings. */
export interface LeaderElectionSettings {
  /** Namespace of the Lease. */
  readonly namespace: string;
  /** @default 'kaito-reconciler' */
  readonly name?: string;
  /** @default 15000 */
  readonly leaseDurationMs?: number;
  /** @default 10000 */
  readonly renewDeadlineMs?: number;
  /** @default 2000 */
  readonly retryPeriodMs?: number;
}

/** Options of {@link startReconciler}. */
export interface ReconcilerOptions {
  /** How to reach the API server. @default loadConnection({ kubeconfig }) */
  readonly connection?: Connection;
  /** Kubeconfig file, when no connection is given. @default in-cluster */
  readonly kubeconfig?: string;
  readonly provisioner: ProvisionerName;
  /** @default all namespaces */
  readonly namespace?: string;
  /** @default DEFAULT_CONCURRENCY (10) */
  readonly concurrency?: number;
  readonly registry?: string;
  /** The node class NodeClaims point at (`--node-class`). @default defaultNodeClass(provisioner) */
  readonly nodeClass?: NodeClassRef;
  /**
   * Create pods from templates and volumes that Pod Security "baseline" refuses (and templates that pick a
   * service account). Off: such a workspace is reported invalid and nothing is created for it.
   * @default false
   */
  readonly allowPrivilegedTemplates?: boolean;
  /** Elect a leader before reconciling; off when undefined. */
  readonly leaderElection?: LeaderElectionSettings;
  /** This process's name in the Lease and in events. @default `<hostname>_<uuid>` */
  readonly identity?: string;
  /** `/metrics` address (`:8080`, `127.0.0.1:0`); `0` turns it off. @default '0' */
  readonly metricsBindAddress?: string;
  /** `/healthz` and `/readyz` address; `0` turns them off. @default '0' */
  readonly healthProbeBindAddress?: string;
  /** @default JSON lines on stderr */
  readonly log?: Logger;
  /** Restart a watch that sent nothing (not even a bookmark) for this long. @default 150000 */
  readonly watchIdleTimeoutMs?: number;
  /** A request without an answer for this long fails. @default 30000 */
  readonly requestTimeoutMs?: number;
  readonly watchBackoff?: { readonly initialMs: number; readonly maxMs: number };
  readonly retry?: WorkQueueOptions;
  /** Called after every request to the API server, besides the metrics (tests record them). */
  readonly onRequest?: (record: RequestRecord) => void;
}

/** A started reconciler. */
export interface RunningReconciler {
  readonly controller: WorkspaceController;
  readonly metrics: ReconcilerMetrics;
  readonly api: KubeApi;
  readonly identity: string;
  /** Port of `/healthz` and `/readyz`, when served. */
  readonly healthPort?: number;
  /** Port of `/metrics`, when served. */
  readonly metricsPort?: number;
  /** True while this process may reconcile (it leads, or runs without leader election). */
  isLeader(): boolean;
  /** Settles when the process stopped working by itself: `lost` when it lost the leader lease. */
  readonly done: Promise<'stopped' | 'lost'>;
  /**
   * Stops in order: no new work, the reconciles in flight finish, the lease is released (so a standby
   * takes over at once), then the watches and endpoints close.
   */
  stop(): Promise<void>;
}

/** Starts a reconciler: watches at once, reconciles once the caches are synced (and it leads). */
export async function startReconciler(options: ReconcilerOptions): Promise<RunningReconciler> {
  const log = options.log ?? jsonLogger();
  const identity = options.identity ?? `${hostname()}_${randomUUID()}`;
  const connection = options.connection ?? (await loadConnection({ kubeconfig: options.kubeconfig }));
  // The metrics read the controller when scraped, after it exists.
  const metrics: ReconcilerMetrics = new ReconcilerMetrics({
    queueDepth: (): number => ctl.queue.length,
    workspaceStates: (): Map<string, number> => ctl.workspaceStates(),
  });
  const api = new KubeApi(connection, {
    onRequest: (r) => {
      metrics.request(r);
      options.onRequest?.(r);
    },
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
  const ctl: WorkspaceController = new WorkspaceController({
    api,
    provisioner: options.provisioner,
    log,
    metrics,
    identity,
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.registry !== undefined ? { registry: options.registry } : {}),
    ...(options.nodeClass !== undefined ? { nodeClass: options.nodeClass } : {}),
    ...(options.allowPrivilegedTemplates === true ? { allowPrivilegedTemplates: true } : {}),
    ...(options.watchIdleTimeoutMs !== undefined ? { watchIdleTimeoutMs: options.watchIdleTimeoutMs } : {}),
    ...(options.watchBackoff !== undefined ? { watchBackoff: options.watchBackoff } : {}),
    ...(options.retry !== undefined ? { retry: options.retry } : {}),
  });
  const elector = options.leaderElection
    ? new LeaderElector({ api, log, identity, ...options.leaderElection })
    : undefined;

  const servers: Listening[] = [];
  const closeServers = () => Promise.all(servers.splice(0).map((s) => s.close()));
  let healthPort: number | undefined;
  let metricsPort: number | undefined;
  try {
    const health = parseBindAddress(options.healthProbeBindAddress ?? '0');
    if (health) {
      const s = await listen(
        health,
        healthHandler(() => ctl.synced),
      );
      servers.push(s);
      healthPort = s.port;
    }
    const metricsAddress = parseBindAddress(options.metricsBindAddress ?? '0');
    if (metricsAddress) {
      const s = await listen(metricsAddress, metricsHandler(metrics.registry));
      servers.push(s);
      metricsPort = s.port;
    }
  } catch (e) {
    await closeServers();
    throw e;
  }

  const abort = new AbortController();
  const signal = abort.signal;
  log.info('starting', {
    identity,
    server: connection.server,
    provisioner: options.provisioner,
    namespace: options.namespace ?? '(all)',
    leaderElection: options.leaderElection ? `${options.leaderElection.namespace}/${elector?.name}` : 'off',
  });
  ctl.start();

  const run = async (): Promise<'stopped' | 'lost'> => {
    await Promise.race([ctl.waitForSync(), aborted(signal)]);
    if (signal.aborted) return 'stopped';
    log.info('caches synced', { workspaces: ctl.sources.workspaces.size });
    if (elector === undefined) {
      metrics.leader.set(1);
      ctl.runWorkers();
      await aborted(signal);
      return 'stopped';
    }
    if (!(await elector.acquire(signal))) return 'stopped';
    metrics.leader.set(1);
    ctl.runWorkers();
    const held = await elector.hold(signal);
    if (held === 'lost') {
      metrics.leader.set(0);
      await ctl.stopWorkers();
    }
    return held;
  };
  const done = run();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('stopping: finishing the reconciles in flight');
      abort.abort();
      await done;
      await ctl.stopWorkers();
      await elector?.release();
      metrics.leader.set(0);
      await ctl.sources.stop();
      await closeServers();
      api.close();
      log.info('stopped');
    })());

  return {
    controller: ctl,
    metrics,
    api,
    identity,
    ...(healthPort !== undefined ? { healthPort } : {}),
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    isLeader: () => (elector ? elector.isLeader : ctl.working),
    done,
    stop,
  };
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
