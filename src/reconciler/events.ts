import { randomBytes } from 'node:crypto';
import { EVENT_MESSAGE_MAX_BYTES, EVENT_REASON_MAX_BYTES, truncateText } from './bounded';
import type { WorkspaceEvent } from './conditions';
import type { KubeApi } from './http';
import type { Logger } from './log';
import type { ReconcilerMetrics } from './metrics';
import type { RawObject } from './observe';

/*
 * Events on Workspaces (core/v1, which `kubectl describe workspace` lists). They are sent in the
 * background, a few at a time, so that a reconcile does not wait for them; each is also logged at once.
 * If the API server falls far behind, the oldest pending events are dropped (and counted), as client-go's
 * recorder does: events inform, they are not state.
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
}

interface Pending {
  readonly namespace: string;
  readonly body: Record<string, unknown>;
}

/** Records events on workspaces, in the background. */
export class EventRecorder {
  private readonly pending: Pending[] = [];
  private inFlight = 0;
  private idle: Array<() => void> = [];

  constructor(private readonly options: EventRecorderOptions) {}

  /** Logs `events` and queues them for the API server. */
  record(workspace: RawObject, events: readonly WorkspaceEvent[]): void {
    const meta = workspace.metadata ?? {};
    const now = new Date().toISOString();
    const { component, instance } = this.options;
    for (const event of events) {
      this.options.log.info(event.message, {
        workspace: `${meta.namespace}/${meta.name}`,
        type: event.type,
        reason: event.reason,
      });
      const name = `${meta.name}.${Date.now().toString(16)}${randomBytes(4).toString('hex')}`;
      this.pending.push({
        namespace: meta.namespace ?? '',
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace: meta.namespace },
          involvedObject: {
            apiVersion: 'kaito.sh/v1beta1',
            kind: 'Workspace',
            name: meta.name,
            namespace: meta.namespace,
            uid: meta.uid,
            resourceVersion: meta.resourceVersion,
          },
          type: event.type,
          reason: truncateText(event.reason, EVENT_REASON_MAX_BYTES),
          message: truncateText(event.message, EVENT_MESSAGE_MAX_BYTES),
          source: { component },
          reportingComponent: component,
          reportingInstance: instance,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    }
    const excess = this.pending.length - (this.options.maxPending ?? 1000);
    if (excess > 0) {
      this.pending.splice(0, excess);
      this.options.metrics?.events.inc({ type: 'dropped' }, excess);
    }
    this.pump();
  }

  /** Resolves once every queued event was sent (or failed). */
  flush(): Promise<void> {
    if (this.pending.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < (this.options.concurrency ?? 8) && this.pending.length > 0) {
      const { namespace, body } = this.pending.shift()!;
      this.inFlight++;
      this.options.api
        .request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, { body })
        .then(
          () => this.options.metrics?.events.inc({ type: String(body.type) }),
          (e: unknown) => this.options.log.error('could not record an event', { namespace, error: e }),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
          if (this.pending.length === 0 && this.inFlight === 0) for (const done of this.idle.splice(0)) done();
        });
    }
  }
}
