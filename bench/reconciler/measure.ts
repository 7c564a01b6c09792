import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { KubeApi } from '../../src/reconciler/http';
import { Informer } from '../../src/reconciler/informer';
import { silentLogger } from '../../src/reconciler/log';
import type { RawObject } from '../../src/reconciler/observe';

/*
 * What the benchmark measures: when workspaces become Ready, when their workloads appear, and what a
 * process's memory peaked at.
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

const isReady = (ws: RawObject) =>
  ((ws.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some(
    (c) => c.type === 'WorkspaceReady' && c.status === 'True',
  );

/** Watches one namespace's workspaces and workloads, noting when each became Ready and got its workload. */
export class Observer {
  /** When each workspace (by name) was first seen Ready, ms since the epoch. */
  readonly readyAt = new Map<string, number>();
  /** When each workload (named after its workspace) appeared, ms since the epoch. */
  readonly workloadAt = new Map<string, number>();
  private readonly informers: Informer[];
  private waiting: { n: number; resolve: () => void } | undefined;

  constructor(api: KubeApi, namespace: string) {
    const make = (name: string, path: string) =>
      new Informer({ api, name, path, log: silentLogger, backoff: { initialMs: 100, maxMs: 1000 } });
    const workspaces = make('workspaces', `/apis/kaito.sh/v1beta1/namespaces/${namespace}/workspaces`);
    const statefulSets = make('statefulsets', `/apis/apps/v1/namespaces/${namespace}/statefulsets`);
    workspaces.onChange((type, ws) => {
      const name = ws.metadata?.name ?? '';
      if (type !== 'delete' && isReady(ws) && !this.readyAt.has(name)) {
        this.readyAt.set(name, Date.now());
        if (this.waiting && this.readyAt.size >= this.waiting.n) this.waiting.resolve();
      }
    });
    statefulSets.onChange((type, sts) => {
      const name = sts.metadata?.name ?? '';
      if (type === 'add' && !this.workloadAt.has(name)) this.workloadAt.set(name, Date.now());
    });
    this.informers = [workspaces, statefulSets];
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

  /** Milliseconds from each workspace's node becoming Ready to its workload appearing. */
  latencies(nodeReadyAt: ReadonlyMap<string, number>, namespace: string): number[] {
    const out: number[] = [];
    for (const [name, at] of this.workloadAt) {
      const ready = nodeReadyAt.get(`${namespace}/${name}`);
      if (ready !== undefined) out.push(at - ready);
    }
    return out;
  }
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
