import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { loadavg } from 'node:os';
import type { KubeConnection } from '../../test/cluster/support';
import type { KubeApi } from '../../src/reconciler/http';
import { Informer } from '../../src/reconciler/informer';
import { silentLogger } from '../../src/reconciler/log';
import type { RawObject } from '../../src/reconciler/observe';

/*
 * What the benchmark measures: when workspaces become Ready, when their nodes and NodeClaims become Ready and
 * their workloads appear (as a watcher in this process sees them), what a process's memory peaked at, and
 * how many lists the API server served.
 */

/** The `p`th percentile (0-100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Peak and current resident memory of a process, in MiB (Linux /proc). */
export function memoryOf(pid: number): { peakMiB: number; rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
}

/** The 1-minute load average, and the number of CPUs. */
export function load(): string {
  return loadavg()[0]!.toFixed(2);
}

/** True when `object` has condition `type` with status True. */
export const hasCondition = (object: RawObject, type: string): boolean =>
  ((object.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some(
    (c) => c.type === type && c.status === 'True',
  );

/**
 * Watches one namespace's workspaces and workloads, and the nodes and NodeClaims labelled with it, noting
 * when each workspace became Ready, its node and its claim became Ready, and its workload appeared.
 */
export class Observer {
  /** When each workspace (by name) was first seen Ready, ms since the epoch. */
  readonly readyAt = new Map<string, number>();
  /** When each workload (named after its workspace) appeared, ms since the epoch. */
  readonly workloadAt = new Map<string, number>();
  /** When the node of each workspace (label kaito.sh/workspace) was first seen with Ready True. */
  readonly nodeReadyAt = new Map<string, number>();
  /** When the NodeClaim of each workspace was first seen with Ready True. */
  readonly claimReadyAt = new Map<string, number>();
  /** When each workspace appeared. */
  readonly createdAt = new Map<string, number>();
  /** When the NodeClaim of each workspace appeared. */
  readonly claimCreatedAt = new Map<string, number>();
  private readonly informers: Informer[];
  private waiting: { n: number; resolve: () => void } | undefined;

  constructor(api: KubeApi, namespace: string) {
    const make = (name: string, path: string, labelSelector?: string) =>
      new Informer({
        api,
        name,
        path,
        log: silentLogger,
        backoff: { initialMs: 100, maxMs: 1000 },
        ...(labelSelector ? { labelSelector } : {}),
      });
    const selector = `kaito.sh/workspacenamespace=${namespace}`;
    const workspaces = make('workspaces', `/apis/kaito.sh/v1beta1/namespaces/${namespace}/workspaces`);
    const statefulSets = make('statefulsets', `/apis/apps/v1/namespaces/${namespace}/statefulsets`);
    const nodes = make('nodes', '/api/v1/nodes', selector);
    const claims = make('nodeclaims', '/apis/karpenter.sh/v1/nodeclaims', selector);
    workspaces.onChange((type, ws) => {
      const name = ws.metadata?.name ?? '';
      if (!this.createdAt.has(name)) this.createdAt.set(name, Date.now());
      if (type !== 'delete' && hasCondition(ws, 'WorkspaceReady') && !this.readyAt.has(name)) {
        this.readyAt.set(name, Date.now());
        if (this.waiting && this.readyAt.size >= this.waiting.n) this.waiting.resolve();
      }
    });
    statefulSets.onChange((type, sts) => {
      const name = sts.metadata?.name ?? '';
      if (type === 'add' && !this.workloadAt.has(name)) this.workloadAt.set(name, Date.now());
    });
    const firstReady = (at: Map<string, number>) => (type: string, o: RawObject) => {
      const name = o.metadata?.labels?.['kaito.sh/workspace'];
      if (name !== undefined && type !== 'delete' && hasCondition(o, 'Ready') && !at.has(name))
        at.set(name, Date.now());
    };
    nodes.onChange(firstReady(this.nodeReadyAt));
    claims.onChange(firstReady(this.claimReadyAt));
    claims.onChange((_type, c) => {
      const name = c.metadata?.labels?.['kaito.sh/workspace'];
      if (name !== undefined && !this.claimCreatedAt.has(name)) this.claimCreatedAt.set(name, Date.now());
    });
    this.informers = [workspaces, statefulSets, nodes, claims];
  }

  async start(): Promise<void> {
    for (const i of this.informers) i.start();
    await Promise.all(this.informers.map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  /** Resolves once `n` workspaces were seen Ready; rejects after `timeoutMs`. */
  allReady(n: number, timeoutMs: number): Promise<void> {
    if (this.readyAt.size >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.readyAt.size}/${n} workspaces Ready after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting = {
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }

  /** Milliseconds from each workspace's node (or, with `from: 'claim'`, its claim) becoming Ready to its workload appearing. */
  latencies(from: 'node' | 'claim' = 'node'): number[] {
    return gaps(from === 'node' ? this.nodeReadyAt : this.claimReadyAt, this.workloadAt);
  }

  /**
   * Where each workspace's time went, p50 and p95 in ms: created to its claim (the reconciler), the claim to
   * its node Ready (Karpenter, KWOK), node Ready to claim Ready (Karpenter), claim Ready to the workload (the
   * reconciler), the workload to WorkspaceReady (controller-manager, scheduler, KWOK, the reconciler).
   */
  phases(): Record<string, { p50: number; p95: number }> {
    const steps: Array<[string, Map<string, number>, Map<string, number>]> = [
      ['createdToClaim', this.createdAt, this.claimCreatedAt],
      ['claimToNodeReady', this.claimCreatedAt, this.nodeReadyAt],
      ['nodeReadyToClaimReady', this.nodeReadyAt, this.claimReadyAt],
      ['claimReadyToWorkload', this.claimReadyAt, this.workloadAt],
      ['workloadToReady', this.workloadAt, this.readyAt],
    ];
    return Object.fromEntries(
      steps.map(([name, from, to]) => {
        const d = gaps(from, to);
        return [name, { p50: percentile(d, 50), p95: percentile(d, 95) }];
      }),
    );
  }
}

/** `to - from` for each name in both. */
function gaps(from: ReadonlyMap<string, number>, to: ReadonlyMap<string, number>): number[] {
  const out: number[] = [];
  for (const [name, at] of to) {
    const start = from.get(name);
    if (start !== undefined) out.push(at - start);
  }
  return out;
}

/** The API server's `apiserver_request_total` for LIST requests, summed by resource (all clients). */
export async function apiserverLists(connection: KubeConnection): Promise<Record<string, number>> {
  const url = new URL('/metrics', connection.server);
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(
      url,
      {
        ...(connection.ca ? { ca: connection.ca } : {}),
        ...(connection.cert ? { cert: connection.cert } : {}),
        ...(connection.key ? { key: connection.key } : {}),
        ...(connection.token ? { headers: { authorization: `Bearer ${connection.token}` } } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`metrics: ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end();
  });
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{') || !line.includes('verb="LIST"')) continue;
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    out[resource] = (out[resource] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

/** `after - before`, by key, without the keys that did not move. */
export function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v !== 0),
  );
}

/** Runs `work` on every item, `n` at a time. */
export async function eachLimited<T>(items: readonly T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
