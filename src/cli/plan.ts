import type { Problem } from '../api/problems';
import type { WorkspacePlan } from '../plan/plan';
import { HELP_OPTION, parseArgs, UsageError } from './args';
import { readInputs, type CliIo } from './io';
import { checkInputs, documentLabel, reportProblems } from './validate';

export const PLAN_HELP = `Usage: kaito plan FILE [-o text|json]
       kaito plan --preset P --instance-type T [--count N] [--runtime vllm|transformers]
                  [--tuning lora|qlora] [-o text|json]

Shows how a workspace lands on GPUs: nodes, GPUs per node, memory needed and available,
tensor/pipeline parallelism, dtype, context length and disk. Does the model fit the GPU?
Exit codes: 0 it fits, 1 invalid input or it does not fit, 2 usage error.
`;

const OPTIONS = [
  { name: 'output', short: 'o', takesValue: true, choices: ['text', 'json'] },
  { name: 'preset', takesValue: true },
  { name: 'instance-type', takesValue: true },
  { name: 'count', takesValue: true },
  { name: 'runtime', takesValue: true, choices: ['vllm', 'transformers'] },
  { name: 'tuning', takesValue: true, choices: ['lora', 'qlora'] },
  HELP_OPTION,
] as const;

/** The flag that set each field of the Workspace {@link workspaceFromFlags} makes. */
const FLAG_OF_PATH: Readonly<Record<string, string>> = {
  'inference.preset.name': '--preset',
  'tuning.preset.name': '--preset',
  'resource.instanceType': '--instance-type',
  'resource.count': '--count',
  'metadata.annotations[kaito.sh/runtime]': '--runtime',
  'tuning.method': '--tuning',
};

/** A problem of the flag-made Workspace, told by the flag the user typed rather than a YAML path. */
export function flagProblem(problem: Problem): Problem {
  const flag = FLAG_OF_PATH[problem.path];
  return flag === undefined ? problem : { ...problem, path: flag };
}

/** A Workspace object equivalent to the plan flags. */
export function workspaceFromFlags(options: Record<string, string | true>): Record<string, unknown> {
  const preset = options.preset;
  const instanceType = options['instance-type'];
  if (typeof preset !== 'string') throw new UsageError('plan needs FILE or --preset');
  if (typeof instanceType !== 'string') throw new UsageError('plan --preset needs --instance-type');
  let count: number | undefined;
  if (typeof options.count === 'string') {
    count = Number(options.count);
    if (!Number.isInteger(count) || count < 1)
      throw new UsageError(`--count must be a positive integer, got ${options.count}`);
  }
  const runtime = options.runtime;
  const tuning = options.tuning;
  return {
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    metadata: {
      name: 'plan',
      ...(typeof runtime === 'string' ? { annotations: { 'kaito.sh/runtime': runtime } } : {}),
    },
    resource: { instanceType, labelSelector: { matchLabels: { apps: 'plan' } }, ...(count ? { count } : {}) },
    ...(typeof tuning === 'string'
      ? {
          tuning: {
            preset: { name: preset },
            method: tuning,
            input: { urls: ['https://example.com/data.parquet'] },
            output: { image: 'registry.example.com/plan:latest', imagePushSecret: 'push' },
          },
        }
      : { inference: { preset: { name: preset } } }),
  };
}

/** The plan as the JSON object `kaito plan -o json` prints. */
export function planJson(plan: WorkspacePlan): Record<string, unknown> {
  return {
    kind: plan.kind,
    preset: plan.preset ?? null,
    huggingFaceId: plan.huggingFaceId ?? null,
    instanceType: plan.instanceType ?? null,
    runtime: plan.runtime,
    tuningMethod: plan.tuningMethod ?? null,
    nodeCount: plan.nodeCount,
    nodeCountSource: plan.nodeCountSource,
    gpusPerNode: plan.gpusPerNode,
    gpuModel: plan.gpuModel,
    gpuMemoryPerGpuGiB: plan.gpuMemoryPerGpuGiB,
    requiredGpuMemoryGiB: plan.requiredGpuMemoryGiB,
    availableGpuMemoryGiB: plan.availableGpuMemoryGiB,
    tensorParallelSize: plan.tensorParallelSize,
    pipelineParallelSize: plan.pipelineParallelSize,
    dataParallelSize: plan.dataParallelSize,
    dtype: plan.dtype,
    maxModelLen: plan.maxModelLen ?? null,
    gpuMemoryUtilization: plan.gpuMemoryUtilization,
    diskGiB: plan.diskGiB,
    fitChecked: plan.fitChecked,
    notes: plan.notes,
  };
}

/** The plan as an aligned two-column table for people. */
export function planTable(plan: WorkspacePlan): string {
  const rows: Array<[string, string]> = [
    ['Preset', plan.preset ?? '(pod template)'],
    ['Instance type', plan.instanceType ?? '(bring your own nodes)'],
    ['Runtime', plan.tuningMethod ? `${plan.runtime} (${plan.tuningMethod} tuning)` : plan.runtime],
    ['Nodes', `${plan.nodeCount} (${plan.nodeCountSource})`],
    ['GPUs per node', `${plan.gpusPerNode} x ${plan.gpuModel}, ${plan.gpuMemoryPerGpuGiB} GiB each`],
    [
      'GPU memory',
      `${plan.requiredGpuMemoryGiB} GiB needed of ${plan.availableGpuMemoryGiB} GiB${plan.fitChecked ? '' : ' (not checked)'}`,
    ],
    [
      'Parallelism',
      `tensor ${plan.tensorParallelSize}, pipeline ${plan.pipelineParallelSize}, data ${plan.dataParallelSize}`,
    ],
    ['Dtype', plan.dtype],
    ['Max model length', plan.maxModelLen === undefined ? 'decided by the runtime' : String(plan.maxModelLen)],
    ['Disk per node', `${plan.diskGiB} GiB`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  for (const note of plan.notes) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}

export function runPlan(argv: readonly string[], io: CliIo): number {
  const args = parseArgs(argv, OPTIONS);
  if (args.options.help) {
    io.stdout(PLAN_HELP);
    return 0;
  }
  if (args.positionals.length > 1) throw new UsageError('plan takes one FILE');
  const usesFlags = ['preset', 'instance-type', 'count', 'runtime', 'tuning'].some((k) => k in args.options);
  if (args.positionals.length === 1 && usesFlags) throw new UsageError('plan takes FILE or --preset flags, not both');
  let inputs;
  if (args.positionals.length === 1) {
    const read = readInputs(args.positionals, io);
    if (read.failures.length > 0) {
      for (const f of read.failures) io.stdout(`${f}\n`);
      return 1;
    }
    inputs = read.inputs;
  } else {
    inputs = [{ name: '', text: JSON.stringify(workspaceFromFlags(args.options)) }];
  }
  const documents = checkInputs(inputs).map((d) =>
    d.file === '' ? { ...d, check: { ...d.check, problems: d.check.problems.map(flagProblem) } } : d,
  );
  if (reportProblems(documents, io)) return 1;
  const plans = documents.map((d) => ({ label: documentLabel(d.file, d.check.index), plan: d.check.plan! }));
  if (args.options.output === 'json') {
    const body = plans.map((p) => planJson(p.plan));
    io.stdout(`${JSON.stringify(body.length === 1 ? body[0] : body, null, 2)}\n`);
  } else {
    io.stdout(plans.map((p) => (plans.length > 1 ? `${p.label}\n${planTable(p.plan)}` : planTable(p.plan))).join('\n'));
  }
  return 0;
}
