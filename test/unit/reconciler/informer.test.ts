import type { ServerResponse } from 'node:http';
import { Informer, PageGate, olderVersion, type ChangeType } from '../../../src/reconciler/informer';
import { silentLogger } from '../../../src/reconciler/log';
import type { RawObject } from '../../../src/reconciler/observe';
import { FakeApiServer, json, status, type FakeRequest } from './fake-api';

/** An informer of ConfigMaps against a scripted fake API server: one script step per list or watch. */

const PATH = '/api/v1/namespaces/ns/configmaps';
const cm = (name: string, rv: string, data = 'x'): RawObject => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv, managedFields: [{ manager: 'm' }] },
  data: { v: data },
});
const line = (res: ServerResponse, type: string, object: unknown) => res.write(JSON.stringify({ type, object }) + '\n');
const watchOpen = (res: ServerResponse) => res.writeHead(200, { 'Content-Type': 'application/json' });

type Step = (req: FakeRequest, res: ServerResponse) => void;

let server: FakeApiServer;
let steps: Step[];
let informer: Informer | undefined;
let changes: Array<[ChangeType, string, string | undefined]>;

beforeEach(async () => {
  steps = [];
  changes = [];
  server = await FakeApiServer.start((req, res) => {
    const step = steps.shift();
    if (step === undefined)
      watchOpen(res); // nothing scripted: an idle watch
    else step(req, res);
  });
});

afterEach(async () => {
  await informer?.stop();
  informer = undefined;
  await server.close();
});

function start(
  options: { idleTimeoutMs?: number; labelSelector?: string; metadataOnly?: { apiVersion: string; kind: string } } = {},
): Informer {
  informer = new Informer({
    api: server.client(),
    path: PATH,
    name: 'configmaps',
    log: silentLogger,
    backoff: { initialMs: 20, maxMs: 100 },
    pageSize: 2,
    ...options,
  });
  informer.onChange((type, o) => changes.push([type, o.metadata?.name ?? '', o.metadata?.resourceVersion as string]));
  informer.start();
  return informer;
}

const until = async (check: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met; changes: ${JSON.stringify(changes)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const requests = () => server.requests.map((r) => `${r.query.get('watch') ? 'watch' : 'list'} ${r.query.toString()}`);

test('lists page by page, then watches from the list version; events and bookmarks move the version', async () => {
  steps.push(
    (_req, res) =>
      json(res, 200, {
        kind: 'ConfigMapList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '10', continue: 'c1' },
        items: [cm('a', '5'), cm('b', '6')],
      }),
    (_req, res) =>
      json(res, 200, {
        kind: 'ConfigMapList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '10' },
        items: [cm('c', '7')],
      }),
    (_req, res) => {
      watchOpen(res);
      line(res, 'ADDED', cm('d', '11'));
      line(res, 'MODIFIED', cm('a', '12', 'y'));
      line(res, 'DELETED', cm('b', '13'));
      line(res, 'BOOKMARK', { metadata: { resourceVersion: '20' } });
      res.end();
    },
  );
  const i = start({ labelSelector: 'kaito.sh/workspace' });
  await i.waitForSync();
  await until(() => server.requests.length >= 4);
  expect(changes).toEqual([
    ['add', 'a', '5'],
    ['add', 'b', '6'],
    ['add', 'c', '7'],
    ['add', 'd', '11'],
    ['update', 'a', '12'],
    ['delete', 'b', '13'],
  ]);
  expect([...i.list()].map((o) => o.metadata?.name).sort()).toEqual(['a', 'c', 'd']);
  // List items get apiVersion and kind from the list; managedFields are dropped.
  expect(i.get('ns/c')).toEqual({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'ns', resourceVersion: '7' },
    data: { v: 'x' },
  });
  const [list1, list2, watch1, watch2] = requests();
  expect(list1).toBe('list labelSelector=kaito.sh%2Fworkspace&limit=2');
  expect(list2).toBe('list labelSelector=kaito.sh%2Fworkspace&limit=2&continue=c1');
  expect(watch1).toMatch(
    /^watch resourceVersion=10&allowWatchBookmarks=true&timeoutSeconds=\d+&labelSelector=kaito.sh%2Fworkspace&watch=true$/,
  );
  // The server ended the watch at once: resumed (after a backoff) from the bookmark's version.
  expect(watch2).toMatch(/^watch resourceVersion=20&/);
});

test('metadata only: the list and the watch ask for PartialObjectMetadata, cached as objects of the given kind', async () => {
  const partial = (name: string, rv: string) => ({
    apiVersion: 'meta.k8s.io/v1',
    kind: 'PartialObjectMetadata',
    metadata: { name, namespace: 'ns', resourceVersion: rv, managedFields: [{ manager: 'm' }] },
  });
  steps.push(
    (_req, res) =>
      json(res, 200, {
        kind: 'PartialObjectMetadataList',
        apiVersion: 'meta.k8s.io/v1',
        metadata: { resourceVersion: '10' },
        items: [partial('a', '5')],
      }),
    (_req, res) => {
      watchOpen(res);
      line(res, 'ADDED', partial('b', '11'));
    },
  );
  const i = start({ metadataOnly: { apiVersion: 'v1', kind: 'ConfigMap' } });
  await i.waitForSync();
  await until(() => changes.length === 2);
  expect([i.get('ns/a'), i.get('ns/b')]).toEqual([
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns', resourceVersion: '5' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'ns', resourceVersion: '11' } },
  ]);
  expect(server.requests.map((r) => r.accept)).toEqual([
    'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
    'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
  ]);
});

test('410 Gone on the watch: relists, and reports only real differences', async () => {
  steps.push(
    (_req, res) =>
      json(res, 200, {
        kind: 'ConfigMapList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '10' },
        items: [cm('a', '5'), cm('b', '6'), cm('c', '7')],
      }),
    (_req, res) => {
      watchOpen(res);
      line(res, 'ERROR', status(410, 'Expired', 'too old resource version: 10 (30)'));
      res.end();
    },
    (_req, res) =>
      json(res, 200, {
        kind: 'ConfigMapList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '40' },
        items: [cm('a', '5'), cm('c', '33', 'z'), cm('e', '35')],
      }),
  );
  const i = start();
  await until(() => server.requests.length >= 4);
  expect(changes).toEqual([
    ['add', 'a', '5'],
    ['add', 'b', '6'],
    ['add', 'c', '7'],
    ['update', 'c', '33'],
    ['add', 'e', '35'],
    ['delete', 'b', '6'],
  ]);
  expect(i.size).toBe(3);
  expect(requests()[3]).toMatch(/^watch resourceVersion=40&/);
});

test('a failed list is retried with backoff; an HTTP 410 on starting the watch relists', async () => {
  steps.push(
    (_req, res) => json(res, 500, status(500, 'InternalError')),
    (_req, res) => json(res, 503, status(503, 'ServiceUnavailable')),
    (_req, res) =>
      json(res, 200, {
        kind: 'ConfigMapList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '10' },
        items: [cm('a', '5')],
      }),
    (_req, res) => json(res, 410, status(410, 'Expired')),
    (_req, res) =>
      json(res, 200, {
        kind: 'ConfigMapList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '11' },
        items: [cm('a', '5')],
      }),
  );
  const i = start();
  await i.waitForSync();
  await until(() => server.requests.length >= 6);
  expect(requests().map((r) => r.split(' ')[0])).toEqual(['list', 'list', 'list', 'watch', 'list', 'watch']);
  expect(changes).toEqual([['add', 'a', '5']]);
});

test('a watch that sends nothing for the idle timeout is restarted from the same version', async () => {
  steps.push(
    (_req, res) =>
      json(res, 200, { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '10' }, items: [] }),
    (_req, res) => watchOpen(res), // stalls
    (_req, res) => {
      watchOpen(res);
      line(res, 'ADDED', cm('late', '11'));
    },
  );
  const restarts: string[] = [];
  informer = new Informer({
    api: server.client(),
    path: PATH,
    name: 'configmaps',
    log: silentLogger,
    idleTimeoutMs: 300,
    onRestart: (why) => restarts.push(why),
  });
  informer.onChange((type, o) => changes.push([type, o.metadata?.name ?? '', o.metadata?.resourceVersion as string]));
  informer.start();
  await until(() => changes.length === 1);
  expect(changes).toEqual([['add', 'late', '11']]);
  expect(restarts).toEqual(['stalled']);
  expect(requests()[2]).toMatch(/^watch resourceVersion=10&/);
});

test('the cache keeps what the reconciler wrote: an older event does not replace it, the same version wakes nothing', async () => {
  let watch: ServerResponse | undefined;
  steps.push(
    (_req, res) =>
      json(res, 200, {
        kind: 'ConfigMapList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '10' },
        items: [cm('a', '5')],
      }),
    (_req, res) => {
      watchOpen(res);
      watch = res;
    },
  );
  const i = start();
  await until(() => watch !== undefined);
  i.upsert(cm('a', '15', 'mine'));
  i.upsert(cm('a', '14', 'older'));
  expect(i.get('ns/a')?.data).toEqual({ v: 'mine' });
  line(watch!, 'MODIFIED', cm('a', '12', 'stale'));
  line(watch!, 'MODIFIED', cm('a', '15', 'mine'));
  line(watch!, 'MODIFIED', cm('a', '16', 'theirs'));
  await until(() => changes.length === 2);
  expect(changes).toEqual([
    ['add', 'a', '5'],
    ['update', 'a', '16'],
  ]);
  expect(i.get('ns/a')?.data).toEqual({ v: 'theirs' });
});

test.each([
  ['9', '10', true],
  ['10', '9', false],
  ['10', '10', false],
  ['100', '99', false],
  ['abc', '10', false],
  [undefined, '10', false],
])('olderVersion(%s, %s) is %s', (a, b, older) => {
  expect(olderVersion(a, b)).toBe(older);
});

test('informers sharing a page gate list one page at a time, each page in order, and all sync', async () => {
  let inFlight = 0;
  let most = 0;
  const pages: string[] = [];
  server.handler = (req, res) => {
    if (req.query.get('watch') !== null) return void watchOpen(res).flushHeaders();
    inFlight++;
    most = Math.max(most, inFlight);
    const kind = req.path.split('/').pop()!;
    const second = req.query.get('continue') === 'next';
    pages.push(`${kind}${second ? ' 2' : ' 1'}`);
    setTimeout(() => {
      inFlight--;
      json(res, 200, {
        metadata: { resourceVersion: '7', ...(second ? {} : { continue: 'next' }) },
        items: [cm(`${kind}-${second ? 2 : 1}`, '7')],
      });
    }, 30);
  };
  const gate = new PageGate();
  const informers = ['configmaps', 'secrets', 'services'].map(
    (kind) =>
      new Informer({
        api: server.client(),
        path: `/api/v1/namespaces/ns/${kind}`,
        name: kind,
        log: silentLogger,
        pageSize: 1,
        pageGate: gate,
      }),
  );
  try {
    for (const i of informers) i.start();
    await Promise.all(informers.map((i) => i.waitForSync()));
    expect(most).toBe(1);
    expect(pages.filter((p) => p.startsWith('configmaps'))).toEqual(['configmaps 1', 'configmaps 2']);
    expect(pages).toHaveLength(6);
    expect(informers.map((i) => [...i.list()].map((o) => o.metadata?.name))).toEqual([
      ['configmaps-1', 'configmaps-2'],
      ['secrets-1', 'secrets-2'],
      ['services-1', 'services-2'],
    ]);
  } finally {
    await Promise.all(informers.map((i) => i.stop()));
  }
});

test('a watch asked for with a signal already aborted ends at once, and its destroyed request throws nothing', async () => {
  const uncaught: unknown[] = [];
  const record = (e: unknown) => uncaught.push(e);
  process.on('uncaughtException', record);
  try {
    const aborted = new AbortController();
    aborted.abort();
    await server.client().watch(PATH, { query: {}, signal: aborted.signal, idleTimeoutMs: 1000, onEvent: () => {} });
    await new Promise((r) => setTimeout(r, 50));
    expect(uncaught).toEqual([]);
  } finally {
    process.off('uncaughtException', record);
  }
});

test('a page that fails does not hold the gate', async () => {
  const gate = new PageGate();
  await expect(gate.run(() => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
  await expect(gate.run(() => Promise.resolve('next'))).resolves.toBe('next');
});
