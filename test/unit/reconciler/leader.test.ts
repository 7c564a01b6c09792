import { LeaderElector, microTime } from '../../../src/reconciler/leader';
import { silentLogger } from '../../../src/reconciler/log';
import { FakeApiServer, json, status } from './fake-api';

/** Leader election against a fake API server that stores one Lease with resourceVersion checks. */

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion: string };
  spec: { holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number };
}

const PATH = '/apis/coordination.k8s.io/v1/namespaces/ops/leases';
let server: FakeApiServer;
let lease: Lease | undefined;
let version = 0;
/** Identities whose writes fail with 500 (their renewals do not get through). */
const failing = new Set<string>();

beforeEach(async () => {
  lease = undefined;
  failing.clear();
  server = await FakeApiServer.start((req, res) => {
    const body = req.body as Lease | undefined;
    if (body !== undefined && failing.has(body.spec.holderIdentity ?? ''))
      return json(res, 500, status(500, 'InternalError'));
    if (req.method === 'GET' && req.path === `${PATH}/kaito-reconciler`) {
      return lease ? json(res, 200, lease) : json(res, 404, status(404, 'NotFound'));
    }
    if (req.method === 'POST' && req.path === PATH) {
      if (lease) return json(res, 409, status(409, 'AlreadyExists'));
      lease = { ...body!, metadata: { ...body!.metadata, namespace: 'ops', resourceVersion: String(++version) } };
      return json(res, 201, lease);
    }
    if (req.method === 'PUT' && req.path === `${PATH}/kaito-reconciler`) {
      if (!lease || body!.metadata.resourceVersion !== lease.metadata.resourceVersion) {
        return json(res, 409, status(409, 'Conflict'));
      }
      lease = { ...body!, metadata: { ...body!.metadata, resourceVersion: String(++version) } };
      return json(res, 200, lease);
    }
    json(res, 404, status(404, 'NotFound'));
  });
});

afterEach(() => server.close());

const candidate = (identity: string) =>
  new LeaderElector({
    api: server.client(),
    namespace: 'ops',
    identity,
    leaseDurationMs: 1000,
    renewDeadlineMs: 600,
    retryPeriodMs: 100,
    log: silentLogger,
  });

test('one candidate leads; another takes over once the lease runs out; a released lease is taken at once', async () => {
  const a = candidate('a');
  const b = candidate('b');
  const stopA = new AbortController();
  expect(await a.acquire(stopA.signal)).toBe(true);
  const holdingA = a.hold(stopA.signal);
  expect(lease?.spec).toMatchObject({ holderIdentity: 'a', leaseTransitions: 0, leaseDurationSeconds: 1 });

  // b waits while a renews.
  const stopB = new AbortController();
  let bLeads = false;
  const acquiringB = b.acquire(stopB.signal).then((won) => (bLeads = won));
  await new Promise((r) => setTimeout(r, 1500));
  expect(bLeads).toBe(false);

  // a stops renewing (as if it died): b takes over after the lease duration.
  stopA.abort();
  expect(await holdingA).toBe('stopped');
  const stopped = Date.now();
  expect(await acquiringB).toBe(true);
  expect(Date.now() - stopped).toBeGreaterThanOrEqual(800);
  expect(lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });

  // b releases: c gets it at its first try.
  await b.release();
  expect(lease?.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 1 });
  const c = candidate('c');
  const started = Date.now();
  expect(await c.acquire(new AbortController().signal)).toBe(true);
  expect(Date.now() - started).toBeLessThan(300);
  expect(lease?.spec).toMatchObject({ holderIdentity: 'c', leaseTransitions: 2 });
});

test('a leader that cannot renew within the renew deadline stops leading', async () => {
  const a = candidate('a');
  const stop = new AbortController();
  expect(await a.acquire(stop.signal)).toBe(true);
  failing.add('a');
  const started = Date.now();
  expect(await a.hold(stop.signal)).toBe('lost');
  expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  expect(a.isLeader).toBe(false);
});

test('settings must be ordered: lease duration > renew deadline > retry period', () => {
  expect(
    () =>
      new LeaderElector({
        api: server.client(),
        namespace: 'ops',
        leaseDurationMs: 1000,
        renewDeadlineMs: 1000,
        retryPeriodMs: 100,
        log: silentLogger,
      }),
  ).toThrow('lease duration > renew deadline > retry period');
});

test('MicroTime has microseconds', () => {
  expect(microTime(new Date('2026-11-22T10:00:00.123Z'))).toBe('2026-11-22T10:00:00.123000Z');
});
