import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import { InferenceService, KaitoWorkspace } from '../../../src/cdk8s';
import { runCli, type CliIo } from '../../../src/cli';
import { validateWorkspace, ValidationError, type Problem } from '../../../src/api';
import { renderInference, renderTuningJob, renderWorkspace } from '../../../src/render';
import { chart } from '../cdk8s/helpers';
import { byKind, container, podOf, seed, SEED_FILES, workspace } from './helpers';

const DNS_LABEL_MESSAGE =
  'must be a DNS-1123 label: at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit';

describe('namespaces reach names, DNS and scripts: every way in is checked', () => {
  const base = {
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'x' } } },
    inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
  };
  const errors = (metadata: Record<string, unknown>) =>
    validateWorkspace({ ...base, metadata: { name: 'ws', ...metadata } })
      .filter((p) => p.severity === 'error' && p.path.startsWith('metadata'))
      .map((p) => [p.path, p.message]);

  test.each([
    // Not a string: refused by the schema, before the rules (the API server says the same).
    [['$(touch /tmp/x)'], 'must be of type string, got array ["$(touch /tmp/x)"]'],
    ['$(touch /tmp/x)', `"$(touch /tmp/x)" ${DNS_LABEL_MESSAGE}`],
    ['Team-A', `"Team-A" ${DNS_LABEL_MESSAGE}`],
    [7, 'must be of type string, got integer 7 (quote it: "7")'],
    ['a'.repeat(64), `"${'a'.repeat(64)}" ${DNS_LABEL_MESSAGE}`],
  ])('metadata.namespace %j is refused by the rules', (namespace, message) => {
    expect(errors({ namespace })).toContainEqual(['metadata.namespace', message]);
  });

  test('a DNS-1123 namespace passes', () => {
    expect(errors({ namespace: 'team-a' })).toEqual([]);
  });

  test('kaito render --namespace is checked: a usage error naming the flag, nothing printed', () => {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      readFile: () => '',
      readStdin: () => '',
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    };
    const code = runCli(['render', '--mode', 'direct', '--namespace', '$(touch /tmp/x)', 'x.yaml'], io);
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toContain(`--namespace: "$(touch /tmp/x)" ${DNS_LABEL_MESSAGE}`);
  });

  test('a cdk8s chart namespace is checked where a construct reads it', () => {
    const problems = (make: () => unknown): Array<[string, string]> => {
      try {
        make();
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        return (e as ValidationError).problems.map((p: Problem) => [p.path, p.message]);
      }
      throw new Error('no error');
    };
    const expected = [['namespace', `"$(touch /tmp/x)" ${DNS_LABEL_MESSAGE}`]];
    expect(
      problems(
        () =>
          new InferenceService(chart('$(touch /tmp/x)'), 'phi', {
            preset: 'phi-3-mini-4k-instruct',
            instanceType: 'Standard_NC6s_v3',
            mode: 'direct',
            labelSelector: { matchLabels: { apps: 'gpu' } },
          }),
      ),
    ).toEqual(expected);
    expect(
      problems(
        () =>
          new KaitoWorkspace(chart('$(touch /tmp/x)'), 'ws', {
            metadata: { name: 'ws' },
            resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'x' } } },
            inference: { preset: { name: 'phi-3-mini-4k-instruct' } },
          }),
      ),
    ).toEqual(expected);
  });
});

describe('rendered pods', () => {
  test.each(SEED_FILES)('%s: no service account token, /dev/shm bounded to 16Gi', (file) => {
    const { ws, plan } = seed(file);
    for (const o of renderWorkspace(ws, plan).filter((x) => x.kind === 'StatefulSet' || x.kind === 'Job')) {
      const pod = podOf(o);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.volumes?.find((v) => v.name === 'dshm')).toEqual({
        name: 'dshm',
        emptyDir: { medium: 'Memory', sizeLimit: '16Gi' },
      });
    }
  });

  test('a template pod gets no token unless the template asks for one', () => {
    const template = { spec: { containers: [{ name: 'c', image: 'example.com/c:1' }] } };
    const { ws, plan } = workspace({ inference: { template } });
    expect(podOf(renderInference(ws, plan)).automountServiceAccountToken).toBe(false);
  });

  const envNames = (pod: ReturnType<typeof podOf>) =>
    Object.fromEntries(
      [...(pod.initContainers ?? []), ...pod.containers].map((c) => [c.name, (c.env ?? []).map((e) => e.name)]),
    );

  test('inference: the HF token only in the server (it downloads the weights), not in the adapter pullers', () => {
    const { ws, plan } = workspace({
      inference: {
        preset: { name: 'llama-3.1-8b-instruct', presetOptions: { modelAccessSecret: 'hf' } },
        adapters: [{ source: { name: 'a', image: 'reg.io/a:1' } }],
      },
    });
    const pod = podOf(renderInference(ws, plan));
    expect(envNames(pod)).toEqual({
      'puller-a': [],
      ws: ['VLLM_USE_FLASHINFER_SAMPLER', 'VLLM_USE_DEEP_GEMM', 'HF_TOKEN'],
    });
  });

  test('tuning: the HF token only in the weights downloader, not in training, data download or push', () => {
    const { ws, plan } = workspace({
      tuning: {
        preset: { name: 'phi-4-mini-instruct', presetOptions: { modelAccessSecret: 'hf' } },
        method: 'lora',
        input: { urls: ['https://example.com/d.parquet'] },
        output: { image: 'reg.io/out:1', imagePushSecret: 'push' },
      },
    });
    const pod = podOf(renderTuningJob(ws, plan));
    const names = envNames(pod);
    expect(Object.entries(names).filter(([, env]) => env.includes('HF_TOKEN'))).toEqual([
      ['model-weights-downloader', ['HF_TOKEN']],
    ]);
    expect(container(pod, 'data-downloader').env).toBeUndefined();
  });
});

describe('the egress NetworkPolicy of tuning pods', () => {
  test('tuning: DNS, and every address but the private, link-local and metadata ranges', () => {
    const { ws, plan } = seed('phi-3-mini-4k-qlora-tuning.yaml');
    const [policy] = byKind(renderWorkspace(ws, plan), 'NetworkPolicy') as unknown as [NetworkPolicy];
    expect(policy).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: 'workspace-phi-3-mini-egress',
        namespace: 'default',
        labels: { 'kaito.sh/workspace': 'workspace-phi-3-mini' },
      },
      spec: {
        podSelector: { matchLabels: { 'kaito.sh/workspace': 'workspace-phi-3-mini' } },
        policyTypes: ['Egress'],
        egress: [
          {
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
          {
            to: [
              {
                ipBlock: {
                  cidr: '0.0.0.0/0',
                  except: [
                    '0.0.0.0/8',
                    '10.0.0.0/8',
                    '100.64.0.0/10',
                    '127.0.0.0/8',
                    '168.63.129.16/32',
                    '169.254.0.0/16',
                    '172.16.0.0/12',
                    '192.0.0.0/24',
                    '192.168.0.0/16',
                  ],
                },
              },
              { ipBlock: { cidr: '::/0', except: ['::1/128', 'fc00::/7', 'fe80::/10'] } },
            ],
          },
        ],
      },
    });
    const job = byKind(renderWorkspace(ws, plan), 'Job')[0];
    expect(podOf(job) && (job as unknown as { spec: { template: { metadata: { labels: object } } } })).toMatchObject({
      spec: { template: { metadata: { labels: { 'kaito.sh/workspace': 'workspace-phi-3-mini' } } } },
    });
  });

  test('with an owner UID the policy is owned by the workspace (deleted with it)', () => {
    const { ws, plan } = seed('phi-3-mini-4k-qlora-tuning.yaml');
    const [policy] = byKind(renderWorkspace(ws, plan, { ownerUid: 'u-1' }), 'NetworkPolicy');
    expect(policy.metadata.ownerReferences?.map((o) => [o.kind, o.uid])).toEqual([['Workspace', 'u-1']]);
  });

  test('inference: none', () => {
    const { ws, plan } = seed('phi-3-mini-inference.yaml');
    expect(byKind(renderWorkspace(ws, plan), 'NetworkPolicy')).toEqual([]);
  });
});
