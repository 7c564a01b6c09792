import { defaultPresets, type ModelPreset } from '../catalog';
import { HELP_OPTION, parseArgs, UsageError } from './args';
import { formatTable, type CliIo } from './io';

export const PRESETS_HELP = `Usage: kaito presets [--runtime vllm|transformers] [--tunable] [--gated] [-o text|json]

Lists the model presets the catalog knows: the name to put in inference.preset.name (or
tuning.preset.name) and its Hugging Face ID, the runtimes that serve it, whether it can be
fine-tuned, its weights and context length, and whether it needs a Hugging Face token
(modelAccessSecret). Filters narrow the list; -o json prints the full catalog entries, aliases included.
Exit codes: 0 ok, 2 usage error.
`;

const OPTIONS = [
  { name: 'output', short: 'o', takesValue: true, choices: ['text', 'json'] },
  { name: 'runtime', takesValue: true, choices: ['vllm', 'transformers'] },
  { name: 'tunable', takesValue: false },
  { name: 'gated', takesValue: false },
  HELP_OPTION,
] as const;

/** Runtimes that can serve a preset: vLLM serves every preset, transformers those that allow it. */
const runtimesOf = (p: ModelPreset): string[] => ['vllm', ...(p.transformersAllowed ? ['transformers'] : [])];

export function runPresets(argv: readonly string[], io: CliIo): number {
  const args = parseArgs(argv, OPTIONS);
  if (args.options.help) {
    io.stdout(PRESETS_HELP);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`presets takes no arguments, got ${args.positionals[0]}`);
  const runtime = args.options.runtime;
  const presets = defaultPresets
    .list()
    .filter((p) => typeof runtime !== 'string' || runtimesOf(p).includes(runtime))
    .filter((p) => !args.options.tunable || p.tuning !== undefined)
    .filter((p) => !args.options.gated || p.gated)
    .sort((a, b) => a.name.localeCompare(b.name));
  if (args.options.output === 'json') {
    io.stdout(`${JSON.stringify(presets, null, 2)}\n`);
    return 0;
  }
  const rows = presets.map((p) => [
    p.name,
    p.huggingFaceId ?? '-',
    runtimesOf(p).join(','),
    p.tuning === undefined ? 'no' : 'yes',
    String(p.weightsGiB),
    String(p.maxContextTokens),
    p.gated ? 'yes' : 'no',
  ]);
  io.stdout(
    formatTable([['NAME', 'HUGGING FACE ID', 'RUNTIMES', 'TUNABLE', 'WEIGHTS GiB', 'CONTEXT', 'GATED'], ...rows]),
  );
  return 0;
}
