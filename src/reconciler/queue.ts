/*
 * The work queue: keys (namespace/name) to reconcile. A key is queued at most once; a key being worked on
 * is not handed out again until it is done (if it was added meanwhile, it is queued again then). Failed
 * keys come back after an exponential backoff per key, capped; success forgets the key's failures.
 */

/** Options of a {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Delay after the first failure of a key; doubled after each further failure. @default 100 */
  readonly baseDelayMs?: number;
  /** Cap of the per-key delay. @default 60000 */
  readonly maxDelayMs?: number;
}

/** A de-duplicating queue of keys with per-key backoff. */
export class WorkQueue {
  private readonly queue: string[] = [];
  private head = 0;
  /** Keys waiting to be handed out (queued, or added while being processed). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(options: WorkQueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  /** Keys queued and not yet handed out. */
  get length(): number {
    return this.queue.length - this.head;
  }

  /** Keys handed out and not done. */
  get inFlight(): number {
    return this.processing.size;
  }

  /** Whether the queue was shut down. */
  get isShutDown(): boolean {
    return this.closed;
  }

  /** Queues `key` unless it is queued already. */
  add(key: string): void {
    if (this.closed || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // queued again when done
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
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
    if (this.length > 0) {
      const key = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` done; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
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
