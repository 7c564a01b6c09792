/*
 * Synth benchmark of the cdk8s face (a script, not a test): N inference workspaces declared with our
 * constructs and synthesized to YAML, against the same objects declared as plain cdk8s ApiObjects, in the
 * same process. Run: npm run bench:synth  (or: node --expose-gc -r ts-node/register/transpile-only bench/synth/synth.ts
 * [operator|direct] [N...], to run only those cells)
 *
 * For each mode (operator: one Workspace per service; direct: ConfigMap, two Services and a StatefulSet per
 * service) and N in 100, 1,000, 10,000 it reports the median over several runs of
 * - time: construct the app and `app.synthYaml()` (everything cdk8s synth does but writing files), as CPU
 *   time of the process (user + system, GC threads included), which other load on the machine disturbs
 *   far less than wall-clock time (also reported);
 * - heap: heap in use after synth minus before (the app, the objects and the YAML still referenced), after
 *   a full GC before each run;
 * - peak RSS: the maximum resident set of a separate process that runs that one cell once, median of 3 such
 *   processes (V8 grows the heap by a factor of the live size at its last full GC, so one process's peak
 *   moves with when that GC happens; the baseline, the process with the modules loaded, is reported too);
 * and the ratio ours / plain ApiObjects. The plain objects are computed once, before timing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { ApiObject, App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { InferenceService } from '../../src/cdk8s';

type Mode = 'operator' | 'direct';
type Manifest = { apiVersion: string; kind: string; metadata: { name: string } } & Record<string, unknown>;

const ALL_SIZES = [100, 1_000, 10_000];
/** Peak RSS: separate processes per cell (their median is reported). */
const RSS_RUNS = 3;
/** Runs per cell: fewer for the large cells, which are slow and steady. */
const RUNS: Record<number, number> = { 100: 9, 1_000: 5, 10_000: 3 };

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

function ours(mode: Mode, n: number): App {
  const app = new App();
  const chart = new Chart(app, 'bench');
  for (let i = 0; i < n; i++) {
    new InferenceService(chart, `phi-${i}`, {
      preset: 'phi-3-mini-4k-instruct',
      instanceType: 'Standard_NC6s_v3',
      metadata: { name: `phi-${i}` },
      labelSelector: { matchLabels: { apps: `phi-${i}` } },
      mode,
    });
  }
  return app;
}

function plain(manifests: readonly Manifest[]): App {
  const app = new App();
  const chart = new Chart(app, 'bench');
  manifests.forEach((m, i) => new ApiObject(chart, `o${i}`, m));
  return app;
}

/** The plain objects: exactly what our constructs synthesize, parsed back from one synth. */
function objectsOf(yaml: string): Manifest[] {
  return parseAllDocuments(yaml).map((d) => d.toJS() as Manifest);
}

interface Sample {
  /** CPU time, ms. */
  readonly ms: number;
  /** Wall-clock time, ms. */
  readonly wallMs: number;
  readonly heapMiB: number;
}

function measure(build: () => App): Sample {
  gc!();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const app = build();
  const yaml = app.synthYaml();
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const ms = (cpu.user + cpu.system) / 1000;
  // Measured while the app and its YAML are still referenced.
  const heapMiB = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  return { ms, wallMs, heapMiB: app.charts.length > 0 && yaml.length > 0 ? heapMiB : 0 };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const fmt = (x: number, digits = 1): string => x.toFixed(digits);

/** What one separate process measured for one cell. */
interface ColdRun {
  readonly rssMiB: number;
  /** CPU time of construct + synth in that fresh process, ms. */
  readonly ms: number;
  /** Full (mark-compact) collections during construct + synth. */
  readonly fullGcs: number;
}

/**
 * Child process: one cell once (`plain` reads its objects from a JSON file), then what it measured as a
 * {@link ColdRun} in JSON on stdout; with N = 0 it only loads the modules.
 */
function child(mode: Mode, variant: string, n: number, objectsFile?: string): void {
  let ms = 0;
  let start = Infinity;
  let fullGcs = 0;
  // Entries arrive after the synchronous work: counted by when they started.
  const counted = (e: PerformanceEntry): boolean =>
    e.startTime >= start && (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR;
  const gcs = new PerformanceObserver((list) => {
    fullGcs += list.getEntries().filter(counted).length;
  });
  gcs.observe({ entryTypes: ['gc'] });
  if (n > 0) {
    const objects = variant === 'plain' ? (JSON.parse(readFileSync(objectsFile!, 'utf8')) as Manifest[]) : [];
    start = performance.now();
    const cpu0 = process.cpuUsage();
    const app = variant === 'ours' ? ours(mode, n) : plain(objects);
    app.synthYaml();
    const cpu = process.cpuUsage(cpu0);
    ms = (cpu.user + cpu.system) / 1000;
  }
  // GC entries are delivered on the event loop: read the count once it has turned.
  setTimeout(() => {
    gcs.disconnect();
    const run: ColdRun = { rssMiB: process.resourceUsage().maxRSS / 1024, ms, fullGcs };
    process.stdout.write(JSON.stringify(run));
  }, 100);
}

function coldRun(mode: Mode, variant: 'ours' | 'plain', n: number, objects: readonly Manifest[] = []): ColdRun {
  const file = join(tmpdir(), `kaito-bench-${process.pid}.json`);
  if (variant === 'plain') writeFileSync(file, JSON.stringify(objects));
  try {
    const args = [...process.execArgv, __filename, '--child', mode, variant, String(n), file];
    return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })) as ColdRun;
  } finally {
    rmSync(file, { force: true });
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3] as Mode, process.argv[4], Number(process.argv[5]), process.argv[6]);
} else {
  main();
}

function main(): void {
  const args = process.argv.slice(2);
  const modes = (['operator', 'direct'] as const).filter((m) => args.length === 0 || args.includes(m));
  const asked = args.filter((a) => /^\d+$/.test(a)).map(Number);
  const SIZES = ALL_SIZES.filter((n) => asked.length === 0 || asked.includes(n));
  const cold: string[] = [];
  const rss = (mode: Mode, variant: 'ours' | 'plain', n: number, objects: readonly Manifest[] = []): number => {
    const runs = Array.from({ length: RSS_RUNS }, () => coldRun(mode, variant, n, objects));
    cold.push(
      `  ${mode} ${n} ${variant}: peak RSS ${runs.map((r) => fmt(r.rssMiB, 0)).join(' / ')} MiB, ` +
        `CPU ${runs.map((r) => fmt(r.ms, 0)).join(' / ')} ms, full GCs ${runs.map((r) => r.fullGcs).join(' / ')}`,
    );
    return median(runs.map((r) => r.rssMiB));
  };
  // Warm-up: JIT both paths before anything is timed.
  for (const mode of ['operator', 'direct'] as const) {
    const yaml = ours(mode, 200).synthYaml();
    plain(objectsOf(yaml)).synthYaml();
  }

  console.log(`node ${process.version}; medians of ${SIZES.map((n) => `${RUNS[n]} runs at N = ${n}`).join(', ')}`);
  console.log(
    `peak RSS of a process that only loads the modules: ${fmt(coldRun('direct', 'ours', 0).rssMiB, 0)} MiB\n`,
  );
  console.log(
    '| mode | N | objects | ours CPU ms | plain CPU ms | ratio | ours us/ws | ours wall ms | plain wall ms | ours heap MiB | plain heap MiB | ours peak RSS MiB | plain peak RSS MiB |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const perWorkspace: Record<Mode, number[]> = { operator: [], direct: [] };
  for (const mode of modes) {
    for (const n of SIZES) {
      const objects = objectsOf(ours(mode, n).synthYaml());
      const a: Sample[] = [];
      const b: Sample[] = [];
      for (let r = 0; r < RUNS[n]; r++) {
        // Alternate the order so that neither side always runs on a warmer or fuller heap.
        if (r % 2 === 0) {
          a.push(measure(() => ours(mode, n)));
          b.push(measure(() => plain(objects)));
        } else {
          b.push(measure(() => plain(objects)));
          a.push(measure(() => ours(mode, n)));
        }
      }
      const [oursMs, plainMs] = [median(a.map((s) => s.ms)), median(b.map((s) => s.ms))];
      perWorkspace[mode].push((oursMs * 1000) / n);
      console.log(
        `| ${mode} | ${n} | ${objects.length} | ${fmt(oursMs)} | ${fmt(plainMs)} | ${fmt(oursMs / plainMs, 2)} | ` +
          `${fmt((oursMs * 1000) / n, 0)} | ${fmt(median(a.map((s) => s.wallMs)))} | ${fmt(median(b.map((s) => s.wallMs)))} | ` +
          `${fmt(median(a.map((s) => s.heapMiB)))} | ${fmt(median(b.map((s) => s.heapMiB)))} | ` +
          `${fmt(rss(mode, 'ours', n), 0)} | ${fmt(rss(mode, 'plain', n, objects), 0)} |`,
      );
    }
  }
  console.log('\nSeparate processes, one cell each (construct + synth in a fresh process):');
  for (const line of cold) console.log(line);
  console.log(`\nLinearity (ours, CPU microseconds per workspace at N = ${SIZES.join(' / ')}):`);
  for (const mode of modes) {
    console.log(`  ${mode}: ${perWorkspace[mode].map((x) => fmt(x, 0)).join(' / ')}`);
  }
}
