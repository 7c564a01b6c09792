import { defaultSkus } from '../catalog';
import { HELP_OPTION, parseArgs, UsageError } from './args';
import { formatTable, type CliIo } from './io';

export const SKUS_HELP = `Usage: kaito skus [--cloud azure|aws|arc] [--min-gpu-memory GiB] [--min-gpus N] [-o text|json]

Lists the GPU instance types the catalog knows (resource.instanceType): GPUs per node, the GPU and its
memory, and the node's total GPU memory. --min-gpu-memory keeps instance types whose GPUs have at least
that much memory each; --min-gpus those with at least N GPUs per node. Legacy types (V100, T4, M60 era)
are marked. Use kaito plan to see whether a model fits one.
Exit codes: 0 ok, 2 usage error.
`;

const OPTIONS = [
  { name: 'output', short: 'o', takesValue: true, choices: ['text', 'json'] },
  { name: 'cloud', takesValue: true, choices: ['azure', 'aws', 'arc'] },
  { name: 'min-gpu-memory', takesValue: true },
  { name: 'min-gpus', takesValue: true },
  HELP_OPTION,
] as const;

/** A non-negative number flag, or undefined when absent. */
function numberFlag(options: Record<string, string | true>, name: string): number | undefined {
  const raw = options[name];
  if (typeof raw !== 'string') return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`--${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function runSkus(argv: readonly string[], io: CliIo): number {
  const args = parseArgs(argv, OPTIONS);
  if (args.options.help) {
    io.stdout(SKUS_HELP);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`skus takes no arguments, got ${args.positionals[0]}`);
  const minMemory = numberFlag(args.options, 'min-gpu-memory') ?? 0;
  const minGpus = numberFlag(args.options, 'min-gpus') ?? 0;
  const cloud = args.options.cloud;
  const skus = defaultSkus
    .list()
    .filter((s) => typeof cloud !== 'string' || s.cloud === cloud)
    .filter((s) => s.gpuMemoryPerGpuGiB >= minMemory && s.gpuCount >= minGpus);
  if (args.options.output === 'json') {
    io.stdout(`${JSON.stringify(skus, null, 2)}\n`);
    return 0;
  }
  const rows = skus.map((s) => [
    s.name,
    s.cloud,
    String(s.gpuCount),
    s.gpuModel,
    String(s.gpuMemoryPerGpuGiB),
    String(s.totalGpuMemoryGiB),
    s.legacy ? 'legacy' : '',
  ]);
  io.stdout(formatTable([['INSTANCE TYPE', 'CLOUD', 'GPUS', 'GPU', 'GiB/GPU', 'GiB TOTAL', ''], ...rows]));
  return 0;
}
