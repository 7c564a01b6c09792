import { UsageError } from './args';
import { CRDS_HELP, runCrds } from './crds';
import type { CliIo } from './io';
import { OPERATOR_HELP, runOperator } from './operator';
import { PLAN_HELP, runPlan } from './plan';
import { RENDER_HELP, runRender } from './render';
import { runValidate, VALIDATE_HELP } from './validate';

export const HELP = `Usage: kaito COMMAND [options]

Commands:
  validate FILE...   check Workspace manifests (schema, Kaito's rules, GPU fit)
  plan FILE          show how a workspace lands on GPUs (or: plan --preset P --instance-type T)
  render FILE...     print the Kubernetes objects of workspaces (--mode operator|direct)
  crds               print the Workspace CustomResourceDefinition
  operator           print the operator bundle (CRD, RBAC, reconciler Deployment) for kubectl apply

Run kaito COMMAND --help for the options of a command.
Exit codes: 0 ok, 1 invalid input, 2 usage error.
`;

const COMMANDS: Record<string, { run: (argv: readonly string[], io: CliIo) => number; help: string }> = {
  validate: { run: runValidate, help: VALIDATE_HELP },
  plan: { run: runPlan, help: PLAN_HELP },
  render: { run: runRender, help: RENDER_HELP },
  crds: { run: runCrds, help: CRDS_HELP },
  operator: { run: runOperator, help: OPERATOR_HELP },
};

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export function runCli(argv: readonly string[], io: CliIo): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(HELP);
    return command === undefined ? 2 : 0;
  }
  const entry = COMMANDS[command];
  if (entry === undefined) {
    io.stderr(`kaito: unknown command ${JSON.stringify(command)}\n\n${HELP}`);
    return 2;
  }
  try {
    return entry.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`kaito ${command}: ${e.message}\n\n${entry.help}`);
      return 2;
    }
    throw e;
  }
}
