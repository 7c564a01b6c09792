/** A usage error: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  /** Long name without dashes. */
  readonly name: string;
  /** One-letter alias. */
  readonly short?: string;
  /** Whether the option takes a value. */
  readonly takesValue: boolean;
  /** Allowed values, when restricted. */
  readonly choices?: readonly string[];
}

export interface ParsedArgs {
  readonly positionals: string[];
  readonly options: Record<string, string | true>;
}

/** Parses `--name value`, `--name=value`, `-x value` and flags; `-` alone is a positional (stdin). */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    const [rawName, inline] = arg.startsWith('--') ? splitOnce(arg.slice(2)) : [arg.slice(1), undefined];
    const spec = arg.startsWith('--') ? byName.get(rawName) : byShort.get(rawName);
    if (spec === undefined) throw new UsageError(`unknown option ${arg}`);
    if (!spec.takesValue) {
      if (inline !== undefined) throw new UsageError(`option --${spec.name} takes no value`);
      options[spec.name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`option --${spec.name} needs a value`);
    if (spec.choices !== undefined && !spec.choices.includes(value)) {
      throw new UsageError(
        `option --${spec.name} must be one of ${spec.choices.join(', ')}, got ${JSON.stringify(value)}`,
      );
    }
    options[spec.name] = value;
  }
  return { positionals, options };
}

function splitOnce(text: string): [string, string | undefined] {
  const at = text.indexOf('=');
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

export const OUTPUT_OPTION: OptionSpec = {
  name: 'output',
  short: 'o',
  takesValue: true,
  choices: ['text', 'json', 'yaml'],
};
export const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', takesValue: false };
