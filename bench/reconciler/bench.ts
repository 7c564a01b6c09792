import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { KubeApi } from '../../src/reconciler/http';
import type { RawObject } from '../../src/reconciler/observe';
import { formatNodeClass, KWOK_NODE_CLASS } from '../../src/render/node-class';
import { PACKAGE_VERSION } from '../../src/render/operator';
import { PINNED_NODE_BINARY, runConfig } from '../../scripts/image/build';
import { DEFAULT_KUBECONFIG, REPO_ROOT, loadKubeconfig } from '../../test/cluster/support';
import { installWorkspaceCrd } from '../../test/cluster/control-plane/support';
import { adminApi, createNamespace, seed } from '../../test/cluster/reconciler/support/cluster';
import { localGet } from '../../test/cluster/reconciler/support/child';
import { Floor, planWrites, type FloorPlan } from './floor';
import { Observer, apiserverLists, delta, eachLimited, load, memoryOf, percentile } from './measure';

/*
 * The reconciler on the whole control plane of the test cluster (kube-apiserver, etcd, kube-scheduler,
 * kube-controller-manager, KWOK, Karpenter with its kwok provider), with 50, 200 and 1,000 workspaces
 * (see README.md):
 *
 *   npm run cluster:start && npm run build
 *   node_modules/.bin/ts-node --transpile-only bench/reconciler/bench.ts [sizes, default 50,200,1000]
 *
 * For each size: the built `kaito-reconciler` runs as a child process (so its memory is its own) with
 * Karpenter's kwok node class, and the workspaces are created at once: Karpenter launches their NodeClaims,
 * KWOK makes the nodes Ready and runs the pods, the controller-manager makes the StatefulSets' pods and the
 * scheduler binds them. Then the floor (floor.ts) makes the same writes with no logic, in another namespace,
 * on the same control plane.
 */

const KUBECONFIG = process.env.KUBECONFIG_TEST || DEFAULT_KUBECONFIG;
const NODE_SELECTOR = (namespace: string) => ({ labelSelector: `kaito.sh/workspacenamespace=${namespace}` });
/** How long the cleanup after a size waits for Karpenter to delete the claims and their nodes. */
const CLEANUP_TIMEOUT_MS = 900_000;
const MAIN = join(REPO_ROOT, 'lib/reconciler/main.js');
/**
 * The builds restarted once all are Ready (BENCH_RESTART_WITH, comma-separated main.js paths; default the
 * built one), each BENCH_RESTARTS times (default 1), alternating: a baseline build measured in the same run.
 */
const RESTART_WITH = (process.env.BENCH_RESTART_WITH ?? MAIN).split(',').filter(Boolean);
const RESTARTS = Number(process.env.BENCH_RESTARTS ?? 1);
/** Whether the floor runs after the reconciler (BENCH_FLOOR=0: not). */
const WITH_FLOOR = process.env.BENCH_FLOOR !== '0';
const CREATE_CONCURRENCY = 16;
const CONVERGED_WINDOW_MS = Number(process.env.BENCH_CONVERGED_MS ?? 60_000);
const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'];
/**
 * The reconciler's environment: as the image (scripts/image/build.ts) sets it, unless BENCH_NODE_OPTIONS or
 * BENCH_MALLOC_ARENA_MAX say otherwise (an empty value leaves the variable out).
 */
const IMAGE_ENV = Object.fromEntries(
  runConfig(PACKAGE_VERSION).Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
);
if (IMAGE_ENV.NODE_OPTIONS === undefined || IMAGE_ENV.MALLOC_ARENA_MAX === undefined) {
  throw new Error('the image sets no NODE_OPTIONS or MALLOC_ARENA_MAX: update the benchmark');
}
const CHILD_ENV: Record<string, string> = Object.fromEntries(
  Object.entries({
    NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? IMAGE_ENV.NODE_OPTIONS,
    MALLOC_ARENA_MAX: process.env.BENCH_MALLOC_ARENA_MAX ?? IMAGE_ENV.MALLOC_ARENA_MAX,
  }).filter(([, v]) => v !== ''),
);
/** Node flags before the script, where the image's entrypoint has none (BENCH_NODE_ARGS, space-separated). */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** Workspaces created one after the other, each once the previous one is Ready (BENCH_ONE; 0: none). */
const ONE_AT_A_TIME = Number(process.env.BENCH_ONE ?? 10);
const CONNECTION = loadKubeconfig(KUBECONFIG);
/** Extra reconciler flags, e.g. BENCH_FLAGS=--concurrency=10. */
const EXTRA_FLAGS = (process.env.BENCH_FLAGS ?? '').split(' ').filter(Boolean);

function workspaces(n: number): RawObject[] {
  return Array.from({ length: n }, (_, i) => seed('phi-3-mini-inference.yaml', `ws-${i}`) as RawObject);
}

interface Items {
  readonly items: RawObject[];
}

/**
 * Removes a size's workspaces and their nodes: the namespace goes (the workspaces lose their finalizer first:
 * no reconciler runs any more), its NodeClaims are deleted, and it waits until Karpenter has drained and
 * deleted them and their nodes and the namespace is gone (so its deletion adds no lists to the next run). Nodes left once their claims are gone (Karpenter's kwok provider leaves the
 * node of a claim deleted before its node registered) are deleted directly.
 */
async function cleanup(api: KubeApi, namespace: string): Promise<{ seconds: number; nodesLeft: number }> {
  const t0 = Date.now();
  // Deleting hundreds of objects takes the loaded API server longer than the client's default 30 s.
  const long = { timeoutMs: 300_000 };
  const wsPath = `/apis/kaito.sh/v1beta1/namespaces/${namespace}/workspaces`;
  await eachLimited((await api.request<Items>('GET', wsPath)).items, CREATE_CONCURRENCY, async (ws) => {
    await api.request('PATCH', `${wsPath}/${ws.metadata?.name}`, {
      ...long,
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: null } },
    });
  });
  // A collection delete of a thousand claims can outlast the API server's own request timeout (it closes the
  // connection): each step that fails is logged and tried again on the next pass.
  const attempt = async <T>(what: string, f: () => Promise<T>): Promise<T | undefined> =>
    f().catch((e: unknown) => {
      console.error(`cleanup of ${namespace}: ${what}: ${(e as Error).message}; trying again`);
      return undefined;
    });
  const deleteClaims = () =>
    api.request('DELETE', '/apis/karpenter.sh/v1/nodeclaims', { query: NODE_SELECTOR(namespace), ...long });
  const deleteNamespace = () =>
    api.request('DELETE', `/api/v1/namespaces/${namespace}`, long).catch((e: unknown) => {
      if ((e as { status?: number }).status === 404) return {};
      throw e;
    });
  let namespaceDeleted = await attempt('delete namespace', deleteNamespace);
  let claimsDeleted = await attempt('delete claims', deleteClaims);
  const count = async (path: string) =>
    (await attempt(`list ${path}`, () => api.request<Items>('GET', path, { query: NODE_SELECTOR(namespace), ...long })))
      ?.items.length;
  const namespaceGone = async () =>
    api.request('GET', `/api/v1/namespaces/${namespace}`).then(
      () => false,
      (e: unknown) => (e as { status?: number }).status === 404,
    );
  let nodesLeft = 0;
  for (const deadline = Date.now() + CLEANUP_TIMEOUT_MS; ;) {
    namespaceDeleted ??= await attempt('delete namespace', deleteNamespace);
    claimsDeleted ??= await attempt('delete claims', deleteClaims);
    const claims = await count('/apis/karpenter.sh/v1/nodeclaims');
    const nodes = await count('/api/v1/nodes');
    if (claims === 0 && nodes === 0 && (await namespaceGone())) break;
    if (Date.now() > deadline) throw new Error(`cleanup of ${namespace}: ${claims} NodeClaims, ${nodes} nodes left`);
    if (claims === 0 && nodes !== undefined && nodes > 0) {
      nodesLeft = Math.max(nodesLeft, nodes);
      await attempt('delete nodes', () =>
        api.request('DELETE', '/api/v1/nodes', { query: NODE_SELECTOR(namespace), ...long }),
      );
    }
    await sleep(2000);
  }
  return { seconds: (Date.now() - t0) / 1000, nodesLeft };
}

/** Starts the built `kaito-reconciler` for `namespace`; resolves once its workers run. */
async function spawnChild(namespace: string, main = MAIN) {
  const child = spawn(
    PINNED_NODE_BINARY,
    [
      ...NODE_ARGS,
      main,
      `--kubeconfig=${KUBECONFIG}`,
      `--namespace=${namespace}`,
      '--metrics-bind-address=127.0.0.1:0',
      '--health-probe-bind-address=127.0.0.1:0',
      '--node-provisioner=karpenter',
      `--node-class=${formatNodeClass(KWOK_NODE_CLASS)}`,
      ...EXTRA_FLAGS,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...withoutNodeOptions(), ...CHILD_ENV } },
  );
  let text = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (text += c));
  if (process.env.BENCH_LOG) child.stderr!.on('data', (c: string) => appendFileSync(process.env.BENCH_LOG!, c));
  const started = await waitFor(() => /"msg":"workers started"/.test(text) && /"metricsPort":(\d+)/.exec(text), 30_000);
  return { child, port: Number(started[1]), log: () => text };
}

/** Node Ready to workload, one workspace at a time (nothing else going on). */
async function runOneAtATime(api: KubeApi, n: number): Promise<{ node: number[]; claim: number[] }> {
  const namespace = await createNamespace(`bench-one-${n}`);
  const observer = new Observer(api, namespace);
  await observer.start();
  const { child } = await spawnChild(namespace);
  for (const [i, ws] of workspaces(n).entries()) {
    await api.request('POST', `/apis/kaito.sh/v1alpha1/namespaces/${namespace}/workspaces`, { body: ws });
    await observer.allReady(i + 1, 60_000);
  }
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  const latencies = { node: observer.latencies('node'), claim: observer.latencies('claim') };
  await observer.stop();
  await cleanup(api, namespace);
  return latencies;
}

/** The reconciler, as a child process, from nothing to all Ready. */
async function runReconciler(api: KubeApi, n: number) {
  const namespace = await createNamespace(`bench-rec-${n}`);
  const observer = new Observer(api, namespace);
  await observer.start();
  const listsBefore = await apiserverLists(CONNECTION);
  const { child, port, log } = await spawnChild(namespace);

  const t0 = Date.now();
  await eachLimited(workspaces(n), CREATE_CONCURRENCY, async (ws) => {
    await api.request('POST', `/apis/kaito.sh/v1alpha1/namespaces/${namespace}/workspaces`, { body: ws });
  });
  await observer.allReady(n, 600_000);
  const seconds = (Date.now() - t0) / 1000;
  const text = (await localGet(port, '/metrics')).body;

  // Converged: once the queue is empty and the events recorded in the background are sent, nothing
  // changes, so nothing should be written.
  const writesNow = async () => writesIn((await localGet(port, '/metrics')).body);
  let settled = await writesNow();
  for (let quiet = 0; quiet < 3;) {
    await sleep(1000);
    const w = await writesNow();
    quiet = w === settled ? quiet + 1 : 0;
    settled = w;
  }
  const settledAfterSeconds = (Date.now() - t0) / 1000 - seconds;
  await sleep(CONVERGED_WINDOW_MS);
  const after = (await localGet(port, '/metrics')).body;
  const writesAfter = writesIn(after);
  // Requests for the whole run, including the events that trailed the last status.
  const verb = (v: string) => sumMetric(after, 'kaito_api_requests_total', `verb="${v}"`) / n;
  const perWorkspace = Object.fromEntries(
    ['GET', 'WATCH', 'POST', 'PUT', 'PATCH', 'DELETE'].map((v) => [v, verb(v)]).filter(([, x]) => x !== 0),
  ) as Record<string, number>;
  const lists = delta(listsBefore, await apiserverLists(CONNECTION));
  const events =
    sumMetric(after, 'kaito_events_total', 'type="Normal"') + sumMetric(after, 'kaito_events_total', 'type="Warning"');
  const memory = memoryOf(child.pid!);
  const mib = (name: string) => (sumMetric(after, name, '') / 1048576).toFixed(1);
  console.error(
    JSON.stringify({
      heapUsedMiB: mib('nodejs_heap_size_used_bytes'),
      heapTotalMiB: mib('nodejs_heap_size_total_bytes'),
      externalMiB: mib('nodejs_external_memory_bytes'),
      reconciles: sumMetric(text, 'kaito_reconcile_total', ''),
      reconcileSecondsTotal: sumMetric(text, 'kaito_reconcile_duration_seconds_sum', ''),
      queueDepthAtReady: sumMetric(text, 'kaito_workqueue_depth', ''),
    }),
  );
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const restarts = [];
  for (let i = 0; i < RESTARTS; i++) {
    for (const main of RESTART_WITH) restarts.push({ main, ...(await measureRestart(namespace, n, main)) });
  }
  const restart = restarts[restarts.length - 1]!;
  const result = {
    seconds,
    requestsPerWorkspace: Object.values(perWorkspace).reduce((a, b) => a + b, 0),
    writesPerWorkspace: WRITES.reduce((sum, v) => sum + (perWorkspace[v] ?? 0), 0),
    byVerb: perWorkspace,
    eventsPerWorkspace: events / n,
    // Lists, the reads of names not in its caches (taken by another object?) and of benchmark logs.
    reconcilerGets: sumMetric(after, 'kaito_api_requests_total', 'verb="GET"'),
    reconcilesPerWorkspace: sumMetric(after, 'kaito_reconcile_total', '') / n,
    watchRestarts: sumMetric(after, 'kaito_watch_restarts_total', ''),
    apiserverLists: lists,
    latencies: observer.latencies('node'),
    claimLatencies: observer.latencies('claim'),
    phases: observer.phases(),
    // Inside the reconciler, until all were Ready: how long keys waited for a worker, how long requests took.
    queueWaitMs: {
      urgent: histogramMs(text, 'kaito_workqueue_wait_seconds', 'priority="urgent"'),
      high: histogramMs(text, 'kaito_workqueue_wait_seconds', 'priority="high"'),
      normal: histogramMs(text, 'kaito_workqueue_wait_seconds', 'priority="normal"'),
    },
    requestMs: Object.fromEntries(
      ['GET', 'POST', 'PATCH'].map((v) => [v, histogramMs(text, 'kaito_api_request_duration_seconds', `verb="${v}"`)]),
    ),
    reconcileMs: histogramMs(text, 'kaito_reconcile_duration_seconds', 'result='),
    writesPerMinute: ((writesAfter - settled) * 60_000) / CONVERGED_WINDOW_MS,
    settledAfterSeconds,
    peakMiB: memory.peakMiB,
    rssMiB: memory.rssMiB,
    exit: code,
    errors: (log().match(/"level":"error"/g) ?? []).length + restarts.reduce((sum, r) => sum + r.errors, 0),
    restart,
    restarts,
  };
  await observer.stop();
  return { ...result, cleanup: await cleanup(api, namespace) };
}

/**
 * A second reconciler started once the first has stopped, everything Ready: how long until its caches are
 * synced (workers started), until it has reconciled every workspace once, what it writes (nothing should
 * be applied again) and its memory peak, which is the initial list's.
 */
async function measureRestart(namespace: string, n: number, main: string) {
  const t0 = Date.now();
  const { child, port, log } = await spawnChild(namespace, main);
  const syncedSeconds = (Date.now() - t0) / 1000;
  const metrics = async () => (await localGet(port, '/metrics')).body;
  const deadline = Date.now() + 120_000;
  while (sumMetric(await metrics(), 'kaito_reconcile_total', '') < n && Date.now() < deadline) await sleep(100);
  const reconciledSeconds = (Date.now() - t0) / 1000;
  await sleep(3000);
  const text = await metrics();
  const memory = memoryOf(child.pid!);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return {
    syncedSeconds,
    reconciledSeconds,
    reconciles: sumMetric(text, 'kaito_reconcile_total', ''),
    writes: writesIn(text),
    gets: sumMetric(text, 'kaito_api_requests_total', `verb="GET"`),
    peakRssMiB: memory.peakMiB,
    errors: (log().match(/"level":"error"/g) ?? []).length,
  };
}

/** The floor: the same kind of writes, precomputed, from a plain script. */
async function runFloor(api: KubeApi, n: number) {
  const namespace = await createNamespace(`bench-floor-${n}`);
  const all = workspaces(n);
  const plans = new Map<string, FloorPlan>(
    all.map((ws) => [ws.metadata!.name!, planWrites({ ...ws, metadata: { ...ws.metadata, namespace } })]),
  );
  let writes = 0;
  let requests = 0;
  const counting = new Proxy(api, {
    get(target, prop, receiver) {
      if (prop !== 'request') return Reflect.get(target, prop, receiver);
      return (method: string, path: string, init?: object) => {
        requests++;
        if (method !== 'GET') writes++;
        return target.request(method, path, init);
      };
    },
  });
  const observer = new Observer(api, namespace);
  const floor = new Floor(counting, namespace, plans);
  await Promise.all([observer.start(), floor.start()]);
  const t0 = Date.now();
  await eachLimited(all, CREATE_CONCURRENCY, async (ws) => {
    const created = await api.request<RawObject>('POST', `/apis/kaito.sh/v1alpha1/namespaces/${namespace}/workspaces`, {
      body: ws,
    });
    floor.onCreated(created);
  });
  const report = setInterval(() => {
    if (floor.errors.length > 0) console.error('floor errors', floor.errors.slice(0, 3));
  }, 5000);
  await observer.allReady(n, 600_000).finally(() => clearInterval(report));
  const seconds = (Date.now() - t0) / 1000;
  await floor.idle();
  const result = {
    seconds,
    // Its own requests, not those of its watches (the reconciler's lists and watches are a few per process).
    requestsPerWorkspace: requests / n,
    writesPerWorkspace: writes / n,
    latencies: observer.latencies('node'),
    claimLatencies: observer.latencies('claim'),
    phases: observer.phases(),
    errors: floor.errors.length,
  };
  await Promise.all([observer.stop(), floor.stop()]);
  return { ...result, cleanup: await cleanup(api, namespace) };
}

/**
 * The `q` quantile (0-1) of a histogram's series whose labels include `label`, in milliseconds, interpolated
 * within the bucket as Prometheus's histogram_quantile does; undefined without observations.
 */
function histogramQuantileMs(text: string, name: string, label: string, q: number): number | undefined {
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`) || !line.includes(label)) continue;
    const le = /le="([^"]+)"/.exec(line)![1]!;
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Infinity) return lower * 1000;
      return (lower + ((bound - lower) * (rank - below)) / Math.max(1, count - below)) * 1000;
    }
    lower = bound;
    below = count;
  }
  return undefined;
}

/** p50 and p95 of a histogram, in milliseconds. */
function histogramMs(text: string, name: string, label: string): { p50?: number; p95?: number } {
  const round = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 10) / 10);
  return {
    p50: round(histogramQuantileMs(text, name, label, 0.5)),
    p95: round(histogramQuantileMs(text, name, label, 0.95)),
  };
}

/** The reconciler's write requests so far, from its /metrics text. */
function writesIn(text: string): number {
  return WRITES.reduce((sum, verb) => sum + sumMetric(text, 'kaito_api_requests_total', `verb="${verb}"`), 0);
}

function sumMetric(text: string, name: string, label: string): number {
  return text
    .split('\n')
    .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(label))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

function withoutNodeOptions(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _bench, MALLOC_ARENA_MAX: _arenas, ...rest } = process.env;
  return rest;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(probe: () => T | false | null | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(50);
  }
}

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  if (!existsSync(PINNED_NODE_BINARY)) throw new Error(`${PINNED_NODE_BINARY} is missing: run npm ci`);
  const reconcilerNode = execFileSync(PINNED_NODE_BINARY, ['--version'], { encoding: 'utf8' }).trim();
  const sizes = (process.argv[2] ?? '50,200,1000').split(',').map(Number);
  const api = await adminApi();
  await installWorkspaceCrd();
  console.log(
    `bench on node ${process.version}, reconciler on node ${reconcilerNode}, ${cpus().length} CPUs, load ${load()} at start, reconciler env ${JSON.stringify(CHILD_ENV)}${NODE_ARGS.length > 0 ? `, node flags ${NODE_ARGS.join(' ')}` : ''}`,
  );
  if (ONE_AT_A_TIME > 0) {
    const one = await runOneAtATime(api, ONE_AT_A_TIME);
    console.log(
      JSON.stringify({
        oneAtATime: ONE_AT_A_TIME,
        latencyMs: { p50: percentile(one.node, 50), p95: percentile(one.node, 95) },
        claimLatencyMs: { p50: percentile(one.claim, 50), p95: percentile(one.claim, 95) },
        load: load(),
      }),
    );
  }
  for (const n of sizes) {
    const rec = await runReconciler(api, n);
    const loadRec = load();
    // The reconciler's half on its own line first, so that a floor run that fails does not lose it.
    console.error(JSON.stringify({ reconcilerRun: n, ...rec, latencies: undefined, claimLatencies: undefined }));
    if (!WITH_FLOOR) continue;
    const floor = await runFloor(api, n);
    const line = {
      workspaces: n,
      reconcilerSeconds: rec.seconds,
      floorSeconds: floor.seconds,
      ratio: rec.seconds / floor.seconds,
      requestsPerWorkspace: rec.requestsPerWorkspace,
      requestsByVerb: rec.byVerb,
      floorRequestsPerWorkspace: floor.requestsPerWorkspace,
      eventsPerWorkspace: rec.eventsPerWorkspace,
      writesPerWorkspace: rec.writesPerWorkspace,
      floorWritesPerWorkspace: floor.writesPerWorkspace,
      convergedWritesPerMinute: rec.writesPerMinute,
      reconcilesPerWorkspace: rec.reconcilesPerWorkspace,
      reconcilerGets: rec.reconcilerGets,
      watchRestarts: rec.watchRestarts,
      apiserverLists: rec.apiserverLists,
      settledAfterSeconds: rec.settledAfterSeconds,
      peakRssMiB: rec.peakMiB,
      rssMiB: rec.rssMiB,
      latencyMs: { p50: percentile(rec.latencies, 50), p95: percentile(rec.latencies, 95), n: rec.latencies.length },
      claimLatencyMs: { p50: percentile(rec.claimLatencies, 50), p95: percentile(rec.claimLatencies, 95) },
      floorLatencyMs: { p50: percentile(floor.latencies, 50), p95: percentile(floor.latencies, 95) },
      floorClaimLatencyMs: { p50: percentile(floor.claimLatencies, 50), p95: percentile(floor.claimLatencies, 95) },
      phasesMs: rec.phases,
      queueWaitMs: rec.queueWaitMs,
      requestMs: rec.requestMs,
      reconcileMs: rec.reconcileMs,
      floorPhasesMs: floor.phases,
      restart: rec.restart,
      cleanupSeconds: { reconciler: rec.cleanup.seconds, floor: floor.cleanup.seconds },
      nodesLeftAfterClaims: rec.cleanup.nodesLeft + floor.cleanup.nodesLeft,
      exit: rec.exit,
      errors: rec.errors + floor.errors,
      load: { reconciler: loadRec, floor: load() },
    };
    console.log(JSON.stringify(line));
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
