import {
  OPERATOR_NODE_PROVISIONERS,
  checkOperatorOptions,
  renderOperator,
  type OperatorNodeProvisioner,
  type OperatorOptions,
} from '../render/operator';
import { parseNodeClass, type NodeClassRef } from '../render/node-class';
import { HELP_OPTION, parseArgs, UsageError } from './args';
import { formatObjects, type CliIo } from './io';
import type { KubeObject } from '../render/options';

export const OPERATOR_HELP = `Usage: kaito operator [--namespace N] [--watch-namespace N] [--image I] [--replicas N]
                      [--node-provisioner ${OPERATOR_NODE_PROVISIONERS.join('|')}] [--node-class GROUP/KIND/NAME]
                      [--device-plugin [--device-plugin-image I]] [--allow-privileged-templates]
                      [--no-admission-policy] [-o yaml|json]

Prints the operator bundle, ready for kubectl apply -f -: the namespace (default kaito-system), the
Workspace CRD, the reconciler's ServiceAccount and least-privilege RBAC, its Deployment and metrics
Service, and with --device-plugin the NVIDIA device plugin DaemonSet (in kube-system). With
--node-class names the node class of the reconciler's NodeClaims or NodePools (e.g.
karpenter.azure.com/AKSNodeClass/default for Karpenter on AKS, the default with karpenter and
karpenter-nodepool; default kaito.sh/KaitoNodeClass/default with gpu-provisioner). --node-provisioner
karpenter-nodepool makes one Karpenter NodePool of static replicas per workspace (Karpenter >= 1.8 with
its StaticCapacity feature gate on). With
--watch-namespace the reconciler serves that namespace only, with a Role there instead of cluster-wide rights.
--allow-privileged-templates lets workspaces' pod templates and volumes go beyond Pod Security "baseline"
(only where Workspace authors may create such pods themselves).
The bundle ends with the KaitoCatalog (the preset and instance-type catalog, registrations included) and the
Workspace admission policy that reads it (Kubernetes >= 1.30); --no-admission-policy leaves them out.
YAML is one document per object; JSON is a v1 List.
Exit codes: 0 ok, 2 usage error.
`;

const OPTIONS = [
  { name: 'output', short: 'o', takesValue: true, choices: ['yaml', 'json'] },
  { name: 'namespace', short: 'n', takesValue: true },
  { name: 'watch-namespace', takesValue: true },
  { name: 'image', takesValue: true },
  { name: 'replicas', takesValue: true },
  // Checked by checkOperatorOptions, for the same message as the library's.
  { name: 'node-provisioner', takesValue: true },
  { name: 'node-class', takesValue: true },
  { name: 'device-plugin', takesValue: false },
  { name: 'device-plugin-image', takesValue: true },
  { name: 'allow-privileged-templates', takesValue: false },
  { name: 'no-admission-policy', takesValue: false },
  HELP_OPTION,
] as const;

/** The option names of the operator options' problems, as the flags that set them. */
const FLAG_OF: Record<string, string> = {
  namespace: '--namespace',
  watchNamespace: '--watch-namespace',
  image: '--image',
  replicas: '--replicas',
  nodeProvisioner: '--node-provisioner',
  devicePluginImage: '--device-plugin-image',
  nodeClass: '--node-class',
};

export function operatorOptionsFromFlags(options: Record<string, string | true>): OperatorOptions {
  const text = (name: string): string | undefined => {
    const value = options[name];
    return typeof value === 'string' ? value : undefined;
  };
  let replicas: number | undefined;
  const rawReplicas = text('replicas');
  if (rawReplicas !== undefined) {
    replicas = /^[0-9]+$/.test(rawReplicas) ? Number(rawReplicas) : NaN;
    if (!Number.isSafeInteger(replicas)) {
      throw new UsageError(`--replicas must be a whole number of at least 0, got ${JSON.stringify(rawReplicas)}`);
    }
  }
  let nodeClass: NodeClassRef | undefined;
  const rawNodeClass = text('node-class');
  if (rawNodeClass !== undefined) {
    // Only the shape here; the parts are checkOperatorOptions', for the same message as the library's.
    const [group, kind, name, ...more] = rawNodeClass.split('/');
    if (name !== undefined && more.length === 0) nodeClass = { group, kind, name };
    else {
      try {
        nodeClass = parseNodeClass(rawNodeClass);
      } catch (e) {
        throw new UsageError(`--node-class: ${(e as Error).message}`);
      }
    }
  }
  if (options['device-plugin-image'] !== undefined && options['device-plugin'] !== true) {
    throw new UsageError('--device-plugin-image needs --device-plugin');
  }
  return {
    namespace: text('namespace'),
    image: text('image'),
    replicas,
    nodeProvisioner: text('node-provisioner') as OperatorNodeProvisioner | undefined,
    nodeClass,
    devicePlugin: options['device-plugin'] === true,
    devicePluginImage: text('device-plugin-image'),
    watchNamespace: text('watch-namespace'),
    allowPrivilegedTemplates: options['allow-privileged-templates'] === true,
    ...(options['no-admission-policy'] === true ? { admissionPolicy: false } : {}),
  };
}

export function runOperator(argv: readonly string[], io: CliIo): number {
  const args = parseArgs(argv, OPTIONS);
  if (args.options.help) {
    io.stdout(OPERATOR_HELP);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`operator takes no arguments, got ${args.positionals[0]}`);
  const options = operatorOptionsFromFlags(args.options);
  const [problem] = checkOperatorOptions(options);
  if (problem !== undefined) throw new UsageError(`${FLAG_OF[problem.path] ?? problem.path}: ${problem.message}`);
  const objects: KubeObject[] = renderOperator(options);
  io.stdout(formatObjects(objects, args.options.output === 'json' ? 'json' : 'yaml'));
  return 0;
}
