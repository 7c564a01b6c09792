import { EventRecorder } from '../../../src/reconciler/events';
import { jsonLogger } from '../../../src/reconciler/log';
import { ReconcilerMetrics } from '../../../src/reconciler/metrics';
import { FakeApiServer, json, status } from './fake-api';

const workspace = { metadata: { name: 'ws', namespace: 'ns', uid: 'uid-1', resourceVersion: '7' } };

test('events are logged at once and sent in the background as core/v1 events on the workspace', async () => {
  const server = await FakeApiServer.start((req, res) => json(res, 201, req.body));
  const lines: Array<Record<string, unknown>> = [];
  const metrics = new ReconcilerMetrics({}, { processMetrics: false });
  const recorder = new EventRecorder({
    api: server.client(),
    log: jsonLogger({ write: (l) => lines.push(JSON.parse(l)) }),
    metrics,
    component: 'kaito-reconciler',
    instance: 'pod-1',
  });
  try {
    recorder.record(workspace, [
      { type: 'Normal', reason: 'WorkspaceReady', message: 'WorkspaceReady is True: the model is being served' },
      { type: 'Warning', reason: 'ContainerCrashLoopBackOff', message: 'x'.repeat(2000) },
    ]);
    expect(lines.map((l) => [l.msg === 'x'.repeat(2000) ? 'long' : l.msg, l.workspace, l.type, l.reason])).toEqual([
      ['WorkspaceReady is True: the model is being served', 'ns/ws', 'Normal', 'WorkspaceReady'],
      ['long', 'ns/ws', 'Warning', 'ContainerCrashLoopBackOff'],
    ]);
    await recorder.flush();
    expect(server.requests.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/api/v1/namespaces/ns/events'],
      ['POST', '/api/v1/namespaces/ns/events'],
    ]);
    const [first, second] = server.requests.map((r) => r.body as Record<string, unknown>);
    expect(first).toMatchObject({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { namespace: 'ns' },
      involvedObject: {
        apiVersion: 'kaito.sh/v1beta1',
        kind: 'Workspace',
        name: 'ws',
        namespace: 'ns',
        uid: 'uid-1',
        resourceVersion: '7',
      },
      type: 'Normal',
      reason: 'WorkspaceReady',
      source: { component: 'kaito-reconciler' },
      reportingComponent: 'kaito-reconciler',
      reportingInstance: 'pod-1',
      count: 1,
    });
    expect((first!.metadata as { name: string }).name).toMatch(/^ws\.[0-9a-f]+$/);
    expect(second!.message).toBe(`${'x'.repeat(990)}… [truncated: 2000 bytes in all]`);
    expect(Buffer.byteLength(second!.message as string)).toBe(1024);
    expect(
      metrics.events
        .values()
        .map((v) => [v.labels.type, v.value])
        .sort(),
    ).toEqual([
      ['Normal', 1],
      ['Warning', 1],
    ]);
  } finally {
    await server.close();
  }
});

test('too many pending: the oldest are dropped and counted; a refused event is logged, never thrown', async () => {
  const server = await FakeApiServer.start((_req, res) => json(res, 403, status(403, 'Forbidden')));
  const errors: string[] = [];
  const metrics = new ReconcilerMetrics({}, { processMetrics: false });
  const recorder = new EventRecorder({
    api: server.client(),
    log: jsonLogger({ level: 'error', write: (l) => errors.push(JSON.parse(l).msg) }),
    metrics,
    component: 'c',
    instance: 'i',
    concurrency: 1,
    maxPending: 2,
  });
  try {
    const events = Array.from({ length: 5 }, (_, i) => ({ type: 'Normal' as const, reason: `R${i}`, message: 'm' }));
    recorder.record(workspace, events);
    await recorder.flush();
    // Five at once with room for two: the three oldest were dropped.
    expect(server.requests.map((r) => (r.body as { reason: string }).reason)).toEqual(['R3', 'R4']);
    expect(errors).toEqual(['could not record an event', 'could not record an event']);
    expect(metrics.events.values().map((v) => [v.labels.type, v.value])).toEqual([['dropped', 3]]);
  } finally {
    await server.close();
  }
});

describe('repeats are aggregated as client-go does: one object, its count raised', () => {
  const crash = { type: 'Warning' as const, reason: 'ContainerCrashLoopBackOff', message: 'back-off 1m20s' };
  const recorderOf = (server: FakeApiServer, metrics?: ReconcilerMetrics) =>
    new EventRecorder({
      api: server.client(),
      log: jsonLogger({ level: 'error', write: () => undefined }),
      ...(metrics ? { metrics } : {}),
      component: 'c',
      instance: 'i',
      concurrency: 1,
    });
  const sent = (server: FakeApiServer) =>
    server.requests.map((r) => {
      const body = r.body as { count: number; metadata?: { name: string }; firstTimestamp?: string };
      return [r.method, r.path.replace(/ws\.[0-9a-f]+$/, 'ws.<id>'), body.count];
    });

  test('a repeat after the first was sent is a PATCH of count and lastTimestamp on the same event', async () => {
    const server = await FakeApiServer.start((req, res) => json(res, req.method === 'POST' ? 201 : 200, req.body));
    const metrics = new ReconcilerMetrics({}, { processMetrics: false });
    const recorder = recorderOf(server, metrics);
    try {
      recorder.record(workspace, [crash]);
      await recorder.flush();
      recorder.record(workspace, [crash]);
      await recorder.flush();
      recorder.record(workspace, [crash]);
      await recorder.flush();
      expect(sent(server)).toEqual([
        ['POST', '/api/v1/namespaces/ns/events', 1],
        ['PATCH', '/api/v1/namespaces/ns/events/ws.<id>', 2],
        ['PATCH', '/api/v1/namespaces/ns/events/ws.<id>', 3],
      ]);
      const name = (server.requests[0]!.body as { metadata: { name: string } }).metadata.name;
      expect(server.requests.slice(1).map((r) => r.path)).toEqual([
        `/api/v1/namespaces/ns/events/${name}`,
        `/api/v1/namespaces/ns/events/${name}`,
      ]);
      expect(server.requests[1]!.contentType).toBe('application/merge-patch+json');
      expect(Object.keys(server.requests[1]!.body as object).sort()).toEqual(['count', 'lastTimestamp']);
      expect(metrics.events.values().map((v) => [v.labels.type, v.value])).toEqual([['Warning', 3]]);
    } finally {
      await server.close();
    }
  });

  test('repeats while the first is still queued or in flight are folded: two requests for five occurrences', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const server = await FakeApiServer.start((req, res) => {
      void held.then(() => json(res, req.method === 'POST' ? 201 : 200, req.body));
    });
    const recorder = recorderOf(server);
    try {
      for (let i = 0; i < 5; i++) recorder.record(workspace, [crash]);
      release();
      await recorder.flush();
      expect(sent(server)).toEqual([
        ['POST', '/api/v1/namespaces/ns/events', 1],
        ['PATCH', '/api/v1/namespaces/ns/events/ws.<id>', 5],
      ]);
    } finally {
      await server.close();
    }
  });

  test('another message, type or workspace is another event; an expired event (404) is created anew with the total', async () => {
    const server = await FakeApiServer.start((req, res) =>
      req.method === 'PATCH' ? json(res, 404, status(404, 'NotFound')) : json(res, 201, req.body),
    );
    const recorder = recorderOf(server);
    try {
      recorder.record(workspace, [crash, { ...crash, message: 'back-off 2m40s' }, { ...crash, type: 'Normal' }]);
      recorder.record({ metadata: { ...workspace.metadata, uid: 'uid-2' } }, [crash]);
      await recorder.flush();
      expect(sent(server)).toEqual([
        ['POST', '/api/v1/namespaces/ns/events', 1],
        ['POST', '/api/v1/namespaces/ns/events', 1],
        ['POST', '/api/v1/namespaces/ns/events', 1],
        ['POST', '/api/v1/namespaces/ns/events', 1],
      ]);
      const first = server.requests[0]!.body as { firstTimestamp: string; metadata: { name: string } };
      server.requests.length = 0;
      recorder.record(workspace, [crash]);
      await recorder.flush();
      expect(sent(server)).toEqual([
        ['PATCH', `/api/v1/namespaces/ns/events/ws.<id>`, 2],
        ['POST', '/api/v1/namespaces/ns/events', 2],
      ]);
      const again = server.requests[1]!.body as { firstTimestamp: string; metadata: { name: string } };
      expect([again.firstTimestamp, again.metadata.name === first.metadata.name]).toEqual([
        first.firstTimestamp,
        false,
      ]);
    } finally {
      await server.close();
    }
  });

  test('what is remembered is bounded: the least recently seen is forgotten, its repeat is a new event', async () => {
    const server = await FakeApiServer.start((req, res) => json(res, req.method === 'POST' ? 201 : 200, req.body));
    const recorder = new EventRecorder({
      api: server.client(),
      log: jsonLogger({ level: 'error', write: () => undefined }),
      component: 'c',
      instance: 'i',
      maxRemembered: 2,
    });
    const ev = (reason: string) => ({ type: 'Normal' as const, reason, message: 'm' });
    try {
      for (const reason of ['A', 'B', 'A', 'C', 'A', 'B']) {
        recorder.record(workspace, [ev(reason)]);
        await recorder.flush();
      }
      // A is seen again before C arrives, so B is the one forgotten.
      expect(
        server.requests.map((r) => [
          r.method,
          (r.body as { reason?: string }).reason ?? '',
          (r.body as { count: number }).count,
        ]),
      ).toEqual([
        ['POST', 'A', 1],
        ['POST', 'B', 1],
        ['PATCH', '', 2],
        ['POST', 'C', 1],
        ['PATCH', '', 3],
        ['POST', 'B', 1],
      ]);
    } finally {
      await server.close();
    }
  });
});
