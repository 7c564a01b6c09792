import { renderCrdYaml, renderWorkspaceCrd } from '../render/crd';
import { HELP_OPTION, parseArgs, UsageError } from './args';
import type { CliIo } from './io';
import { formatObjects } from './io';

export const CRDS_HELP = `Usage: kaito crds [-o yaml|json]

Prints the CustomResourceDefinitions the reconciler serves (kaito.sh Workspace, v1alpha1 and v1beta1),
ready for kubectl apply -f -. The YAML is the file this package ships as crds/kaito.sh_workspaces.yaml;
JSON is a v1 List.
Exit codes: 0 ok, 2 usage error.
`;

const OPTIONS = [{ name: 'output', short: 'o', takesValue: true, choices: ['yaml', 'json'] }, HELP_OPTION] as const;

export function runCrds(argv: readonly string[], io: CliIo): number {
  const args = parseArgs(argv, OPTIONS);
  if (args.options.help) {
    io.stdout(CRDS_HELP);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`crds takes no arguments, got ${args.positionals[0]}`);
  io.stdout(args.options.output === 'json' ? formatObjects([renderWorkspaceCrd()], 'json') : renderCrdYaml());
  return 0;
}
