import { randomBytes } from 'node:crypto';
import { EVENT_MESSAGE_MAX_BYTES, EVENT_REASON_MAX_BYTES, truncateText } from './bounded';
import type { WorkspaceEvent } from './conditions';
import { isStatus, type KubeApi } from './http';
import type { Logger } from './log';
import type { ReconcilerMetrics } from './metrics';
import type { RawObject } from './observe';

/*
 * Events on Workspaces (core/v1, which `kubectl describe workspace` lists). They are sent in the
 * background, a few at a time, so that a reconcile does not wait for them; each is also logged at once.
 * A repeat of an event (same workspace, type, reason and message) is not a new object: as client-go's
 * recorder does, it raises the `count` and `lastTimestamp` of the one already sent (one PATCH), and repeats
 * that come while the first is still queued are folded into it (no request at all). If the API server falls
 * far behind, the oldest pending events are dropped (and counted): events inform, they are not state.
 */

/** Options of an {@link EventRecorder}. */
export interface EventRecorderOptions {
  readonly api: KubeApi;
  readonly log: Logger;
  readonly metrics?: ReconcilerMetrics;
  /** The component that reports, as `source.component` and `reportingComponent`. */
  readonly component: string;
  /** This process, as `reportingInstance`. */
  readonly instance: string;
  /** Events sent at the same time. @default 8 */
  readonly concurrency?: number;
  /** Events waiting to be sent, beyond which the oldest are dropped. @default 1000 */
  readonly maxPending?: number;
  /** Sent events remembered for aggregating their repeats (least recently seen forgotten first). @default 4096 */
  readonly maxRemembered?: number;
}

/** An event waiting to be sent: a new one, or the repeats of one already sent. */
interface Pending {
  readonly key: string;
  readonly namespace: string;
  readonly workspace: string;
  readonly body: Record<string, unknown>;
  /** Occurrences not yet on the server. */
  repeats: number;
  readonly firstTimestamp: string;
  lastTimestamp: string;
}

/** An event on the server, as far as this process knows. */
interface Sent {
  readonly name: string;
  readonly firstTimestamp: string;
  count: number;
}

/** Records events on workspaces, in the background, aggregating repeats. */
export class EventRecorder {
  private readonly pending: Pending[] = [];
  /** The queued entry of each key, to fold a repeat into. */
  private readonly queued = new Map<string, Pending>();
  /** Sent events by key, in least-recently-seen order. */
  private readonly sent = new Map<string, Sent>();
  /** Keys being sent: a repeat waits for its first occurrence, so as to raise its count. */
  private readonly sending = new Set<string>();
  private idle: Array<() => void> = [];

  constructor(private readonly options: EventRecorderOptions) {}

  /** Logs `events` and queues them for the API server. */
  record(workspace: RawObject, events: readonly WorkspaceEvent[]): void {
    const meta = workspace.metadata ?? {};
    const now = new Date().toISOString();
    const { component, instance } = this.options;
    for (const event of events) {
      this.note(workspace, event.message, { type: event.type, reason: event.reason });
      const reason = truncateText(event.reason, EVENT_REASON_MAX_BYTES);
      const message = truncateText(event.message, EVENT_MESSAGE_MAX_BYTES);
      const namespace = meta.namespace ?? '';
      // The uid tells a workspace from an earlier one of the same name.
      const key = JSON.stringify([namespace, meta.name, meta.uid, event.type, reason, message]);
      const waiting = this.queued.get(key);
      if (waiting !== undefined) {
        waiting.repeats++;
        waiting.lastTimestamp = now;
        continue;
      }
      const entry: Pending = {
        key,
        namespace,
        workspace: meta.name ?? '',
        repeats: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { namespace: meta.namespace },
          involvedObject: {
            apiVersion: 'kaito.sh/v1beta1',
            kind: 'Workspace',
            name: meta.name,
            namespace: meta.namespace,
            uid: meta.uid,
            resourceVersion: meta.resourceVersion,
          },
          type: event.type,
          reason,
          message,
          source: { component },
          reportingComponent: component,
          reportingInstance: instance,
        },
      };
      this.pending.push(entry);
      this.queued.set(key, entry);
    }
    const excess = this.pending.length - (this.options.maxPending ?? 1000);
    if (excess > 0) {
      for (const dropped of this.pending.splice(0, excess)) this.queued.delete(dropped.key);
      this.options.metrics?.events.inc({ type: 'dropped' }, excess);
    }
    this.pump();
  }

  /** Logs what the reconciler did for a workspace without making it an event (no user acts on it). */
  note(workspace: RawObject, message: string, fields: Record<string, unknown> = {}): void {
    const meta = workspace.metadata ?? {};
    this.options.log.info(message, { workspace: `${meta.namespace}/${meta.name}`, ...fields });
  }

  /** Resolves once every queued event was sent (or failed). */
  flush(): Promise<void> {
    if (this.pending.length === 0 && this.sending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.sending.size < (this.options.concurrency ?? 8)) {
      const at = this.pending.findIndex((p) => !this.sending.has(p.key));
      if (at < 0) break;
      const [entry] = this.pending.splice(at, 1) as [Pending];
      // From here on a repeat is a new occurrence, sent after this one.
      this.queued.delete(entry.key);
      this.sending.add(entry.key);
      const occurrences = entry.repeats;
      this.send(entry)
        .then(
          () => this.options.metrics?.events.inc({ type: String(entry.body.type) }, occurrences),
          (e: unknown) => this.options.log.error('could not record an event', { namespace: entry.namespace, error: e }),
        )
        .finally(() => {
          this.sending.delete(entry.key);
          this.pump();
          if (this.pending.length === 0 && this.sending.size === 0) for (const done of this.idle.splice(0)) done();
        });
    }
  }

  /** Raises the count of the event already sent for `entry`, or creates it (again, if it expired). */
  private async send(entry: Pending): Promise<void> {
    const collection = `/api/v1/namespaces/${encodeURIComponent(entry.namespace)}/events`;
    const known = this.sent.get(entry.key);
    if (known !== undefined) {
      const count = known.count + entry.repeats;
      try {
        await this.options.api.request('PATCH', `${collection}/${encodeURIComponent(known.name)}`, {
          contentType: 'application/merge-patch+json',
          body: { count, lastTimestamp: entry.lastTimestamp },
        });
        known.count = count;
        this.remember(entry.key, known);
        return;
      } catch (e) {
        // Gone (events expire after the API server's --event-ttl): recorded anew below, with every occurrence.
        if (!isStatus(e, 404)) throw e;
        this.sent.delete(entry.key);
      }
    }
    const count = (known?.count ?? 0) + entry.repeats;
    const firstTimestamp = known?.firstTimestamp ?? entry.firstTimestamp;
    const name = `${entry.workspace}.${Date.now().toString(16)}${randomBytes(4).toString('hex')}`;
    const body = {
      ...entry.body,
      metadata: { ...(entry.body.metadata as object), name },
      firstTimestamp,
      lastTimestamp: entry.lastTimestamp,
      count,
    };
    await this.options.api.request('POST', collection, { body });
    this.remember(entry.key, { name, firstTimestamp, count });
  }

  private remember(key: string, sent: Sent): void {
    this.sent.delete(key);
    this.sent.set(key, sent);
    const max = this.options.maxRemembered ?? 4096;
    for (const oldest of this.sent.keys()) {
      if (this.sent.size <= max) break;
      this.sent.delete(oldest);
    }
  }
}
