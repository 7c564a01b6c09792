import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1';
import { isStatus, type KubeApi } from './http';
import { sleep } from './informer';
import type { Logger } from './log';

/*
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: a candidate takes the lease
 * when it is free or its holder has not renewed it for the lease duration (measured on the candidate's
 * own clock, from when it last saw the lease change, so clocks need not agree); the leader renews it every
 * retry period and gives up leading when it could not renew within the renew deadline. Writes carry the
 * lease's resourceVersion, so of two candidates only one wins. On shutdown the leader releases the lease
 * (empty holder), and a standby takes over at its next try instead of waiting for the lease to run out.
 */

/** Options of a {@link LeaderElector}. */
export interface LeaderElectionOptions {
  readonly api: KubeApi;
  /** Namespace of the Lease. */
  readonly namespace: string;
  /** Name of the Lease. @default 'kaito-reconciler' */
  readonly name?: string;
  /** This candidate's identity. @default `<hostname>_<uuid>` */
  readonly identity?: string;
  /** How long a lease holds without renewal. @default 15000 */
  readonly leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it stops leading. @default 10000 */
  readonly renewDeadlineMs?: number;
  /** Time between tries (to acquire, or to renew). @default 2000 */
  readonly retryPeriodMs?: number;
  readonly log: Logger;
}

/** RFC 3339 with microseconds, as the Lease's MicroTime fields want it. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Leader election for one candidate. */
export class LeaderElector {
  readonly identity: string;
  readonly name: string;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private observed: { spec: string; at: number } | undefined;
  private leading = false;

  constructor(private readonly options: LeaderElectionOptions) {
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.name = options.name ?? 'kaito-reconciler';
    this.leaseMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryMs = options.retryPeriodMs ?? 2_000;
    if (!(this.leaseMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryMs && this.retryMs > 0)) {
      throw new Error('leader election: need lease duration > renew deadline > retry period > 0');
    }
  }

  /** True while this candidate holds the lease. */
  get isLeader(): boolean {
    return this.leading;
  }

  private get path(): string {
    const ns = encodeURIComponent(this.options.namespace);
    return `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;
  }

  /** Tries every retry period until this candidate leads (true) or `signal` aborts (false). */
  async acquire(signal: AbortSignal): Promise<boolean> {
    this.options.log.info('waiting for the leader lease', { lease: this.name, identity: this.identity });
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.options.log.info('became the leader', { lease: this.name, identity: this.identity });
        return true;
      }
      await sleep(this.retryMs * (1 + Math.random() * 0.2), signal);
    }
    return false;
  }

  /** Renews the lease until `signal` aborts ('stopped') or a renewal fails past the deadline ('lost'). */
  async hold(signal: AbortSignal): Promise<'lost' | 'stopped'> {
    let renewed = performance.now();
    while (!signal.aborted) {
      await sleep(this.retryMs, signal);
      if (signal.aborted) break;
      if (await this.tryAcquireOrRenew()) renewed = performance.now();
      else if (performance.now() - renewed > this.renewDeadlineMs) {
        this.leading = false;
        this.options.log.error('lost the leader lease', { lease: this.name, identity: this.identity });
        return 'lost';
      }
    }
    return 'stopped';
  }

  /** Gives the lease up (empty holder), if this candidate holds it, so that another takes over at once. */
  async release(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.options.api.request<Lease>('GET', `${this.path}/${this.name}`, this.timeout());
      if (lease.spec?.holderIdentity !== this.identity) return;
      const now = microTime(new Date());
      await this.options.api.request('PUT', `${this.path}/${this.name}`, {
        ...this.timeout(),
        body: {
          ...lease,
          spec: {
            holderIdentity: '',
            leaseDurationSeconds: 1,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: lease.spec?.leaseTransitions ?? 0,
          },
        },
      });
      this.options.log.info('released the leader lease', { lease: this.name, identity: this.identity });
    } catch (e) {
      this.options.log.error('could not release the leader lease', { lease: this.name, error: e });
    }
  }

  private timeout() {
    return { timeoutMs: Math.max(1000, Math.floor(this.renewDeadlineMs / 2)) };
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const seconds = Math.max(1, Math.round(this.leaseMs / 1000));
    const mine = (previous?: LeaseSpec): LeaseSpec => ({
      holderIdentity: this.identity,
      leaseDurationSeconds: seconds,
      acquireTime: previous?.holderIdentity === this.identity ? previous.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions:
        (previous?.leaseTransitions ?? 0) + (previous && previous.holderIdentity !== this.identity ? 1 : 0),
    });
    try {
      let lease: Lease;
      try {
        lease = await this.options.api.request<Lease>('GET', `${this.path}/${this.name}`, this.timeout());
      } catch (e) {
        if (!isStatus(e, 404)) throw e;
        const spec = mine();
        await this.options.api.request('POST', this.path, {
          ...this.timeout(),
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name }, spec },
        });
        this.observed = { spec: JSON.stringify(spec), at: performance.now() };
        return true;
      }
      const spec = lease.spec ?? {};
      const seen = JSON.stringify(spec);
      if (this.observed?.spec !== seen) this.observed = { spec: seen, at: performance.now() };
      const holder = spec.holderIdentity ?? '';
      const heldFor = (spec.leaseDurationSeconds ?? seconds) * 1000;
      if (holder !== '' && holder !== this.identity && performance.now() - this.observed.at < heldFor) {
        return false;
      }
      const next = mine(spec);
      await this.options.api.request('PUT', `${this.path}/${this.name}`, {
        ...this.timeout(),
        body: { ...lease, spec: next },
      });
      this.observed = { spec: JSON.stringify(next), at: performance.now() };
      return true;
    } catch (e) {
      // 409: another candidate wrote the lease first. Anything else: try again next period.
      if (!isStatus(e, 409)) this.options.log.error('leader lease request failed', { lease: this.name, error: e });
      return false;
    }
  }
}
