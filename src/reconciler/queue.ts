/*
 * The work queue: keys (namespace/name) to reconcile. A key is queued at most once; a key being worked on
 * is not handed out again until it is done (if it was added meanwhile, it is queued again then). Failed
 * keys come back after an exponential backoff per key, capped; success forgets the key's failures. Keys
 * come out first in, first out within a priority, urgent before high before normal.
 */

/** Options of a {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Delay after the first failure of a key; doubled after each further failure. @default 100 */
  readonly baseDelayMs?: number;
  /** Cap of the per-key delay. @default 60000 */
  readonly maxDelayMs?: number;
  /** Told, as a key is handed out, how long it waited since it became ready to be (its lane). */
  readonly onWaited?: (priority: Priority, ms: number) => void;
}

/**
 * How urgent a key is: `urgent` keys are handed out before any `high` one, `high` before any `normal`.
 * The reconciler queues a workspace `urgent` when what it waits for to create its workload (its node or
 * NodeClaim) became Ready, `high` on other changes of what it waits for, `normal` on its own changes.
 */
export type Priority = 'urgent' | 'high' | 'normal';

/** Lanes in the order they are served. */
const LANES: readonly Priority[] = ['urgent', 'high', 'normal'];
const rank = (p: Priority): number => LANES.indexOf(p);

/** A FIFO of keys; entries may be stale (the queue checks them when it takes one). */
class Lane {
  private items: string[] = [];
  private head = 0;

  push(key: string): void {
    this.items.push(key);
  }

  shift(): string | undefined {
    if (this.head >= this.items.length) return undefined;
    const key = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return key;
  }
}

/** A de-duplicating queue of keys with three priorities and per-key backoff. */
export class WorkQueue {
  private readonly lanes: Record<Priority, Lane> = { urgent: new Lane(), high: new Lane(), normal: new Lane() };
  /** Keys waiting to be handed out (queued, or added while being processed), with their lane. */
  private readonly dirty = new Map<string, Priority>();
  /** When each key waiting in a lane was put there (or moved up to a higher one). */
  private readonly readySince = new Map<string, number>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly onWaited: ((priority: Priority, ms: number) => void) | undefined;

  constructor(options: WorkQueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.onWaited = options.onWaited;
  }

  /** Keys queued and not yet handed out. */
  get length(): number {
    let n = 0;
    for (const key of this.dirty.keys()) if (!this.processing.has(key)) n++;
    return n;
  }

  /** Keys handed out and not done. */
  get inFlight(): number {
    return this.processing.size;
  }

  /** Whether the queue was shut down. */
  get isShutDown(): boolean {
    return this.closed;
  }

  /**
   * Queues `key` unless it is queued already; a key queued and added with a higher priority moves up.
   * Work that lets a workspace progress (its node became ready) goes first, so that it does not wait
   * behind a burst of new workspaces.
   */
  add(key: string, priority: Priority = 'normal'): void {
    if (this.closed) return;
    const queued = this.dirty.get(key);
    if (queued !== undefined) {
      if (rank(priority) < rank(queued)) {
        this.dirty.set(key, priority);
        if (!this.processing.has(key)) {
          this.lanes[priority].push(key);
          this.readySince.set(key, performance.now());
        }
      }
      return;
    }
    this.dirty.set(key, priority);
    if (this.processing.has(key)) return; // queued again when done
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      this.onWaited?.(priority, 0);
      waiter(key);
      return;
    }
    this.lanes[priority].push(key);
    this.readySince.set(key, performance.now());
  }

  /** Queues `key` after `ms` (the earliest of several pending delays wins). */
  addAfter(key: string, ms: number): void {
    if (this.closed) return;
    if (ms <= 0) return this.add(key);
    const at = Date.now() + ms;
    const pending = this.timers.get(key);
    if (pending !== undefined && pending.at <= at) return;
    if (pending !== undefined) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, { at, timer });
  }

  /** Queues `key` again after its backoff: 100 ms, 200 ms, 400 ms… up to the cap. Returns the delay. */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(n, 30));
    this.addAfter(key, delay);
    return delay;
  }

  /** Forgets the failures of `key` (after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How often `key` failed in a row. */
  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key, waiting for one; undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    for (const lane of LANES) {
      const key = this.take(lane);
      if (key !== undefined) return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The first live entry of a lane, now processing. */
  private take(lane: Priority): string | undefined {
    for (let key = this.lanes[lane].shift(); key !== undefined; key = this.lanes[lane].shift()) {
      if (this.dirty.get(key) !== lane || this.processing.has(key)) continue; // stale entry
      this.dirty.delete(key);
      this.processing.add(key);
      const since = this.readySince.get(key);
      this.readySince.delete(key);
      if (since !== undefined) this.onWaited?.(lane, performance.now() - since);
      return key;
    }
    return undefined;
  }

  /** Marks `key` done; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    const again = this.dirty.get(key);
    if (again !== undefined) {
      this.dirty.delete(key);
      this.add(key, again);
    }
    if (this.processing.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Stops handing out keys (waiting `get`s resolve undefined) and drops pending delays. */
  shutDown(): void {
    this.closed = true;
    this.readySince.clear();
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** Resolves when no key is being processed. */
  drained(): Promise<void> {
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
