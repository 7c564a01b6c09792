import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { WorkspaceStatus } from '../../../src/api';
import { nodeClaimName, renderInference } from '../../../src/render';
import { parseWorkspace } from '../../../src/api';
import { planWorkspace } from '../../../src/plan';
import { benchmarkLogSource, parseBenchmarkLog } from '../../../src/reconciler/benchmark';
import { decide, WORKSPACE_FINALIZER, type Observation } from '../../../src/reconciler/decide';
import type { RawObject } from '../../../src/reconciler/observe';

/* status.performance from what the benchmark startup probe prints to the leader's log. */

const NOW = '2026-11-22T10:00:00Z';
const SEED = join(__dirname, '..', '..', 'fixtures', 'seed', 'phi-3-mini-inference.yaml');
const NAME = 'workspace-phi-3-mini';

const LOG = [
  'INFO:     Started server process [1]',
  'KAITO_BENCHMARK_CONFIG 2026-11-22T09:58:00Z {"duration_sec": 60, "input_tokens": 1024, "output_tokens": 256, "max_concurrency": 64}',
  'KAITO_BENCHMARK_RESULT 2026-11-22T09:58:30Z {"vllm_total_tpm": -1.0, "ttft_avg_ms": -1.0, "tpot_avg_ms": -1.0}',
  'KAITO_BENCHMARK_RESULT 2026-11-22T09:59:40Z {"vllm_total_tpm": 152340.5, "ttft_avg_ms": 210.4, "tpot_avg_ms": 18.2}',
  'INFO:     127.0.0.1 - "GET /health HTTP/1.1" 200 OK',
].join('\n');

describe('parseBenchmarkLog', () => {
  test('the last result line, the config, and the runtime, as Kaito reports them', () => {
    expect(parseBenchmarkLog(LOG, { engine: 'vllm' })).toEqual({
      metrics: {
        peakTokensPerMinute: {
          description: 'stress/high-concurrency',
          value: '152340.5',
          unit: 'tokens/min',
          config: {
            durationSec: '60',
            inputTokens: '1024',
            outputTokens: '256',
            maxConcurrency: '64',
            engine: 'vllm',
          },
        },
      },
    });
  });

  test.each([
    ['no result line', 'INFO: nothing here\n'],
    ['a failed run (-1)', 'KAITO_BENCHMARK_RESULT 2026-11-22T09:58:30Z {"vllm_total_tpm": -1.0}'],
    ['a result without its time', 'KAITO_BENCHMARK_RESULT {"vllm_total_tpm":5}'],
    ['not JSON', 'KAITO_BENCHMARK_RESULT 2026-11-22T09:58:30Z {vllm_total_tpm: 5'],
    ['a string figure', 'KAITO_BENCHMARK_RESULT 2026-11-22T09:58:30Z {"vllm_total_tpm": "5"}'],
  ])('nothing for %s', (_what, log) => {
    expect(parseBenchmarkLog(log)).toBeUndefined();
  });
});

/** The leader pod as the StatefulSet controller makes it from the rendered template. */
function leaderPod(started: boolean, annotations: Record<string, string> = {}): RawObject {
  const text = readFileSync(SEED, 'utf8');
  const ws = parseWorkspace(text);
  const annotated = { ...ws, metadata: { ...ws.metadata, annotations } };
  const template = (
    renderInference(annotated, planWorkspace(annotated)) as unknown as {
      spec: { template: { metadata: Record<string, unknown>; spec: Record<string, unknown> } };
    }
  ).spec.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...template.metadata, name: `${NAME}-0`, namespace: 'default', uid: 'uid-0' },
    spec: template.spec,
    status: { containerStatuses: [{ name: NAME, started, ready: started, restartCount: 0 }] },
  };
}

function stored(status?: WorkspaceStatus, annotations: Record<string, string> = {}): RawObject {
  const ws = parse(readFileSync(SEED, 'utf8'));
  return {
    ...ws,
    apiVersion: 'kaito.sh/v1beta1',
    metadata: {
      ...ws.metadata,
      annotations,
      namespace: 'default',
      uid: 'u',
      generation: 1,
      finalizers: [WORKSPACE_FINALIZER],
    },
    ...(status ? { status } : {}),
  };
}

describe('benchmarkLogSource: when the reconciler reads the log', () => {
  test('once the leader passed its benchmark probe, and only then', () => {
    expect(benchmarkLogSource(stored(), [leaderPod(true)])).toEqual({
      pod: `${NAME}-0`,
      container: NAME,
      run: 'uid-0/0',
    });
    expect(benchmarkLogSource(stored(), [leaderPod(false)])).toBeUndefined();
    expect(benchmarkLogSource(stored(), [])).toBeUndefined();
  });

  test('not when the status has it already, nor when the benchmark is off', () => {
    const filled = { performance: parseBenchmarkLog(LOG)! };
    expect(benchmarkLogSource(stored(filled), [leaderPod(true)])).toBeUndefined();
    const off = { 'kaito.sh/disable-benchmark': 'true' };
    expect(benchmarkLogSource(stored(undefined, off), [leaderPod(true, off)])).toBeUndefined();
  });
});

describe('decide fills status.performance', () => {
  const ref = { metadata: { name: NAME, namespace: 'default' } } as Parameters<typeof nodeClaimName>[0];
  const ready = (ws: RawObject, benchmarkLog?: string): Observation => ({
    workspace: ws,
    nodeClaims: [
      {
        apiVersion: 'karpenter.sh/v1',
        kind: 'NodeClaim',
        metadata: { name: nodeClaimName(ref, 0) },
        status: { conditions: [{ type: 'Ready', status: 'True' }], nodeName: 'n0' },
      },
    ],
    nodes: [
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: 'n0',
          labels: {
            'node.kubernetes.io/instance-type': 'Standard_NC6s_v3',
            'kaito.sh/workspace': NAME,
            'kaito.sh/workspacenamespace': 'default',
          },
        },
        status: { capacity: { 'nvidia.com/gpu': '1' }, conditions: [{ type: 'Ready', status: 'True' }] },
      },
    ],
    workload: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: NAME, namespace: 'default' },
      spec: { replicas: 1 },
      status: { readyReplicas: 1 },
    },
    pods: [leaderPod(true)],
    ...(benchmarkLog === undefined ? {} : { benchmarkLog }),
  });

  test('from the log, with the engine; kept on later passes without the log', () => {
    const first = decide(ready(stored(), LOG), { provisioner: 'gpu-provisioner', now: NOW });
    expect(first.status?.performance).toEqual(parseBenchmarkLog(LOG, { engine: 'vllm' }));
    expect(first.status?.state).toBe('Ready');
    const again = decide(ready(stored(first.status)), { provisioner: 'gpu-provisioner', now: NOW });
    expect(again.status).toBeUndefined();
  });

  test('a log without a result leaves it unset', () => {
    const d = decide(ready(stored(), 'INFO: starting\n'), { provisioner: 'gpu-provisioner', now: NOW });
    expect(d.status?.performance).toBeUndefined();
    expect(d.status?.state).toBe('Ready');
  });
});
