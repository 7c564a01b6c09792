import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Container } from 'kubernetes-types/core/v1';
import type { Workspace } from '../../../src/api';
import { renderInference, renderTuningJob } from '../../../src/render';
import { container, podOf, workspace } from './helpers';
import { calls, runContainer, sandbox, type Sandbox } from './scripts';

/*
 * Every rendered shell script, run under sh with hostile values where the schema would stop none of them
 * (the renderer is called directly, past validation): no value may run a command, and each reaches the
 * fake tools as one exact argument.
 */

/** Values that run `touch <marker>` if a shell ever reads them as script text. */
function hostile(marker: string): string[] {
  return [
    `$(touch ${marker})`,
    `\`touch ${marker}\``,
    `x;touch ${marker}`,
    `x' ; touch ${marker} ; '`,
    `x" ; touch ${marker} ; "`,
    `x\ntouch ${marker}`,
    `x && touch ${marker} #`,
  ];
}

/** A copy of a valid workspace with its name and namespace replaced, as if validation were skipped. */
function renamed(ws: Workspace, name: string, namespace: string): Workspace {
  return { ...ws, metadata: { ...ws.metadata, name, namespace } } as Workspace;
}

function shellContainers(pod: { initContainers?: Container[]; containers: Container[] }): Container[] {
  return [...(pod.initContainers ?? []), ...pod.containers].filter((c) => c.command?.[0] === '/bin/sh');
}

function run(box: Sandbox, c: Container, env: Record<string, string> = {}) {
  const result = runContainer(box, c, env);
  return { ...result, calls: calls(box) };
}

describe('multi-node vLLM: name and namespace reach the Ray scripts as data', () => {
  const multi = workspace({
    resource: { instanceType: 'Standard_NC48ads_A100_v4', labelSelector: { matchLabels: { apps: 'llm' } } },
    inference: { preset: { name: 'llama-3.3-70b-instruct', presetOptions: { modelAccessSecret: 'hf' } } },
  });

  test.each([0, 1, 2, 3, 4, 5, 6])('hostile value %d as name and namespace', (index) => {
    const box = sandbox();
    const marker = join(box.root, 'pwned');
    const value = hostile(marker)[index];
    const o = renderInference(renamed(multi.ws, value, value), multi.plan);
    const pod = podOf(o);
    const [main] = pod.containers;
    expect(shellContainers(pod).map((c) => c.name)).toEqual([value]);
    const address = `${value}-0.${value}-headless.${value}.svc.cluster.local`;

    const leader = run(box, main, { POD_INDEX: '0' });
    expect(leader.status).toBe(0);
    expect(leader.calls[0]).toEqual(['multi-node-serving.sh', 'leader', '--ray_cluster_size=2', '--ray_port=6379']);
    expect(leader.calls[1]).toEqual(['python3', join(box.paths['/workspace/vllm'], 'inference_api.py'), ...main.args!]);

    const workerBox = sandbox();
    const worker = run(workerBox, main, { POD_INDEX: '1' });
    expect(worker.status).toBe(0);
    expect(worker.calls).toEqual([['multi-node-serving.sh', 'worker', `--ray_address=${address}`, '--ray_port=6379']]);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(workerBox.root, 'pwned'))).toBe(false);
  });
});

describe('tuning: URLs, images, names and secrets reach curl, skopeo and oras as data', () => {
  const base = workspace({
    tuning: {
      preset: { name: 'phi-3-mini-4k-instruct' },
      method: 'qlora',
      input: { urls: ['https://example.com/data.parquet'] },
      output: { image: 'reg.io/out:1', imagePushSecret: 'push' },
    },
  });

  test('hostile URLs: one curl call per URL, each URL one exact argument, nothing run', () => {
    const box = sandbox();
    const marker = join(box.root, 'pwned');
    const urls = hostile(marker).map((v) => `https://example.com/${v}`);
    const ws = { ...base.ws, tuning: { ...base.ws.tuning!, input: { urls } } } as Workspace;
    const downloader = container(podOf(renderTuningJob(ws, base.plan)), 'data-downloader');
    const result = run(box, downloader);
    expect(result.status).toBe(0);
    expect(result.calls.map((c) => c[0])).toEqual(urls.map(() => 'curl'));
    expect(result.calls.map((c) => c[c.length - 1])).toEqual(urls);
    expect(existsSync(marker)).toBe(false);
  });

  test.each([0, 1, 2, 3, 4, 5, 6])('hostile value %d as name, namespace, images and secrets', (index) => {
    const box = sandbox();
    const marker = join(box.root, 'pwned');
    const value = hostile(marker)[index];
    const ws = {
      ...renamed(base.ws, value, value),
      tuning: {
        ...base.ws.tuning!,
        input: { name: value, image: `reg.io/${value}`, imagePullSecrets: [value] },
        output: { image: `reg.io/${value}:1`, imagePushSecret: value },
      },
    } as Workspace;
    const pod = podOf(renderTuningJob(ws, base.plan));
    expect(shellContainers(pod).map((c) => c.name)).toEqual(['data-puller', value, 'pusher']);

    writeFileSync(join(box.paths['/etc/kaito/pull-secrets'], `${value.replace(/\//g, '_')}.json`), '{}');
    const puller = run(box, container(pod, 'data-puller'));
    expect(puller.status).toBe(0);
    expect(puller.calls[0].slice(0, 3)).toEqual(['skopeo', 'copy', '--dest-decompress']);
    expect(puller.calls[0].slice(-2)).toEqual([`docker://reg.io/${value}`, expect.stringMatching(/^dir:/)]);

    const training = run(sandbox(), container(pod, value));
    expect(training.status).toBe(0);

    const pushBox = sandbox();
    writeFileSync(join(pushBox.paths['/mnt/results'], 'adapter_config.json'), '{}');
    writeFileSync(join(pushBox.paths['/mnt/results'], 'adapter_model.safetensors'), 'weights');
    const pusher = run(pushBox, container(pod, 'pusher'));
    expect(pusher.status).toBe(0);
    expect(pusher.calls).toHaveLength(1);
    expect(pusher.calls[0]).toContain(`reg.io/${value}:1`);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(pushBox.root, 'pwned'))).toBe(false);
  });

  test('a redirect fails the download instead of being followed', () => {
    const downloader = container(podOf(renderTuningJob(base.ws, base.plan)), 'data-downloader');
    const box = sandbox();
    const result = run(box, downloader, { FAKE_CURL_CODE: '302' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'https://example.com/data.parquet answered HTTP 302; redirects are not followed: use the final URL\n',
    );
    expect(result.calls[0]).not.toContain('--location');
  });
});

describe('inference adapters: image pullers take hostile names and images as data', () => {
  test.each([0, 1, 2, 3, 4, 5, 6])('hostile value %d', (index) => {
    const { ws, plan } = workspace({
      inference: {
        preset: { name: 'phi-3-mini-4k-instruct' },
        adapters: [{ source: { name: 'a', image: 'reg.io/a:1', imagePullSecrets: ['s'] } }],
      },
    });
    const box = sandbox();
    const marker = join(box.root, 'pwned');
    const value = hostile(marker)[index];
    const bad = {
      ...renamed(ws, value, value),
      inference: { ...ws.inference!, adapters: [{ source: { name: value, image: `reg.io/${value}` } }] },
    } as Workspace;
    const pod = podOf(renderInference(bad, plan));
    const [puller] = shellContainers(pod);
    const result = run(box, puller);
    expect(result.status).toBe(0);
    expect(result.calls[0]).toContain(`docker://reg.io/${value}`);
    expect(existsSync(marker)).toBe(false);
  });
});
