import { Counter, Gauge, Histogram, Registry, registerProcessMetrics } from '../../../src/reconciler/prometheus';
import { ReconcilerMetrics } from '../../../src/reconciler/metrics';

test('counters, gauges and histograms in the text format, labels escaped, in registration order', async () => {
  const registry = new Registry();
  const requests = registry.register(new Counter('requests_total', 'Requests,\nby verb \\ code.', ['verb', 'code']));
  registry.register(new Counter('idle_total', 'Never incremented.'));
  const leader = registry.register(new Gauge('leader', 'Leader or not.'));
  const states = registry.register(
    new Gauge('workspaces', 'By state.', ['state'], () => [
      [{ state: 'Ready' }, 2],
      [{ state: 'say "hi"\\\n' }, 1],
    ]),
  );
  const seconds = registry.register(new Histogram('reconcile_seconds', 'Time.', ['result'], [0.1, 1]));
  requests.inc({ verb: 'GET', code: '200' });
  requests.inc({ verb: 'GET', code: '200' }, 2);
  requests.inc({ code: '0', verb: 'PATCH' });
  leader.set(1);
  seconds.observe({ result: 'success' }, 0.05);
  seconds.observe({ result: 'success' }, 0.5);
  seconds.observe({ result: 'success' }, 7);
  expect(await registry.metrics()).toBe(
    [
      '# HELP requests_total Requests,\\nby verb \\\\ code.',
      '# TYPE requests_total counter',
      'requests_total{verb="GET",code="200"} 3',
      'requests_total{verb="PATCH",code="0"} 1',
      '# HELP idle_total Never incremented.',
      '# TYPE idle_total counter',
      'idle_total 0',
      '# HELP leader Leader or not.',
      '# TYPE leader gauge',
      'leader 1',
      '# HELP workspaces By state.',
      '# TYPE workspaces gauge',
      'workspaces{state="Ready"} 2',
      'workspaces{state="say \\"hi\\"\\\\\\n"} 1',
      '# HELP reconcile_seconds Time.',
      '# TYPE reconcile_seconds histogram',
      'reconcile_seconds_bucket{result="success",le="0.1"} 1',
      'reconcile_seconds_bucket{result="success",le="1"} 2',
      'reconcile_seconds_bucket{result="success",le="+Inf"} 3',
      'reconcile_seconds_sum{result="success"} 7.55',
      'reconcile_seconds_count{result="success"} 3',
      '',
    ].join('\n'),
  );
  expect(requests.values()).toEqual([
    { labels: { verb: 'GET', code: '200' }, value: 3 },
    { labels: { code: '0', verb: 'PATCH' }, value: 1 },
  ]);
  expect(requests.total()).toBe(4);
  expect(states.values().map((s) => s.value)).toEqual([2, 1]);
  expect(registry.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
});

test('a gauge read when scraped shows only what the read returns now', async () => {
  let current: [Record<string, string>, number][] = [[{ state: 'Pending' }, 3]];
  const registry = new Registry();
  registry.register(new Gauge('workspaces', 'By state.', ['state'], () => current));
  expect(await registry.metrics()).toContain('workspaces{state="Pending"} 3\n');
  current = [[{ state: 'Ready' }, 3]];
  const text = await registry.metrics();
  expect(text).toContain('workspaces{state="Ready"} 3\n');
  expect(text).not.toContain('Pending');
});

test('misuse is refused: a counter going down, an unknown label, a name twice, buckets out of order', () => {
  const registry = new Registry();
  const c = registry.register(new Counter('c_total', 'C.', ['verb']));
  expect(() => c.inc({}, -1)).toThrow('c_total: a counter cannot go down (-1)');
  expect(() => c.inc({ code: '200' } as never)).toThrow('c_total: no label code');
  expect(() => registry.register(new Counter('c_total', 'Again.'))).toThrow('metric c_total registered twice');
  expect(() => new Histogram('h', 'H.', [], [1, 1])).toThrow('h: buckets must increase');
});

test("the process's CPU, memory and start time under the Node.js client's names", async () => {
  const registry = new Registry();
  registerProcessMetrics(registry);
  const text = await registry.metrics();
  const names = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
  expect(names).toEqual([
    'process_cpu_user_seconds_total counter',
    'process_cpu_system_seconds_total counter',
    'process_cpu_seconds_total counter',
    'process_start_time_seconds gauge',
    'process_resident_memory_bytes gauge',
    'nodejs_heap_size_total_bytes gauge',
    'nodejs_heap_size_used_bytes gauge',
    'nodejs_external_memory_bytes gauge',
  ]);
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  expect(value('process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
  expect(Math.abs(value('process_start_time_seconds') - (Date.now() / 1000 - process.uptime()))).toBeLessThan(2);
  expect(value('process_cpu_seconds_total')).toBeGreaterThan(0);
});

test("the reconciler's metrics: writes count POST, PUT, PATCH and DELETE whatever their answer", () => {
  const metrics = new ReconcilerMetrics({}, { processMetrics: false });
  for (const [verb, status] of [
    ['GET', 200],
    ['WATCH', 200],
    ['POST', 201],
    ['PATCH', 409],
    ['PUT', 200],
    ['DELETE', 0],
  ] as const) {
    metrics.request({ verb, status, path: '/api/v1/namespaces', seconds: 0.01 });
  }
  metrics.reconciles.inc({ result: 'success' });
  metrics.reconciles.inc({ result: 'error' }, 2);
  expect(metrics.writes()).toBe(4);
  expect(metrics.reconcileCount()).toBe(3);
});
