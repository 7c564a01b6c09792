import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closestNames } from '../api/suggest';
import { ValidationError } from '../api/problems';
import { FitError } from '../plan/fit-error';
import { UsageError } from './args';
import { CRDS_HELP, runCrds } from './crds';
import type { CliIo } from './io';
import { OPERATOR_HELP, runOperator } from './operator';
import { PLAN_HELP, runPlan } from './plan';
import { PRESETS_HELP, runPresets } from './presets';
import { RENDER_HELP, runRender } from './render';
import { runSkus, SKUS_HELP } from './skus';
import { runValidate, VALIDATE_HELP } from './validate';

export const HELP = `Usage: kaito COMMAND [options]

Commands:
  validate FILE...   check Workspace manifests (schema, Kaito's rules, GPU fit)
  plan FILE          show how a workspace lands on GPUs (or: plan --preset P --instance-type T)
  render FILE...     print the Kubernetes objects of workspaces (--mode operator|direct)
  presets            list the model presets the catalog knows (--runtime, --tunable, --gated)
  skus               list the GPU instance types the catalog knows (--cloud, --min-gpu-memory)
  crds               print the Workspace CustomResourceDefinition
  operator           print the operator bundle (CRD, RBAC, reconciler Deployment) for kubectl apply

Run kaito COMMAND --help for the options of a command; kaito --version prints the version; --debug
(any command) prints the stack of an internal error.
Exit codes: 0 ok, 1 invalid input or internal error, 2 usage error.
`;

const COMMANDS: Record<string, { run: (argv: readonly string[], io: CliIo) => number; help: string }> = {
  validate: { run: runValidate, help: VALIDATE_HELP },
  plan: { run: runPlan, help: PLAN_HELP },
  render: { run: runRender, help: RENDER_HELP },
  presets: { run: runPresets, help: PRESETS_HELP },
  skus: { run: runSkus, help: SKUS_HELP },
  crds: { run: runCrds, help: CRDS_HELP },
  operator: { run: runOperator, help: OPERATOR_HELP },
};

/** The version of the installed package (lib/cli -> the package root; src/cli in the repository). */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/** The one line a user sees for an error that is not theirs; the stack only with --debug. */
export function internalErrorMessage(e: unknown, debug: boolean): string {
  const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
  if (debug) return `kaito: internal error: ${e instanceof Error ? (e.stack ?? message) : message}\n`;
  return `kaito: internal error: ${message} (run with --debug for the stack)\n`;
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code. Never throws: an error that
 * escapes a command is reported in one line (exit 1), with its stack under `--debug`.
 */
export function runCli(argv: readonly string[], io: CliIo): number {
  const end = argv.indexOf('--');
  const debugAt = argv.indexOf('--debug');
  const debug = debugAt >= 0 && (end < 0 || debugAt < end);
  const args = debug ? argv.filter((_, i) => i !== debugAt) : argv;
  try {
    return dispatch(args, io);
  } catch (e) {
    io.stderr(internalErrorMessage(e, debug));
    return 1;
  }
}

function dispatch(argv: readonly string[], io: CliIo): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    io.stdout(`kaito ${packageVersion()}\n`);
    return 0;
  }
  const entry = COMMANDS[command];
  if (entry === undefined) {
    const near = closestNames(command, Object.keys(COMMANDS));
    const hint = near.length > 0 ? ` Did you mean "kaito ${near[0]}"?` : '';
    io.stderr(`kaito: unknown command ${JSON.stringify(command)}.${hint}\n\n${HELP}`);
    return 2;
  }
  try {
    return entry.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`kaito ${command}: ${e.message}\n\n${entry.help}`);
      return 2;
    }
    // The library's own errors are about the input: the user's to fix, no stack.
    if (e instanceof ValidationError || e instanceof FitError) {
      io.stderr(`kaito ${command}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
