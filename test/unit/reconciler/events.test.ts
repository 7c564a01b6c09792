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
    expect((await metrics.events.get()).values.map((v) => [v.labels.type, v.value]).sort()).toEqual([
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
    expect((await metrics.events.get()).values.map((v) => [v.labels.type, v.value])).toEqual([['dropped', 3]]);
  } finally {
    await server.close();
  }
});
