import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support';
import { KUBECONFIG } from './cluster';

/*
 * The `kaito-reconciler` command as a child process (the sources through ts-node, so no build is needed),
 * for what only a process can show: SIGKILL, SIGTERM and exit codes, two replicas.
 */

/** A running `kaito-reconciler` process and what it logged. */
export interface ChildReconciler {
  readonly process: ChildProcess;
  /** Its JSON log lines so far. */
  readonly lines: Array<Record<string, unknown>>;
  /** Lines on stderr that were not JSON (stack traces). */
  readonly other: string[];
  /** Settles when it exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log line (past or future) that satisfies `match`; rejects after `timeoutMs`. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** The ports it serves /healthz and /metrics on. */
  ports(): Promise<{ health: number; metrics: number }>;
}

/** Starts `kaito-reconciler` with `args` against the test cluster; health and metrics on free ports. */
export function spawnReconciler(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildReconciler {
  const { NODE_OPTIONS: _vmModules, ...inherited } = process.env;
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      join(REPO_ROOT, 'src/reconciler/main.ts'),
      `--kubeconfig=${KUBECONFIG}`,
      '--health-probe-bind-address=127.0.0.1:0',
      '--metrics-bind-address=127.0.0.1:0',
      ...args,
    ],
    { cwd: REPO_ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Array<Record<string, unknown>> = [];
  const other: string[] = [];
  const watchers: Array<() => void> = [];
  let buffered = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    buffered += chunk;
    let i: number;
    while ((i = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        other.push(line);
      }
    }
    for (const w of watchers.slice()) w();
  });
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const w of watchers.slice()) w();
    }),
  );
  const waitForLog = (match: (line: Record<string, unknown>) => boolean, timeoutMs = 60_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = lines.find(match);
        if (found !== undefined) {
          done();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`reconciler exited (${child.exitCode ?? child.signalCode}): ${other.join('\n')}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching log line within ${timeoutMs} ms; last: ${JSON.stringify(lines.slice(-5))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        const i = watchers.indexOf(check);
        if (i >= 0) watchers.splice(i, 1);
      };
      watchers.push(check);
      check();
    });
  return {
    process: child,
    lines,
    other,
    exited,
    waitForLog,
    ports: async () => {
      const line = await waitForLog((l) => l.msg === 'serving');
      return { health: Number(line.healthPort), metrics: Number(line.metricsPort) };
    },
  };
}

/** GET `path` on 127.0.0.1:`port`: status and body. */
export async function localGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

/** The value of a metric (no labels, or the given label text like `result="success"`) in Prometheus text. */
export function metricValue(text: string, name: string, labels = ''): number {
  const prefix = labels === '' ? `${name} ` : `${name}{${labels}} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? 0 : Number(line.slice(prefix.length));
}
