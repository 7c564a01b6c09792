import { dnsLabelProblem } from '../api/names';
import { formatProblem } from '../api/problems';
import type { WorkloadMode } from '../plan/intent';
import { renderForMode } from '../render/intent';
import type { KubeObject, NodeProvisioner, RenderOptions } from '../render/options';
import { parseNodeClass } from '../render/node-class';
import { HELP_OPTION, parseArgs, UsageError } from './args';
import { formatObjects, readInputs, type CliIo } from './io';
import type { CompanionDocument } from '../api/parse';
import { checkInputFiles, reportProblems, type CheckedDocument, type FileCompanion } from './validate';

export const RENDER_HELP = `Usage: kaito render FILE... [--mode operator|direct] [--nodes karpenter|machine|karpenter-nodepool|byo]
                    [--node-class GROUP/KIND/NAME] [--registry R] [--namespace N] [-o yaml|json]

Prints the exact Kubernetes objects for Workspace manifests (- reads stdin), and for construct
documents (kaito-constructs/v1alpha1, see kaito validate --help) what the construct declares: a
workload's Workspace or, in its own mode direct, its objects on existing nodes; a GpuNodePool's
ManagedClustersAgentPool or Karpenter NodePool. --mode and --nodes apply to Workspace manifests.
  --mode operator  (default) the Workspace itself, normalized to kaito.sh/v1beta1, for a cluster that
                   runs the reconciler
  --mode direct    every object the reconciler would create: ConfigMaps, Services, the StatefulSet or
                   tuning Job, and the GPU NodeClaims (--nodes machine: legacy Machines; --nodes
                   karpenter-nodepool: one Karpenter NodePool of static replicas; --nodes byo: none)
  --node-class G/K/N  the NodeClaims' (or NodePool's) nodeClassRef (default kaito.sh/KaitoNodeClass/default,
                   for a NodePool karpenter.azure.com/AKSNodeClass/default; e.g. the latter for Karpenter on AKS)
  --namespace N    namespace for workspaces that name none (default: default)
  --registry R     registry of Kaito's images (default: mcr.microsoft.com/aks/kaito)
ConfigMaps, Secrets and PersistentVolumeClaims beside the Workspaces are printed as written, in their
place (the namespace filled in), so the output applies like the file.
Invalid input (and two workspaces with the same namespace and name): the same messages and exit code
as kaito validate.
Exit codes: 0 ok, 1 invalid input, 2 usage error.
`;

const OPTIONS = [
  { name: 'output', short: 'o', takesValue: true, choices: ['yaml', 'json'] },
  { name: 'mode', takesValue: true, choices: ['operator', 'direct'] },
  { name: 'nodes', takesValue: true, choices: ['karpenter', 'machine', 'karpenter-nodepool', 'byo'] },
  { name: 'namespace', short: 'n', takesValue: true },
  { name: 'registry', takesValue: true },
  { name: 'node-class', takesValue: true },
  HELP_OPTION,
] as const;

/** What `kaito render` prints for one valid document: a construct's own objects, or a workspace's in `mode`. */
function objectsOf(d: CheckedDocument, mode: WorkloadMode, options: RenderOptions): readonly KubeObject[] {
  const { workspace, plan } = d.check;
  const construct = d.construct;
  if (construct?.objects !== undefined) return construct.objects;
  if (construct?.mode !== undefined) {
    // A workload construct says its own mode; in direct mode its nodes exist (as in the faces).
    const own = construct.mode === 'direct' ? { ...options, nodeProvisioner: 'byo' as const } : options;
    return renderForMode(workspace!, plan!, construct.mode, own);
  }
  return renderForMode(workspace!, plan!, mode, options);
}

/** A ConfigMap, Secret or PVC kept as written, in the namespace its Workspaces go to when it names none. */
export function companionObject({ value }: CompanionDocument, defaultNamespace: string): KubeObject {
  return { ...value, metadata: { ...value.metadata, namespace: value.metadata.namespace ?? defaultNamespace } };
}

/** Workspaces and their companions as the files hold them: file by file, document by document. */
function inFileOrder(
  documents: readonly CheckedDocument[],
  companions: readonly FileCompanion[],
): (CheckedDocument | FileCompanion)[] {
  const files = [...new Set([...documents, ...companions].map((d) => d.file))];
  const at = (d: CheckedDocument | FileCompanion): [number, number] => [
    files.indexOf(d.file),
    'check' in d ? d.check.index : d.companion.index,
  ];
  return [...documents, ...companions].sort((a, b) => {
    const [fa, ia] = at(a);
    const [fb, ib] = at(b);
    return fa - fb || ia - ib;
  });
}

export function runRender(argv: readonly string[], io: CliIo): number {
  const args = parseArgs(argv, OPTIONS);
  if (args.options.help) {
    io.stdout(RENDER_HELP);
    return 0;
  }
  if (args.positionals.length === 0) throw new UsageError('render needs at least one FILE (or - for stdin)');
  const mode = args.options.mode === 'direct' ? 'direct' : 'operator';
  if (mode === 'operator' && args.options.nodes !== undefined) throw new UsageError('--nodes applies to --mode direct');
  if (mode === 'operator' && args.options['node-class'] !== undefined) {
    throw new UsageError('--node-class applies to --mode direct');
  }
  const text = (name: string) => (typeof args.options[name] === 'string' ? (args.options[name] as string) : undefined);
  const namespace = text('namespace');
  const namespaceProblem = namespace === undefined ? undefined : dnsLabelProblem(namespace, '--namespace');
  if (namespaceProblem !== undefined) throw new UsageError(formatProblem(namespaceProblem));
  let nodeClass: RenderOptions['nodeClass'];
  const nodeClassText = text('node-class');
  try {
    if (nodeClassText !== undefined) nodeClass = parseNodeClass(nodeClassText);
  } catch (e) {
    throw new UsageError(`--node-class: ${(e as Error).message}`);
  }
  const options: RenderOptions = {
    ...(nodeClass ? { nodeClass } : {}),
    ...(namespace ? { defaultNamespace: namespace } : {}),
    ...(text('registry') ? { registry: text('registry') } : {}),
    ...(text('nodes') ? { nodeProvisioner: text('nodes') as NodeProvisioner } : {}),
  };
  const { inputs, failures } = readInputs(args.positionals, io);
  for (const f of failures) io.stdout(`${f}\n`);
  const { documents, companions } = checkInputFiles(
    inputs,
    options.defaultNamespace ? { defaultNamespace: options.defaultNamespace } : {},
  );
  if (reportProblems(documents, io) || failures.length > 0) return 1;
  const objects = inFileOrder(documents, companions).flatMap((d) =>
    'check' in d ? objectsOf(d, mode, options) : [companionObject(d.companion, options.defaultNamespace ?? 'default')],
  );
  io.stdout(formatObjects(objects, args.options.output === 'json' ? 'json' : 'yaml'));
  return 0;
}
