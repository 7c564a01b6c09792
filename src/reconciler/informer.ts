import type { Status } from 'kubernetes-types/meta/v1';
import { ApiError, WatchStalledError, type KubeApi, type WatchEvent } from './http';
import type { Logger } from './log';
import type { RawObject } from './observe';

/*
 * An informer: lists a collection once, then watches it from the list's resourceVersion, and keeps an
 * in-memory copy. It resumes a watch that ends from the last resourceVersion it saw (events and
 * bookmarks), relists when the server says that version is gone (410), retries failures with capped
 * exponential backoff, and restarts a watch that went quiet (no event and no bookmark within the idle
 * timeout: the API server sends a bookmark about once a minute to watches that ask for them).
 */

/** What happened to an object. */
export type ChangeType = 'add' | 'update' | 'delete';

/** Called for every change, after the cache has it. `old` is the previous copy on update. */
export type ChangeHandler = (type: ChangeType, object: RawObject, old: RawObject | undefined) => void;

/** Options of an {@link Informer}. */
export interface InformerOptions {
  readonly api: KubeApi;
  /** The collection's path, e.g. `/apis/apps/v1/statefulsets` or `/apis/apps/v1/namespaces/ns/statefulsets`. */
  readonly path: string;
  readonly labelSelector?: string;
  /** Name in logs and metrics, e.g. `statefulsets`. */
  readonly name: string;
  readonly log: Logger;
  /** Restart a watch that sent nothing for this long. @default 150000 */
  readonly idleTimeoutMs?: number;
  /** Retry delays after failures: first and cap. @default { initialMs: 250, maxMs: 30000 } */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Items per list page. @default 500 */
  readonly pageSize?: number;
  /**
   * Shared by the informers of one process: a list page is requested and trimmed only while holding it, so
   * that the first lists of every informer (a restart) hold one page in memory at a time, not one each.
   */
  readonly pageGate?: PageGate;
  /** Reduces an object to what the reconciler reads (the cache holds what this returns). */
  readonly trim?: (object: RawObject) => RawObject;
  /**
   * Lists and watches only the objects' metadata (PartialObjectMetadata: no spec, data or status crosses
   * the wire), cached as objects of this apiVersion and kind.
   * @default - whole objects
   */
  readonly metadataOnly?: { readonly apiVersion: string; readonly kind: string };
  /** Called when a watch or list fails, with why (`gone`, `stalled`, `error`). */
  readonly onRestart?: (reason: 'gone' | 'stalled' | 'error') => void;
}

/** The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(object: RawObject): string {
  const m = object.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}

/** True when resourceVersion `a` is older than `b` (both etcd revisions, compared as numbers when they are). */
export function olderVersion(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return a.length === b.length ? a < b : a.length < b.length;
}

/** The Accept header of a metadata-only list (with `List`) or watch. */
const PARTIAL_METADATA = 'application/json;as=PartialObjectMetadata';
const META_GROUP_VERSION = 'g=meta.k8s.io;v=v1';

const rvOf = (o: RawObject) => o.metadata?.resourceVersion as string | undefined;

/** Drops what no decision reads: managedFields. */
export function dropManagedFields(object: RawObject): RawObject {
  if (object.metadata?.managedFields === undefined) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/** One list page in flight at a time, in the order they were asked for. */
export class PageGate {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `work` once every page asked for before it is done. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

class GoneError extends Error {}

/** A listed and watched collection, cached in memory. */
export class Informer {
  private readonly store = new Map<string, RawObject>();
  private readonly indexes = new Map<string, { fn: (o: RawObject) => string[]; map: Map<string, Set<string>> }>();
  private readonly handlers: ChangeHandler[] = [];
  private readonly abort = new AbortController();
  private resourceVersion = '';
  private running: Promise<void> | undefined;
  private resolveSynced!: () => void;
  private readonly syncedPromise = new Promise<void>((r) => (this.resolveSynced = r));
  private isSynced = false;

  constructor(private readonly options: InformerOptions) {}

  /** The collection's name in logs and metrics. */
  get name(): string {
    return this.options.name;
  }

  /** True once the first list is in the cache. */
  get synced(): boolean {
    return this.isSynced;
  }

  /** Resolves once the first list is in the cache. */
  waitForSync(): Promise<void> {
    return this.syncedPromise;
  }

  /** Starts listing and watching in the background. */
  start(): void {
    this.running ??= this.run();
  }

  /** Ends the watch and waits for the loop to finish. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  /** Calls `handler` for every change from now on. */
  onChange(handler: ChangeHandler): void {
    this.handlers.push(handler);
  }

  /** Maintains an index: `fn` names the values an object is found under. */
  addIndex(name: string, fn: (object: RawObject) => string[]): void {
    const map = new Map<string, Set<string>>();
    for (const [key, o] of this.store) for (const v of fn(o)) add(map, v, key);
    this.indexes.set(name, { fn, map });
  }

  /** The objects an index has under `value`. */
  byIndex(name: string, value: string): RawObject[] {
    const keys = this.indexes.get(name)?.map.get(value);
    if (keys === undefined) return [];
    const out: RawObject[] = [];
    for (const k of keys) {
      const o = this.store.get(k);
      if (o !== undefined) out.push(o);
    }
    return out;
  }

  get(key: string): RawObject | undefined {
    return this.store.get(key);
  }

  list(): IterableIterator<RawObject> {
    return this.store.values();
  }

  get size(): number {
    return this.store.size;
  }

  /**
   * Puts an object the reconciler just wrote (the server's answer) into the cache, unless the cache already
   * has a newer version, so that the next decision sees it before its watch event arrives. No handler runs,
   * now or when the watch delivers the same version: the reconcile that wrote it has acted on it.
   */
  upsert(object: RawObject): void {
    const trimmed = this.trim(object);
    const key = objectKey(trimmed);
    const old = this.store.get(key);
    if (old !== undefined && !olderVersion(rvOf(old), rvOf(trimmed))) return;
    this.set(key, trimmed, old);
  }

  private trim(object: RawObject): RawObject {
    const stamped = this.options.metadataOnly ? { ...object, ...this.options.metadataOnly } : object;
    // The trim sees the managed fields (whether the reconciler wrote an object last); the cache never keeps them.
    return dropManagedFields(this.options.trim ? this.options.trim(stamped) : stamped);
  }

  private set(key: string, object: RawObject, old: RawObject | undefined): void {
    for (const { fn, map } of this.indexes.values()) {
      if (old !== undefined) for (const v of fn(old)) remove(map, v, key);
      for (const v of fn(object)) add(map, v, key);
    }
    this.store.set(key, object);
  }

  private delete(key: string, old: RawObject): void {
    for (const { fn, map } of this.indexes.values()) for (const v of fn(old)) remove(map, v, key);
    this.store.delete(key);
  }

  private emit(type: ChangeType, object: RawObject, old: RawObject | undefined): void {
    for (const handler of this.handlers) {
      try {
        handler(type, object, old);
      } catch (e) {
        this.options.log.error('change handler failed', { informer: this.name, error: e });
      }
    }
  }

  private async run(): Promise<void> {
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 250, maxMs: 30_000 };
    let delay = initialMs;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const started = Date.now();
      try {
        if (this.resourceVersion === '') await this.relist();
        await this.options.api.watch(this.options.path, {
          query: {
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            // The server ends each watch after 5-10 minutes (spread out, as client-go does); it is resumed.
            timeoutSeconds: 300 + Math.floor(Math.random() * 300),
            labelSelector: this.options.labelSelector,
          },
          onEvent: (event) => this.handle(event),
          idleTimeoutMs: this.options.idleTimeoutMs ?? 150_000,
          signal,
          ...(this.options.metadataOnly ? { accept: `${PARTIAL_METADATA};${META_GROUP_VERSION}` } : {}),
        });
        // The server ended the watch: resume at once, unless it ends them as soon as they start.
        if (Date.now() - started > 1000) {
          delay = initialMs;
          continue;
        }
      } catch (e) {
        if (signal.aborted) break;
        const gone = e instanceof GoneError || (e instanceof ApiError && e.status === 410);
        const reason = gone ? 'gone' : e instanceof WatchStalledError ? 'stalled' : 'error';
        this.options.onRestart?.(reason);
        if (gone) {
          this.options.log.info('resource version expired: relisting', { informer: this.name });
          this.resourceVersion = '';
          continue;
        }
        if (reason === 'stalled') {
          this.options.log.info('watch stalled: restarting it', { informer: this.name, error: e });
          continue;
        }
        this.options.log.error('list or watch failed', { informer: this.name, error: e, retryInMs: delay });
      }
      await sleep(delay * (0.8 + Math.random() * 0.4), signal);
      delay = Math.min(maxMs, delay * 2);
    }
  }

  private async relist(): Promise<void> {
    const items: RawObject[] = [];
    let cont: string | undefined;
    let listVersion: string | undefined;
    do {
      const fetchPage = async () => {
        const page = await this.options.api.request<{
          apiVersion?: string;
          kind?: string;
          metadata?: { resourceVersion?: string; continue?: string };
          items?: RawObject[];
        }>('GET', this.options.path, {
          query: { labelSelector: this.options.labelSelector, limit: this.options.pageSize ?? 500, continue: cont },
          ...(this.options.metadataOnly ? { accept: `${PARTIAL_METADATA}List;${META_GROUP_VERSION}` } : {}),
        });
        // List items come without apiVersion and kind: take them from the list.
        const kind = page.kind?.replace(/List$/, '');
        for (const item of page.items ?? []) items.push(this.trim({ apiVersion: page.apiVersion, kind, ...item }));
        // Only the list's own metadata outlives the gate: the page's items are trimmed copies now.
        return page.metadata ?? {};
      };
      const listed = await (this.options.pageGate?.run(fetchPage) ?? fetchPage());
      listVersion ??= listed.resourceVersion;
      cont = listed.continue || undefined;
    } while (cont !== undefined);
    const seen = new Set<string>();
    const changes: Array<[ChangeType, RawObject, RawObject | undefined]> = [];
    for (const item of items) {
      const key = objectKey(item);
      seen.add(key);
      const old = this.store.get(key);
      this.set(key, item, old);
      if (old === undefined) changes.push(['add', item, undefined]);
      else if (rvOf(old) !== rvOf(item)) changes.push(['update', item, old]);
    }
    for (const [key, old] of [...this.store]) {
      if (seen.has(key)) continue;
      this.delete(key, old);
      changes.push(['delete', old, undefined]);
    }
    this.resourceVersion = listVersion ?? '';
    if (!this.isSynced) {
      this.isSynced = true;
      this.resolveSynced();
    }
    for (const [type, object, old] of changes) this.emit(type, object, old);
  }

  private handle(event: WatchEvent): void {
    const object = event.object as RawObject;
    if (event.type === 'ERROR') {
      const status = event.object as Status;
      if (status.code === 410) throw new GoneError(status.message ?? 'gone');
      throw new ApiError('WATCH', this.options.path, status.code ?? 500, status.reason, status.message ?? '');
    }
    const version = rvOf(object);
    if (version !== undefined) this.resourceVersion = version;
    if (event.type === 'BOOKMARK') return;
    const trimmed = this.trim(object);
    const key = objectKey(trimmed);
    const old = this.store.get(key);
    if (event.type === 'DELETED') {
      if (old === undefined) return;
      this.delete(key, old);
      this.emit('delete', trimmed, undefined);
      return;
    }
    // The cache has this version already (the reconciler cached its own write) or a newer one: no change.
    if (old !== undefined && (version === rvOf(old) || olderVersion(version, rvOf(old)))) return;
    this.set(key, trimmed, old);
    this.emit(old === undefined ? 'add' : 'update', trimmed, old);
  }
}

function add(map: Map<string, Set<string>>, value: string, key: string): void {
  let keys = map.get(value);
  if (keys === undefined) map.set(value, (keys = new Set()));
  keys.add(key);
}

function remove(map: Map<string, Set<string>>, value: string, key: string): void {
  const keys = map.get(value);
  if (keys === undefined) return;
  keys.delete(key);
  if (keys.size === 0) map.delete(value);
}

/** Waits `ms`, or less if `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
