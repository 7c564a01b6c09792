import type { Pod } from 'kubernetes-types/core/v1';
import type { PerformanceMetric, WorkspaceStatus } from '../api/types';
import { BENCHMARK_SCRIPT } from '../render/inference';
import type { RawObject } from './observe';

/*
 * The startup probe of a vLLM preset workspace runs the runtime image's benchmark once the model is loaded
 * (see renderInference). The script prints its outcome to the server container's log, as Kaito's does:
 *
 *   KAITO_BENCHMARK_CONFIG <RFC3339 time> {"duration_sec":..,"input_tokens":..,"output_tokens":..,"max_concurrency":..}
 *   KAITO_BENCHMARK_RESULT <RFC3339 time> {"vllm_total_tpm":..,"ttft_avg_ms":..,"tpot_avg_ms":..}
 *
 * A probe cannot write status, so the reconciler reads the tail of the leader pod's log once the probe has
 * passed (`started: true`, so the last result line is the successful run) and fills `status.performance`
 * from it, once: a filled status is not read again.
 */

/** Lines of the leader's log read (the result is printed at the end of the startup sequence). */
export const BENCHMARK_LOG_TAIL_LINES = 500;
/** Bytes of log read at most, whatever the lines hold. */
export const BENCHMARK_LOG_LIMIT_BYTES = 1 << 20;
/** How long the log read may take (the API server fetches it from the node's kubelet). */
export const BENCHMARK_LOG_TIMEOUT_MS = 10_000;
/** The metric the benchmark fills, as Kaito names it. */
export const PEAK_TPM_METRIC = 'peakTokensPerMinute';

const RESULT_TAG = 'KAITO_BENCHMARK_RESULT';
const CONFIG_TAG = 'KAITO_BENCHMARK_CONFIG';

/** The leader pod and container whose log holds the benchmark's result, once there is one to read. */
export interface BenchmarkLogSource {
  readonly pod: string;
  readonly container: string;
  /** The container's run (pod uid and restart count): its log is read a bounded number of times. */
  readonly run: string;
}

/** Reads of one container run's log at most (a result is printed once; a node may not answer). */
export const BENCHMARK_LOG_ATTEMPTS = 3;

/**
 * Where to read the benchmark's result: the leader pod `<ws>-0`, when its server container runs the
 * benchmark probe and the probe has passed, and the workspace has no performance status yet.
 */
export function benchmarkLogSource(workspace: RawObject, pods: readonly RawObject[]): BenchmarkLogSource | undefined {
  const status = (workspace.status ?? {}) as WorkspaceStatus;
  if (status.performance !== undefined) return undefined;
  const name = workspace.metadata?.name ?? '';
  const leader = pods.find((p) => p.metadata?.name === `${name}-0`) as Pod | undefined;
  const container = leader?.spec?.containers?.find((c) => c.name === name);
  const command = container?.startupProbe?.exec?.command ?? [];
  if (!command.some((part) => typeof part === 'string' && part.includes(BENCHMARK_SCRIPT))) return undefined;
  const state = leader?.status?.containerStatuses?.find((c) => c.name === name);
  if (state?.started !== true) return undefined;
  return { pod: `${name}-0`, container: name, run: `${leader?.metadata?.uid ?? ''}/${state.restartCount ?? 0}` };
}

/** The JSON after `<tag> <time> ` in a line, else undefined. */
function payload(line: string, tag: string): unknown {
  const at = line.indexOf(tag);
  if (at < 0) return undefined;
  const rest = line.slice(at + tag.length).trim();
  const space = rest.indexOf(' ');
  if (space < 0) return undefined;
  try {
    return JSON.parse(rest.slice(space + 1).trim()) as unknown;
  } catch {
    return undefined;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const CONFIG_KEYS = [
  ['duration_sec', 'durationSec'],
  ['input_tokens', 'inputTokens'],
  ['output_tokens', 'outputTokens'],
  ['max_concurrency', 'maxConcurrency'],
] as const;

/**
 * `status.performance` from the benchmark's log lines: the last result line wins (a failed probe tick may have
 * printed an earlier one). Undefined when there is no result, or it is not a positive tokens-per-minute figure
 * (the script prints -1 when the run failed).
 */
export function parseBenchmarkLog(
  log: string,
  runtime: Readonly<Record<string, string>> = {},
): WorkspaceStatus['performance'] | undefined {
  let result: unknown;
  let config: unknown;
  for (const line of log.split('\n')) {
    const r = payload(line, RESULT_TAG);
    if (r !== undefined) result = r;
    else {
      const c = payload(line, CONFIG_TAG);
      if (c !== undefined) config = c;
    }
  }
  const tpm = isRecord(result) ? result.vllm_total_tpm : undefined;
  if (typeof tpm !== 'number' || !Number.isFinite(tpm) || tpm <= 0) return undefined;
  const settings: Record<string, string> = {};
  if (isRecord(config)) {
    for (const [from, to] of CONFIG_KEYS) {
      const v = config[from];
      if (typeof v === 'number' && Number.isInteger(v)) settings[to] = String(v);
    }
  }
  Object.assign(settings, runtime);
  const metric: PerformanceMetric = {
    description: 'stress/high-concurrency',
    value: String(tpm),
    unit: 'tokens/min',
    ...(Object.keys(settings).length > 0 ? { config: settings } : {}),
  };
  return { metrics: { [PEAK_TPM_METRIC]: metric } };
}
