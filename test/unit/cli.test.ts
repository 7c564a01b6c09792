import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { join } from 'node:path';
import { run } from './cli-run';

const seedDir = join(__dirname, '..', 'fixtures', 'seed');
const corpusDir = join(__dirname, '..', 'corpus');

const seeds = [
  'phi-3-mini-128k-qlora-tuning-adapter.yaml',
  'phi-3-mini-128k-qlora-tuning.yaml',
  'phi-3-mini-4k-qlora-tuning.yaml',
  'phi-3-mini-inference-with-adapters.yaml',
  'phi-3-mini-inference.yaml',
];

describe('kaito validate', () => {
  test('every seed example is valid (exit 0), placeholder image names only warn', () => {
    const names = [
      'workspace-phi-3-mini-adapter',
      'workspace-tuning-phi-3',
      'workspace-phi-3-mini',
      'workspace-phi-3-mini-adapter',
      'workspace-phi-3-mini',
    ];
    const results = seeds.map((s) => run(['validate', join(seedDir, s)]));
    expect(results.map((r) => [r.code, r.stdout])).toEqual(
      seeds.map((s, i) => [0, `${join(seedDir, s)}: valid (Workspace ${names[i]}, kaito.sh/v1alpha1)\n`]),
    );
    // What stays more lenient than Kaito on purpose, each with its reason.
    const retired =
      'warning: resource.instanceType: Standard_NC6s_v3 (V100) was retired by Azure and Kaito no longer serves it; it still works here';
    const placeholder = (path: string, image: string) =>
      `warning: ${path}: "${image}": repository names must be lower case, so Kaito rejects it and no registry takes it; accepted here as a placeholder: set the real image before the workspace runs`;
    const tuningOutput = placeholder('tuning.output.image', 'ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1');
    expect(
      results.map((r) =>
        r.stderr
          .split('\n')
          .filter(Boolean)
          .map((l) => l.slice(l.indexOf(': ') + 2)),
      ),
    ).toEqual([
      [retired, tuningOutput],
      [retired, tuningOutput],
      [retired, tuningOutput],
      [
        retired,
        placeholder('inference.adapters[0].source.image', 'ACR_REPO_HERE.azurecr.io/ADAPTER_HERE:0.0.1'),
        'warning: inference.adapters[0].strength: Kaito rejects any adapter strength with vLLM; "1.0" is accepted here because it is what vLLM applies anyway, so manifests that set it keep working',
      ],
      [retired],
    ]);
  });

  test('two workspaces with the same namespace and name in one run are an error, naming the first', () => {
    const [adapterTuning, , , adapterInference] = seeds.map((s) => join(seedDir, s));
    const result = run(['validate', adapterTuning, adapterInference]);
    expect([result.code, result.stdout]).toEqual([
      1,
      `${adapterInference}: metadata.name: workspace default/workspace-phi-3-mini-adapter is already defined in ${adapterTuning}\n`,
    ]);
    const other = readFileSync(join(seedDir, seeds[3]), 'utf8').replace(
      'name: workspace-phi-3-mini-adapter',
      'name: other',
    );
    const apart = run(['validate', adapterTuning, 'other.yaml'], { 'other.yaml': other });
    expect(apart.code).toBe(0);
    const namespaced = run(['render', '--namespace', 'team-a', 'a.yaml', 'b.yaml'], {
      'a.yaml': other,
      'b.yaml': other.replace('name: other', 'name: other\n  namespace: team-a'),
    });
    expect([namespaced.code, namespaced.stdout]).toEqual([
      1,
      'b.yaml: metadata.name: workspace team-a/other is already defined in a.yaml\n',
    ]);
  });

  test('one line per problem, FILE: path: message, exit 1', () => {
    const bad = readFileSync(join(corpusDir, 'invalid', 'strength-on-vllm.yaml'), 'utf8');
    const result = run(['validate', 'bad.yaml'], { 'bad.yaml': bad });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      'bad.yaml: inference.adapters[0].strength: adapter strength other than "1.0" needs the transformers runtime (annotation kaito.sh/runtime: transformers); vLLM does not support adapter strength: it applies every adapter at full strength, so only "1.0" is accepted with it\n',
    );
  });

  test('- reads stdin; later documents are labelled FILE#N', () => {
    const good = readFileSync(join(seedDir, seeds[4]), 'utf8');
    const result = run(['validate', '-'], {}, `${good}---\n${good.replace('name: workspace-phi-3-mini', 'name: Bad')}`);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^<stdin>#2: metadata\.name: "Bad" must be a DNS-1123 label/);
  });

  test('-o json lists problems per document', () => {
    const result = run(['validate', '-o', 'json', 'x.yaml'], {
      'x.yaml': 'kind: Workspace\napiVersion: kaito.sh/v1beta1\nmetadata: {name: x}\n',
    });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      valid: false,
      files: [],
      documents: [
        {
          file: 'x.yaml',
          document: 1,
          apiVersion: 'kaito.sh/v1beta1',
          valid: false,
          problems: [{ path: 'resource', message: 'required value', severity: 'error' }],
        },
      ],
      passedOver: [],
    });
  });

  test('usage errors exit 2; missing files exit 1', () => {
    expect(run(['validate']).code).toBe(2);
    expect(run(['validate', '--bogus', 'x']).code).toBe(2);
    expect(run(['frobnicate']).code).toBe(2);
    expect(run([]).code).toBe(2);
    const missing = run(['validate', '/nonexistent/file.yaml']);
    expect([missing.code, missing.stdout]).toEqual([1, '/nonexistent/file.yaml: cannot read file (ENOENT)\n']);
  });

  test('nothing in the bad-input corpus crashes the CLI: each exits 1', () => {
    for (const file of readdirSync(join(corpusDir, 'invalid'))) {
      expect([file, run(['validate', join(corpusDir, 'invalid', file)]).code]).toEqual([file, 1]);
      expect([file, run(['plan', join(corpusDir, 'invalid', file)]).code]).toEqual([file, 1]);
    }
  });
});

describe('kaito plan', () => {
  test('a seed file as a table', () => {
    const result = run(['plan', join(seedDir, 'phi-3-mini-inference.yaml')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'Preset            phi-3-mini-4k-instruct',
        'Instance type     Standard_NC6s_v3',
        'Runtime           vllm',
        'Nodes             1 (estimated)',
        'GPUs per node     1 x NVIDIA V100, 16 GiB each',
        'GPU memory        12.71 GiB needed of 16 GiB',
        'Parallelism       tensor 1, pipeline 1, data 1',
        'Dtype             float16',
        'Max model length  4096',
        'Disk per node     87 GiB',
        'note: NVIDIA V100 has no bfloat16 (compute capability 7.0): serving in float16',
        '',
      ].join('\n'),
    );
  });

  test('flags and -o json', () => {
    const result = run([
      'plan',
      '--preset',
      'phi-3-mini-4k-instruct',
      '--instance-type',
      'Standard_NC6s_v3',
      '-o',
      'json',
    ]);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect({
      preset: plan.preset,
      instanceType: plan.instanceType,
      runtime: plan.runtime,
      nodeCount: plan.nodeCount,
      gpusPerNode: plan.gpusPerNode,
      gpuMemoryPerGpuGiB: plan.gpuMemoryPerGpuGiB,
      requiredGpuMemoryGiB: plan.requiredGpuMemoryGiB,
      tensorParallelSize: plan.tensorParallelSize,
      pipelineParallelSize: plan.pipelineParallelSize,
      dtype: plan.dtype,
      diskGiB: plan.diskGiB,
    }).toEqual({
      preset: 'phi-3-mini-4k-instruct',
      instanceType: 'Standard_NC6s_v3',
      runtime: 'vllm',
      nodeCount: 1,
      gpusPerNode: 1,
      gpuMemoryPerGpuGiB: 16,
      requiredGpuMemoryGiB: 12.71,
      tensorParallelSize: 1,
      pipelineParallelSize: 1,
      dtype: 'float16',
      diskGiB: 87,
    });
  });

  test('a FitError exits 1 with its message', () => {
    const result = run([
      'plan',
      '--preset',
      'phi-3-medium-128k-instruct',
      '--instance-type',
      'Standard_NC6s_v3',
      '--count',
      '1',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^--count: phi-3-medium-128k-instruct needs [0-9.]+ GiB of GPU memory; count 1 gives 16 GiB/,
    );
  });

  test('tuning flags', () => {
    const result = run([
      'plan',
      '--preset',
      'phi-3-mini-4k-instruct',
      '--instance-type',
      'Standard_NC6s_v3',
      '--tuning',
      'qlora',
      '-o',
      'json',
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).requiredGpuMemoryGiB).toBe(5.24);
  });

  test('usage errors', () => {
    expect(run(['plan']).code).toBe(2);
    expect(run(['plan', '--preset', 'x']).code).toBe(2);
    expect(run(['plan', '--preset', 'x', '--instance-type', 'y', '--count', 'two']).code).toBe(2);
    expect(run(['plan', '--runtime', 'tgi']).code).toBe(2);
  });
});

describe('kaito render', () => {
  test.each(seeds)(
    '%s: direct mode prints exactly the golden objects; operator mode the normalized Workspace',
    (seed) => {
      const direct = run(['render', '--mode', 'direct', join(seedDir, seed)]);
      expect(direct.code).toBe(0);
      const golden = readFileSync(join(__dirname, '..', 'golden', seed), 'utf8');
      expect(parseAllDocuments(direct.stdout).map((d) => d.toJS())).toEqual(
        parseAllDocuments(golden).map((d) => d.toJS()),
      );
      const operator = run(['render', join(seedDir, seed), '-o', 'json']);
      expect(operator.code).toBe(0);
      const list = JSON.parse(operator.stdout);
      expect(list.items).toHaveLength(1);
      expect(list.items[0].apiVersion).toBe('kaito.sh/v1beta1');
      expect(list.items[0].metadata.namespace).toBe('default');
      expect(list.items[0].resource.instanceType).toBe('Standard_NC6s_v3');
    },
  );

  test('--nodes byo drops the NodeClaims; machine gives legacy Machines', () => {
    const kinds = (argv: string[]) =>
      parseAllDocuments(run(argv).stdout).map((d) => (d.toJS() as { kind: string }).kind);
    const file = join(seedDir, 'phi-3-mini-inference.yaml');
    expect(kinds(['render', '--mode', 'direct', '--nodes', 'byo', file])).toEqual([
      'ConfigMap',
      'Service',
      'Service',
      'StatefulSet',
    ]);
    expect(kinds(['render', '--mode', 'direct', '--nodes', 'machine', file]).at(-1)).toBe('Machine');
  });

  test('--nodes karpenter-nodepool gives one NodePool of the --node-class, replicas the planned nodes', () => {
    const file = join(seedDir, 'phi-3-mini-inference.yaml');
    const argv = ['render', '--mode', 'direct', '--nodes', 'karpenter-nodepool', file];
    const pools = (extra: string[]) =>
      parseAllDocuments(run([...argv, ...extra]).stdout)
        .map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> })
        .filter((o) => o.kind === 'NodePool' || o.kind === 'NodeClaim')
        .map((o) => [
          o.kind,
          o.metadata.name,
          o.spec.replicas,
          (o.spec.template as { spec: { nodeClassRef: unknown } }).spec.nodeClassRef,
        ]);
    expect(pools([])).toEqual([
      [
        'NodePool',
        'default-workspace-phi-3-mini',
        1,
        { group: 'karpenter.azure.com', kind: 'AKSNodeClass', name: 'default' },
      ],
    ]);
    expect(pools(['--node-class', 'karpenter.kwok.sh/KWOKNodeClass/default'])).toEqual([
      [
        'NodePool',
        'default-workspace-phi-3-mini',
        1,
        { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' },
      ],
    ]);
  });

  test("--node-class names the NodeClaims' node class; a malformed one is a usage error", () => {
    const file = join(seedDir, 'phi-3-mini-inference.yaml');
    const claims = (argv: string[]) =>
      parseAllDocuments(run(argv).stdout)
        .map((d) => d.toJS() as { kind: string; spec: { nodeClassRef: unknown } })
        .filter((o) => o.kind === 'NodeClaim')
        .map((o) => o.spec.nodeClassRef);
    expect(
      claims(['render', '--mode', 'direct', '--node-class', 'karpenter.azure.com/AKSNodeClass/gpu', file]),
    ).toEqual([{ group: 'karpenter.azure.com', kind: 'AKSNodeClass', name: 'gpu' }]);
    const bad = run(['render', '--mode', 'direct', '--node-class', 'AKSNodeClass', file]);
    expect([bad.code, bad.stderr.split('\n')[0]]).toEqual([
      2,
      'kaito render: --node-class: "AKSNodeClass" is not GROUP/KIND/NAME (e.g. karpenter.azure.com/AKSNodeClass/default or kaito.sh/KaitoNodeClass/default)',
    ]);
    expect(run(['render', '--node-class', 'kaito.sh/KaitoNodeClass/default', file]).code).toBe(2);
  });

  test('the bad-input corpus: exit 1 with the same lines as validate', () => {
    for (const file of readdirSync(join(corpusDir, 'invalid'))) {
      const path = join(corpusDir, 'invalid', file);
      const rendered = run(['render', '--mode', 'direct', path]);
      expect([file, rendered.code, rendered.stdout]).toEqual([file, 1, run(['validate', path]).stdout]);
    }
  });

  test('usage errors exit 2', () => {
    expect(run(['render']).code).toBe(2);
    expect(run(['render', '--mode', 'sideways', 'x']).code).toBe(2);
    expect(run(['render', '--nodes', 'byo', join(seedDir, seeds[4])]).code).toBe(2);
  });
});
