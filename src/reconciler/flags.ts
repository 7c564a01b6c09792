import { DEFAULT_CONCURRENCY } from './controller';
import type { ProvisionerName } from './decide';
import { defaultNodeClass, parseNodeClass, type NodeClassRef } from '../render/node-class';
import { parseBindAddress } from './server';

/*
 * The command line of `kaito-reconciler`, parsed into plain values. Flags are written `--name=value` or
 * `--name value`; booleans also as `--name` alone.
 */

/**
 * `/metrics` is served without authentication, so by default only on loopback; the operator bundle listens
 * on the pod's address for its metrics Service.
 */
export const DEFAULT_METRICS_BIND_ADDRESS = '127.0.0.1:8080';

/** A command line that cannot be run (exit code 2). */
export class UsageError extends Error {}

/** The parsed command line. */
export interface ReconcilerFlags {
  readonly help: boolean;
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly leaderElect: boolean;
  readonly leaderElectionNamespace?: string;
  readonly leaderElectionId: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly metricsBindAddress: string;
  readonly healthProbeBindAddress: string;
  readonly nodeProvisioner: ProvisionerName;
  /** The node class NodeClaims point at (`--node-class`; the provisioner's default when not given). */
  readonly nodeClass: NodeClassRef;
  readonly concurrency: number;
  readonly registry?: string;
  readonly watchIdleTimeoutMs: number;
  readonly logLevel: 'debug' | 'info' | 'error';
  /** Accept templates and volumes Pod Security "baseline" refuses (an installer's choice, never a user's). */
  readonly allowPrivilegedTemplates: boolean;
}

const PROVISIONERS: readonly ProvisionerName[] = [
  'gpu-provisioner',
  'karpenter',
  'machine',
  'karpenter-nodepool',
  'byo',
];
const LOG_LEVELS = ['debug', 'info', 'error'] as const;

/** The text of `--help`. */
export const USAGE = `Usage: kaito-reconciler [flags]

Reconciles kaito.sh Workspaces: provisions GPU nodes (Karpenter NodeClaims, Machines or one NodePool per
workspace), creates the
inference or tuning workload, and reports status on the Workspace.

Flags:
  --kubeconfig PATH                  kubeconfig to use (default: in-cluster, else $KUBECONFIG or ~/.kube/config)
  --namespace NS                     reconcile only this namespace's workspaces (default: all namespaces)
  --node-provisioner NAME            gpu-provisioner | karpenter | machine | karpenter-nodepool | byo
                                     (default: gpu-provisioner; karpenter-nodepool: one static NodePool per
                                     workspace, Karpenter's StaticCapacity feature)
  --node-class GROUP/KIND/NAME       node class of the NodeClaims or NodePools: kaito.sh/KaitoNodeClass/default (gpu-provisioner),
                                     karpenter.azure.com/AKSNodeClass/default (Karpenter on AKS), karpenter.k8s.aws/
                                     EC2NodeClass/default (EKS), karpenter.kwok.sh/KWOKNodeClass/default (kwok)
                                     (default: the first for gpu-provisioner, the second for karpenter and
                                     karpenter-nodepool)
  --concurrency N                    workspaces reconciled at the same time (default: 10)
  --registry HOST[/PATH]             registry of Kaito's images (default: mcr.microsoft.com/aks/kaito)
  --leader-elect[=true|false]        elect a leader on a Lease before reconciling (default: false)
  --leader-election-namespace NS     namespace of the Lease (default: $POD_NAMESPACE)
  --leader-election-id NAME          name of the Lease (default: kaito-reconciler)
  --leader-elect-lease-duration D    how long a lease holds without renewal (default: 15s)
  --leader-elect-renew-deadline D    how long the leader tries to renew before it stops leading (default: 10s)
  --leader-elect-retry-period D      time between tries to acquire or renew (default: 2s)
  --metrics-bind-address ADDR        address of /metrics (unauthenticated), e.g. :8080 for all interfaces;
                                     0 turns it off (default: 127.0.0.1:8080, this host only)
  --health-probe-bind-address ADDR   address of /healthz and /readyz; 0 turns them off (default: :8081)
  --watch-idle-timeout D             restart a watch that sent nothing for this long (default: 150s)
  --log-level LEVEL                  debug | info | error (default: info)
  --allow-privileged-templates       create pods from templates and volumes Pod Security "baseline" refuses
                                     (privileged, host namespaces, hostPath, service accounts; default: false)
  -h, --help                         print this help

Durations are written like 15s, 500ms, 2m. Logs are JSON lines on stderr. SIGTERM stops taking work,
finishes what is in flight, releases the lease and exits 0.
`;

/** Parses a duration like `15s`, `500ms`, `1m30s` into milliseconds. */
export function parseDuration(value: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) {
    throw new UsageError(`"${value}" is not a duration like 15s, 500ms or 2m`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * units[p[2]!]!, 0);
}

const BOOLEAN = new Set(['help', 'leader-elect', 'allow-privileged-templates']);
const VALUED = new Set([
  'kubeconfig',
  'namespace',
  'node-provisioner',
  'node-class',
  'concurrency',
  'registry',
  'leader-election-namespace',
  'leader-election-id',
  'leader-elect-lease-duration',
  'leader-elect-renew-deadline',
  'leader-elect-retry-period',
  'metrics-bind-address',
  'health-probe-bind-address',
  'watch-idle-timeout',
  'log-level',
]);

/** Parses the arguments after the program name. Throws UsageError. */
export function parseFlags(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ReconcilerFlags {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      values.set('help', 'true');
      continue;
    }
    const match = /^--([a-z][a-z-]*)(?:=(.*))?$/s.exec(arg);
    if (!match) throw new UsageError(`unexpected argument "${arg}"`);
    const name = match[1]!;
    let value = match[2];
    if (BOOLEAN.has(name)) {
      value ??= 'true';
      if (value !== 'true' && value !== 'false') throw new UsageError(`--${name} takes true or false, not "${value}"`);
    } else if (VALUED.has(name)) {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new UsageError(`--${name} needs a value`);
      }
    } else {
      throw new UsageError(`unknown flag --${name}`);
    }
    values.set(name, value);
  }
  const get = (name: string) => values.get(name);
  const provisioner = get('node-provisioner') ?? 'gpu-provisioner';
  if (!PROVISIONERS.includes(provisioner as ProvisionerName)) {
    throw new UsageError(`--node-provisioner must be one of ${PROVISIONERS.join(', ')}, not "${provisioner}"`);
  }
  let nodeClass = defaultNodeClass(provisioner);
  const nodeClassText = get('node-class');
  if (nodeClassText !== undefined) {
    try {
      nodeClass = parseNodeClass(nodeClassText);
    } catch (e) {
      throw new UsageError(`--node-class: ${(e as Error).message}`);
    }
  }
  const concurrency = Number(get('concurrency') ?? DEFAULT_CONCURRENCY);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UsageError(`--concurrency must be a whole number of at least 1, not "${get('concurrency')}"`);
  }
  const logLevel = get('log-level') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, not "${logLevel}"`);
  }
  const leaderElect = get('leader-elect') === 'true';
  const leaderElectionNamespace = get('leader-election-namespace') ?? env.POD_NAMESPACE;
  if (leaderElect && !leaderElectionNamespace) {
    throw new UsageError('--leader-elect needs --leader-election-namespace or $POD_NAMESPACE');
  }
  const leaseDurationMs = parseDuration(get('leader-elect-lease-duration') ?? '15s');
  const renewDeadlineMs = parseDuration(get('leader-elect-renew-deadline') ?? '10s');
  const retryPeriodMs = parseDuration(get('leader-elect-retry-period') ?? '2s');
  if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs && retryPeriodMs > 0)) {
    throw new UsageError('leader election needs lease duration > renew deadline > retry period > 0');
  }
  for (const flag of ['metrics-bind-address', 'health-probe-bind-address']) {
    try {
      parseBindAddress(get(flag) ?? '0');
    } catch (e) {
      throw new UsageError(`--${flag}: ${(e as Error).message}`);
    }
  }
  const optional = (key: string, flag: string) => (get(flag) !== undefined ? { [key]: get(flag) } : {});
  return {
    help: get('help') === 'true',
    ...optional('kubeconfig', 'kubeconfig'),
    ...optional('namespace', 'namespace'),
    ...optional('registry', 'registry'),
    leaderElect,
    ...(leaderElectionNamespace ? { leaderElectionNamespace } : {}),
    leaderElectionId: get('leader-election-id') ?? 'kaito-reconciler',
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    metricsBindAddress: get('metrics-bind-address') ?? DEFAULT_METRICS_BIND_ADDRESS,
    healthProbeBindAddress: get('health-probe-bind-address') ?? ':8081',
    nodeProvisioner: provisioner as ProvisionerName,
    nodeClass,
    concurrency,
    watchIdleTimeoutMs: parseDuration(get('watch-idle-timeout') ?? '150s'),
    logLevel: logLevel as ReconcilerFlags['logLevel'],
    allowPrivilegedTemplates: get('allow-privileged-templates') === 'true',
  };
}
