import { Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { GpuNodePool } from '../../src/cdk8s';
import { runCli } from '../../src/cli/run';
import { CONSTRUCTS_API_VERSION } from '../../src/cli/constructs';

/*
 * Construct documents in `kaito validate` and `kaito render`: what the parity table does not cover (the
 * documents' own rules: unknown fields, pool references, kinds; Karpenter pools, which only cdk8s has).
 */

function run(argv: string[], text: string) {
  let stdout = '';
  let stderr = '';
  const code = runCli(argv, {
    readFile: () => text,
    readStdin: () => text,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

const header = `apiVersion: ${CONSTRUCTS_API_VERSION}\n`;
const phi = `${header}kind: InferenceService\nmetadata: {name: phi}\npreset: phi-3-mini-4k-instruct\n`;

describe('construct documents', () => {
  test.each([
    [
      `${phi}instancetype: Standard_NC6s_v3\n`,
      [
        'c.yaml: instancetype: unknown field; did you mean "instanceType"?',
        'c.yaml: instanceType: say where to run: instanceType (nodes the operator provisions), nodePool (a GpuNodePool) or labelSelector (your own GPU nodes)',
      ].join('\n'),
    ],
    [`${phi}nodePool: gpu\n`, 'c.yaml: nodePool: no GpuNodePool named "gpu" among the inputs'],
    [
      `${header}kind: GpuNodePool\nprovider: aso\nname: gpu-pool\nclusterName: aks\nvmSize: Standard_NC6s_v3\n---\n${phi}nodePool: gpu-pool\n`,
      [
        'c.yaml: name: "gpu-pool" must be 1-12 lower-case letters and digits, starting with a letter, as AKS requires',
        'c.yaml#2: nodePool: GpuNodePool "gpu-pool" is invalid (see its problems)',
      ].join('\n'),
    ],
    [
      `${header}kind: Deployment\n`,
      'c.yaml: kind: "Deployment" is not one of InferenceService, TuningJob, GpuNodePool',
    ],
    [
      `${header}kind: TuningJob\npreset: phi-3-mini-128k-instruct\n`,
      'c.yaml: metadata: required: an object with at least name',
    ],
    [
      `${header}kind: GpuNodePool\nprovider: aso\nname: gpu\nclusterName: aks\nvmSize: Standard_NC6s_v3\nnodeLabels: [a]\nnodeTaints: x\n`,
      [
        'c.yaml: nodeLabels: must be a map of label keys to values',
        'c.yaml: nodeTaints: must be a list of taints key=value:Effect',
      ].join('\n'),
    ],
    [
      `${header}kind: InferenceService\nmetadata: {name: phi, annotations: [note]}\npreset: phi-3-mini-4k-instruct\ninstanceType: Standard_NC6s_v3\n`,
      'c.yaml: metadata.annotations: must be of type object, got array ["note"]',
    ],
    [
      `${header}kind: GpuNodePool\nprovider: aks\nname: gpu\nvmSize: Standard_NC6s_v3\n`,
      'c.yaml: provider: "aks" is not one of aso, karpenter',
    ],
  ])('%j is invalid: %s', (text, expected) => {
    const result = run(['validate', 'c.yaml'], text);
    expect([result.code, result.stdout]).toEqual([1, `${expected}\n`]);
  });

  test('a Karpenter pool renders its NodePool, and a workload on it selects the pool label', () => {
    const text = `${header}kind: GpuNodePool\nprovider: karpenter\nname: a100\nvmSize: Standard_NC24ads_A100_v4\nminCount: 0\nmaxCount: 2\nnodeTaints: [dedicated=ml:NoExecute]\n---\n${phi}nodePool: a100\n`;
    const result = run(['render', 'c.yaml'], text);
    expect(result.code).toBe(0);
    const [pool, workspace] = parseAllDocuments(result.stdout).map((d) => d.toJS() as Record<string, unknown>);
    expect(pool).toEqual({
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: 'a100' },
      spec: {
        template: {
          spec: {
            nodeClassRef: { group: 'karpenter.azure.com', kind: 'AKSNodeClass', name: 'default' },
            requirements: [
              { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['Standard_NC24ads_A100_v4'] },
              { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
            ],
            taints: [
              { key: 'sku', value: 'gpu', effect: 'NoSchedule' },
              { key: 'dedicated', value: 'ml', effect: 'NoExecute' },
            ],
          },
        },
        disruption: { consolidationPolicy: 'WhenEmpty', consolidateAfter: '10m' },
        limits: { 'nvidia.com/gpu': 2 },
      },
    });
    expect(workspace.resource).toEqual({ labelSelector: { matchLabels: { 'karpenter.sh/nodepool': 'a100' } } });
    // The same as the cdk8s construct synthesizes (Pulumi has no Karpenter pools).
    const chart = new Chart(Testing.app(), 'c');
    new GpuNodePool(chart, 'a100', {
      provider: 'karpenter',
      vmSize: 'Standard_NC24ads_A100_v4',
      minCount: 0,
      maxCount: 2,
      nodeTaints: ['dedicated=ml:NoExecute'],
    });
    expect(Testing.synth(chart)).toEqual([pool]);
  });

  test('--mode applies to Workspace manifests; a construct document says its own mode', () => {
    const result = run(['render', '--mode', 'direct', 'c.yaml'], `${phi}instanceType: Standard_NC6s_v3\n`);
    expect(result.code).toBe(0);
    expect(parseAllDocuments(result.stdout).map((d) => (d.toJS() as { kind: string }).kind)).toEqual(['Workspace']);
  });

  test('a hostile value at any field is a problem at a path, never an internal error', () => {
    const bases: Record<string, Record<string, unknown>> = {
      InferenceService: {
        metadata: { name: 'phi' },
        preset: 'phi-3-mini-4k-instruct',
        instanceType: 'Standard_NC6s_v3',
      },
      TuningJob: {
        metadata: { name: 'tune' },
        preset: 'phi-3-mini-128k-instruct',
        method: 'qlora',
        instanceType: 'Standard_NC6s_v3',
        input: { urls: ['https://example.com/a.parquet'] },
        output: { image: 'r.io/a:1', imagePushSecret: 's' },
      },
      GpuNodePool: { provider: 'aso', name: 'gpu', clusterName: 'aks', vmSize: 'Standard_NC6s_v3' },
    };
    const fields = [
      'metadata',
      'preset',
      'instanceType',
      'nodePool',
      'labelSelector',
      'count',
      'mode',
      'runtime',
      'adapters',
      'loadBalancer',
      'modelAccessSecret',
      'config',
      'method',
      'input',
      'output',
      'provider',
      'vmSize',
      'name',
      'clusterName',
      'minCount',
      'maxCount',
      'nodeLabels',
      'nodeTaints',
      'osSKU',
      'gpuDriver',
      'gpuInstanceProfile',
      'nodeClass',
      'namespace',
    ];
    const hostile = [null, -1, 1e300, 'x'.repeat(300), [], [1], {}, { a: [null] }, true];
    let checked = 0;
    for (const [kind, base] of Object.entries(bases)) {
      for (const field of fields) {
        for (const value of hostile) {
          const doc = JSON.stringify({ apiVersion: CONSTRUCTS_API_VERSION, kind, ...base, [field]: value });
          const result = run(['validate', 'c.yaml'], doc);
          expect([field, result.stderr]).not.toEqual([field, expect.stringContaining('internal error')]);
          expect([0, 1]).toContain(result.code);
          if (result.code === 1) expect(result.stdout).toMatch(/^c\.yaml: \S/);
          checked++;
        }
      }
    }
    expect(checked).toBe(3 * 28 * 9);
  });
});
