/*
 * The Prometheus text exposition format (version 0.0.4) for the few counters, gauges and histograms the
 * reconciler keeps. Prometheus's Node.js client would load 80 more modules (OpenTelemetry's API among them)
 * and collectors this process never reads, about 3 MiB of RSS; the format is small.
 */

/** One labelled value of a metric. */
export interface Sample<L extends string> {
  readonly labels: Readonly<Partial<Record<L, string>>>;
  readonly value: number;
}

/** Something a registry writes out. */
interface Exposed {
  readonly name: string;
  expose(): string;
}

/** Metrics written out together, in registration order. */
export class Registry {
  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';
  private readonly registered: Exposed[] = [];

  /** Adds a metric; its name must be new here. */
  register<M extends Exposed>(metric: M): M {
    if (this.registered.some((m) => m.name === metric.name)) throw new Error(`metric ${metric.name} registered twice`);
    this.registered.push(metric);
    return metric;
  }

  /** Every metric in the text format. */
  async metrics(): Promise<string> {
    return this.registered.map((m) => m.expose()).join('');
  }
}

const escapeHelp = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** A number as Prometheus writes it (`+Inf`, `-Inf`, `NaN`). */
function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

/** `{a="x",b="y"}`, or nothing without labels. */
function formatLabels(pairs: readonly (readonly [string, string])[]): string {
  return pairs.length === 0 ? '' : `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/** What labelled metrics share: the label names in order and a value per label combination. */
abstract class Labelled<L extends string, V> implements Exposed {
  protected readonly series = new Map<string, { readonly labels: Partial<Record<L, string>>; value: V }>();

  constructor(
    readonly name: string,
    readonly help: string,
    protected readonly labelNames: readonly L[] = [],
  ) {}

  protected abstract readonly type: string;
  protected abstract initial(): V;
  protected abstract lines(labels: readonly (readonly [string, string])[], value: V): string[];

  /** The series for `labels`, created on first use. */
  protected entry(labels: Partial<Record<L, string>>): { value: V } {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    let e = this.series.get(key);
    if (e === undefined) {
      for (const k of Object.keys(labels)) {
        if (!(this.labelNames as readonly string[]).includes(k)) throw new Error(`${this.name}: no label ${k}`);
      }
      e = { labels: { ...labels }, value: this.initial() };
      this.series.set(key, e);
    }
    return e;
  }

  /** Called before the metric is written out (gauges that read their value when scraped). */
  protected collect(): void {}

  expose(): string {
    this.collect();
    const out = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.series.values()) {
      const pairs = this.labelNames.flatMap((n) => (labels[n] !== undefined ? [[n, labels[n]!] as const] : []));
      out.push(...this.lines(pairs, value));
    }
    return `${out.join('\n')}\n`;
  }
}

/** A counter or a gauge: one number per label combination, kept or read when scraped. */
abstract class Scalar<L extends string> extends Labelled<L, number> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    private readonly read?: () => Iterable<readonly [Partial<Record<L, string>>, number]>,
  ) {
    super(name, help, labelNames);
    // A metric without labels exists, at 0, before its first change.
    if (labelNames.length === 0 && read === undefined) this.entry({});
  }

  protected override collect(): void {
    if (this.read === undefined) return;
    this.series.clear();
    for (const [labels, value] of this.read()) this.entry(labels).value = value;
  }

  protected initial(): number {
    return 0;
  }

  protected lines(pairs: readonly (readonly [string, string])[], value: number): string[] {
    return [`${this.name}${formatLabels(pairs)} ${formatValue(value)}`];
  }

  /** Every series, with its labels. */
  values(): Sample<L>[] {
    this.collect();
    return [...this.series.values()].map(({ labels, value }) => ({ labels, value }));
  }

  /** The sum over every series. */
  total(): number {
    return this.values().reduce((sum, s) => sum + s.value, 0);
  }
}

/** A number that only goes up (or, given `read`, a total kept elsewhere). */
export class Counter<L extends string = never> extends Scalar<L> {
  protected readonly type = 'counter';

  inc(labels: Partial<Record<L, string>> = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name}: a counter cannot go down (${by})`);
    this.entry(labels).value += by;
  }
}

/** A number that goes up and down, or is read when scraped. */
export class Gauge<L extends string = never> extends Scalar<L> {
  protected readonly type = 'gauge';

  set(value: number, labels: Partial<Record<L, string>> = {}): void {
    this.entry(labels).value = value;
  }
}

/** Observations counted into cumulative buckets, with their sum and count. */
export class Histogram<L extends string = never> extends Labelled<
  L,
  { readonly counts: number[]; sum: number; count: number }
> {
  protected readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    labelNames: readonly L[],
    private readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
    if (buckets.some((b, i) => i > 0 && b <= buckets[i - 1]!)) throw new Error(`${name}: buckets must increase`);
  }

  protected initial(): { counts: number[]; sum: number; count: number } {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  observe(labels: Partial<Record<L, string>>, value: number): void {
    const e = this.entry(labels).value;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) e.counts[i]! += 1;
    e.sum += value;
    e.count += 1;
  }

  protected lines(
    pairs: readonly (readonly [string, string])[],
    value: { readonly counts: number[]; sum: number; count: number },
  ): string[] {
    const le = (bound: string): string => formatLabels([...pairs, ['le', bound]]);
    return [
      ...this.buckets.map((b, i) => `${this.name}_bucket${le(formatValue(b))} ${value.counts[i]}`),
      `${this.name}_bucket${le('+Inf')} ${value.count}`,
      `${this.name}_sum${formatLabels(pairs)} ${formatValue(value.sum)}`,
      `${this.name}_count${formatLabels(pairs)} ${value.count}`,
    ];
  }
}

/**
 * The process's CPU time, memory and start time, under the names Prometheus's Node.js client uses, so that
 * dashboards made for it read these. Values are read when scraped.
 */
export function registerProcessMetrics(registry: Registry): void {
  const started = Math.round(Date.now() / 1000 - process.uptime());
  const read = (f: () => number) => (): [[object, number]] => [[{}, f()]];
  const cpu = (): number => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  };
  const memory = process.memoryUsage;
  for (const m of [
    new Counter(
      'process_cpu_user_seconds_total',
      'User CPU time spent in seconds.',
      [],
      read(() => process.cpuUsage().user / 1e6),
    ),
    new Counter(
      'process_cpu_system_seconds_total',
      'System CPU time spent in seconds.',
      [],
      read(() => process.cpuUsage().system / 1e6),
    ),
    new Counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', [], read(cpu)),
    new Gauge(
      'process_start_time_seconds',
      'Start time of the process since unix epoch in seconds.',
      [],
      read(() => started),
    ),
    new Gauge(
      'process_resident_memory_bytes',
      'Resident memory size in bytes.',
      [],
      read(() => memory.rss()),
    ),
    new Gauge(
      'nodejs_heap_size_total_bytes',
      'Process heap size from Node.js in bytes.',
      [],
      read(() => memory().heapTotal),
    ),
    new Gauge(
      'nodejs_heap_size_used_bytes',
      'Process heap size used from Node.js in bytes.',
      [],
      read(() => memory().heapUsed),
    ),
    new Gauge(
      'nodejs_external_memory_bytes',
      'Node.js external memory size in bytes.',
      [],
      read(() => memory().external),
    ),
  ]) {
    registry.register(m);
  }
}
