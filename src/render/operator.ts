import type { PolicyRule } from 'kubernetes-types/rbac/v1';
import { dnsLabelProblem } from '../api/names';
import { error, ValidationError, type Problem } from '../api/problems';
import { quote } from '../api/structural';
import { renderAdmissionPolicy, renderAdmissionPolicyBinding } from './admission';
import { renderWorkspaceCrd } from './crd';
import { renderKaitoCatalog } from './kaito-catalog';
import { renderKaitoCatalogCrd } from './kaito-catalog-crd';
import { formatNodeClass, nodeClassProblem, type NodeClassRef } from './node-class';
import type { KubeObject } from './options';

/*
 * The operator bundle: everything `kubectl apply` needs to run the reconciler in a cluster, in apply
 * order (Namespace, CRD, RBAC, workloads), so that the CRD exists before anything refers to it.
 */

/** How the reconciler gets GPU nodes (its `--node-provisioner` flag). */
export type OperatorNodeProvisioner =
  /** Karpenter `NodeClaim`s fulfilled by Azure gpu-provisioner (Kaito's default). */
  | 'gpu-provisioner'
  /** Karpenter `NodeClaim`s fulfilled by Karpenter. */
  | 'karpenter'
  /** Legacy Karpenter-core `Machine`s (karpenter.sh/v1alpha5). */
  | 'machine'
  /** One Karpenter `NodePool` per workspace with static replicas (Karpenter's StaticCapacity feature). */
  | 'karpenter-nodepool'
  /** Bring your own nodes: nothing is provisioned. */
  | 'byo';

export const OPERATOR_NODE_PROVISIONERS: readonly OperatorNodeProvisioner[] = [
  'gpu-provisioner',
  'karpenter',
  'machine',
  'karpenter-nodepool',
  'byo',
];

/** Options of the operator bundle. */
export interface OperatorOptions {
  /**
   * Namespace of the reconciler. It is created (labelled to enforce the Pod Security "restricted" profile)
   * unless it is one of Kubernetes' own namespaces.
   * @default 'kaito-system'
   */
  readonly namespace?: string;
  /**
   * Image of the reconciler.
   * @default DEFAULT_RECONCILER_IMAGE
   */
  readonly image?: string;
  /**
   * Reconciler replicas; one leads at a time (leader election), the others stand by.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * How the reconciler provisions GPU nodes.
   * @default 'gpu-provisioner'
   */
  readonly nodeProvisioner?: OperatorNodeProvisioner;
  /**
   * The node class the reconciler's NodeClaims (or NodePools) point at (its `--node-class`): e.g. AKS_NODE_CLASS for
   * Karpenter on AKS, EC2_NODE_CLASS on EKS.
   * @default KAITO_NODE_CLASS with gpu-provisioner, AKS_NODE_CLASS with karpenter and karpenter-nodepool
   */
  readonly nodeClass?: NodeClassRef;
  /**
   * Also deploy the NVIDIA device plugin DaemonSet (in kube-system), for clusters whose GPU nodes do not
   * come with one. AKS GPU node pools created with the default GPU driver install have it already.
   * @default false
   */
  readonly devicePlugin?: boolean;
  /**
   * Reconcile only the workspaces of this namespace (the reconciler's `--namespace`). Its rights to
   * workspaces and their objects are then a Role in that namespace, not cluster-wide; nodes and NodeClaims
   * are cluster-scoped and stay in a ClusterRole.
   * @default all namespaces
   */
  readonly watchNamespace?: string;
  /**
   * Let workspaces hand their pods what Pod Security "baseline" refuses (privileged containers, host
   * namespaces, hostPath volumes, a service account of their choice): the reconciler's
   * `--allow-privileged-templates`. Whoever can create a Workspace can then run such pods with the
   * reconciler's rights, so only turn it on where Workspace authors may create such pods themselves.
   * @default false
   */
  readonly allowPrivilegedTemplates?: boolean;
  /**
   * Install the Workspace admission policy: a ValidatingAdmissionPolicy and its binding (Kubernetes >= 1.30),
   * with the KaitoCatalog CRD and the `default` KaitoCatalog (the default catalogs, with every registerPreset /
   * registerSku) as its parameters, so that a workspace the catalog rules refuse is refused at apply time.
   * @default true
   */
  readonly admissionPolicy?: boolean;
  /**
   * Image of the NVIDIA device plugin, when `devicePlugin` is set.
   * @default NVIDIA_DEVICE_PLUGIN_IMAGE
   */
  readonly devicePluginImage?: string;
  /**
   * CPU and memory requests and limits of the reconciler container. A field left out keeps its default.
   * @default DEFAULT_RECONCILER_RESOURCES (requests 10m CPU, 64Mi; limits 500m CPU, 128Mi)
   */
  readonly resources?: OperatorResources;
  /**
   * Elect a leader on a Lease (`--leader-elect`), so that of several replicas one reconciles at a time.
   * Without it, run one replica only.
   * @default true
   */
  readonly leaderElection?: boolean;
}

/** CPU and memory of one side (requests or limits), as Kubernetes quantities (`10m`, `64Mi`). */
export interface OperatorResourceQuantities {
  readonly cpu?: string;
  readonly memory?: string;
}

/** The reconciler container's requests and limits. */
export interface OperatorResources {
  readonly requests?: OperatorResourceQuantities;
  readonly limits?: OperatorResourceQuantities;
}

/** The reconciler's requests and limits: its 128 MiB limit is measured in bench/reconciler. */
export const DEFAULT_RECONCILER_RESOURCES = {
  requests: { cpu: '10m', memory: '64Mi' },
  limits: { cpu: '500m', memory: '128Mi' },
} as const;

/** Version of this package; the default reconciler image carries it as its tag (a test keeps it equal to package.json). */
export const PACKAGE_VERSION = '0.1.0';
/** Repository of the reconciler image. */
export const RECONCILER_IMAGE_REPOSITORY = 'ghcr.io/kaito-constructs/kaito-reconciler';
/** The reconciler image of this release. */
export const DEFAULT_RECONCILER_IMAGE = `${RECONCILER_IMAGE_REPOSITORY}:${PACKAGE_VERSION}`;
/** The NVIDIA device plugin image Kaito's Helm chart deploys (v0.12.0). */
export const NVIDIA_DEVICE_PLUGIN_IMAGE = 'mcr.microsoft.com/oss/v2/nvidia/k8s-device-plugin:v0.18.2-12';

export const DEFAULT_OPERATOR_NAMESPACE = 'kaito-system';
/** Name of the ServiceAccount, ClusterRole, ClusterRoleBinding and Deployment. */
export const RECONCILER_NAME = 'kaito-reconciler';
export const LEADER_ELECTION_ROLE_NAME = `${RECONCILER_NAME}-leader-election`;
export const METRICS_SERVICE_NAME = `${RECONCILER_NAME}-metrics`;
export const DEVICE_PLUGIN_NAME = 'nvidia-device-plugin-daemonset';
export const DEVICE_PLUGIN_NAMESPACE = 'kube-system';
export const METRICS_PORT = 8080;
export const HEALTH_PORT = 8081;

/** Namespaces the bundle never declares (and never relabels). */
export const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set([
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
]);

/** A Kubernetes quantity as resources take it: a decimal number and an optional suffix. */
const QUANTITY = /^[0-9]{1,15}(\.[0-9]{1,9})?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;

// Functions, not constants: every rendered object gets its own copy, so a caller may edit one safely.
const partOf = () => ({ 'app.kubernetes.io/part-of': 'kaito-constructs' });
const selector = () => ({ 'app.kubernetes.io/name': RECONCILER_NAME });
const labels = () => ({ ...selector(), ...partOf(), 'app.kubernetes.io/component': 'reconciler' });

/** The resources and verbs of one permission, before it is written as a cluster-wide or namespaced rule. */
const rule = (group: string, resources: string[], verbs: string[]): PolicyRule => ({
  apiGroups: [group],
  resources,
  verbs,
});

/** The cluster-scoped resources the reconciler reads or writes: nodes, and the NodeClaims or Machines. */
function clusterScopedRules(nodeProvisioner: OperatorNodeProvisioner): PolicyRule[] {
  if (nodeProvisioner === 'karpenter-nodepool') {
    return [
      rule('karpenter.sh', ['nodepools'], ['get', 'list', 'watch', 'create', 'patch', 'delete']),
      rule('karpenter.sh', ['nodeclaims'], ['list', 'watch', 'delete']),
      rule('', ['nodes'], ['list', 'watch']),
    ];
  }
  const claims = nodeProvisioner === 'byo' ? [] : nodeProvisioner === 'machine' ? ['machines'] : ['nodeclaims'];
  return [
    ...(claims.length > 0 ? [rule('karpenter.sh', claims, ['list', 'watch', 'create', 'delete'])] : []),
    rule('', ['nodes'], ['list', 'watch']),
  ];
}

/** The namespaced resources: the workspaces and what the reconciler creates in their namespaces. */
function namespacedRules(): PolicyRule[] {
  const owned = ['list', 'watch', 'create', 'patch'];
  return [
    rule('kaito.sh', ['workspaces'], ['list', 'watch', 'patch']),
    rule('kaito.sh', ['workspaces/status'], ['patch']),
    rule('kaito.sh', ['workspaces/finalizers'], ['update']),
    rule('apps', ['statefulsets'], owned),
    rule('batch', ['jobs'], owned),
    rule('', ['services', 'configmaps'], owned),
    rule('', ['pods'], ['list', 'watch']),
    rule('', ['pods/log'], ['get']),
    rule('networking.k8s.io', ['networkpolicies'], ['get', 'create', 'patch']),
    rule('', ['events'], ['create', 'patch']),
  ];
}

/**
 * The permissions of the reconciler, exactly the requests it makes (a cluster test records them and compares):
 *
 * - kaito.sh workspaces: list watch (its input), patch (the finalizer); workspaces/status: patch (conditions,
 *   state, worker nodes, target node count); workspaces/finalizers: update (not a request: the
 *   OwnerReferencesPermissionEnforcement admission plugin asks for it when a child's owner reference sets
 *   blockOwnerDeletion).
 * - karpenter.sh nodeclaims (or machines with the `machine` provisioner; none with `byo`): list watch create
 *   delete (GPU nodes on demand, deleted by the finalizer: they are cluster-scoped and not owned). With
 *   `karpenter-nodepool`: nodepools get (whether the name is another workspace's) list watch, patch create
 *   (server-side apply), delete (by the finalizer); nodeclaims list watch (readiness of the nodes Karpenter
 *   makes for the pool) and delete (those left once the pool is going).
 * - core nodes: list watch (readiness, GPU capacity, bring-your-own nodes).
 * - apps statefulsets, batch jobs, core services, configmaps: list watch (the workspaces' own, and the
 *   metadata of every other: whether a name is taken by an object that is not the workspace's), patch
 *   (server-side apply), create (an apply that creates the object is also authorized as create).
 * - core pods: list watch (why a workload is not ready: image pull errors, crash loops, OOM kills);
 *   pods/log: get (the benchmark result the startup probe prints, read once from the leader pod).
 * - networking.k8s.io networkpolicies: get (whether the name is free), create patch (server-side apply of a
 *   tuning pod's egress policy; an apply that creates the object is authorized as both).
 * - core events: create, patch (events on the workspace; a repeat raises its count).
 *
 * Not granted, on purpose: Secrets (the HF token and push secrets are read by the kubelet for the workload's
 * pods, never by the reconciler), update and delete of what it creates (children go with their owner, by
 * garbage collection), and no `*`.
 */
export function reconcilerClusterRules(nodeProvisioner: OperatorNodeProvisioner = 'gpu-provisioner'): PolicyRule[] {
  const [namespaced, scoped] = [namespacedRules(), clusterScopedRules(nodeProvisioner)];
  // Workspaces first, as `kubectl describe clusterrole` reads best.
  return [...namespaced.slice(0, 3), ...scoped, ...namespaced.slice(3)];
}

/**
 * The permissions of a reconciler that watches one namespace (`watchNamespace`): the namespaced ones, for a
 * Role in that namespace, and the cluster-scoped ones, which only a ClusterRole can grant.
 */
export function reconcilerNamespacedRules(nodeProvisioner: OperatorNodeProvisioner = 'gpu-provisioner'): {
  readonly namespaced: PolicyRule[];
  readonly cluster: PolicyRule[];
} {
  return { namespaced: namespacedRules(), cluster: clusterScopedRules(nodeProvisioner) };
}

/** The namespaced permissions of the reconciler in its own namespace: the leader-election Lease. */
export function leaderElectionRules(): PolicyRule[] {
  return [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];
}

interface ResolvedOptions {
  readonly namespace: string;
  readonly image: string;
  readonly replicas: number;
  readonly nodeProvisioner: OperatorNodeProvisioner;
  readonly nodeClass?: NodeClassRef;
  readonly devicePlugin: boolean;
  readonly devicePluginImage: string;
  readonly watchNamespace?: string;
  readonly allowPrivilegedTemplates: boolean;
  readonly resources: {
    readonly requests: Required<OperatorResourceQuantities>;
    readonly limits: Required<OperatorResourceQuantities>;
  };
  readonly leaderElection: boolean;
}

function resolveResources(resources: OperatorResources = {}): ResolvedOptions['resources'] {
  // Checked by checkOperatorOptions: a field given replaces its default.
  return {
    requests: {
      cpu: resources.requests?.cpu ?? DEFAULT_RECONCILER_RESOURCES.requests.cpu,
      memory: resources.requests?.memory ?? DEFAULT_RECONCILER_RESOURCES.requests.memory,
    },
    limits: {
      cpu: resources.limits?.cpu ?? DEFAULT_RECONCILER_RESOURCES.limits.cpu,
      memory: resources.limits?.memory ?? DEFAULT_RECONCILER_RESOURCES.limits.memory,
    },
  };
}

/**
 * Every problem with the operator options, at the option's name as its field path (`replicas`,
 * `watchNamespace`); empty when the options are valid. Every face reports these as they are, with its own
 * subject (the CLI names the flag instead).
 */
export function checkOperatorOptions(options: OperatorOptions): Problem[] {
  const problems: Problem[] = [];
  const label = (key: 'namespace' | 'watchNamespace', value: unknown) => {
    const problem = dnsLabelProblem(value, key);
    if (problem !== undefined) problems.push(problem);
  };
  label('namespace', options.namespace ?? DEFAULT_OPERATOR_NAMESPACE);
  if (options.watchNamespace !== undefined) label('watchNamespace', options.watchNamespace);
  const replicas: unknown = options.replicas ?? 1;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS) {
    problems.push(error('replicas', `${quote(replicas)} is not a whole number between 0 and ${MAX_REPLICAS}`));
  }
  const nodeProvisioner: unknown = options.nodeProvisioner ?? 'gpu-provisioner';
  if (!OPERATOR_NODE_PROVISIONERS.includes(nodeProvisioner as OperatorNodeProvisioner)) {
    problems.push(
      error('nodeProvisioner', `${quote(nodeProvisioner)} is not one of ${OPERATOR_NODE_PROVISIONERS.join(', ')}`),
    );
  }
  const nodeClass: unknown = options.nodeClass;
  if (nodeClass !== undefined) {
    const ref = nodeClass as NodeClassRef;
    const texts =
      typeof nodeClass === 'object' &&
      nodeClass !== null &&
      [ref.group, ref.kind, ref.name].every((v) => typeof v === 'string');
    const issue = texts ? nodeClassProblem(ref) : 'must be { group, kind, name }, each a string';
    if (issue !== undefined) problems.push(error('nodeClass', issue));
  }
  for (const key of ['image', 'devicePluginImage'] as const) {
    const value: unknown = options[key];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
      problems.push(error(key, `${quote(value)} is not an image reference: give a non-empty string`));
    }
  }
  const resources: unknown = options.resources;
  for (const side of ['requests', 'limits'] as const) {
    const given: unknown =
      typeof resources === 'object' && resources !== null ? (resources as Record<string, unknown>)[side] : undefined;
    for (const key of ['cpu', 'memory'] as const) {
      const value: unknown =
        typeof given === 'object' && given !== null ? (given as Record<string, unknown>)[key] : undefined;
      if (value !== undefined && (typeof value !== 'string' || !QUANTITY.test(value))) {
        problems.push(
          error(
            `resources.${side}.${key}`,
            `${quote(value)} is not a Kubernetes quantity (e.g. ${DEFAULT_RECONCILER_RESOURCES[side][key]})`,
          ),
        );
      }
    }
  }
  for (const key of ['devicePlugin', 'allowPrivilegedTemplates', 'leaderElection'] as const) {
    const value: unknown = options[key];
    if (value !== undefined && typeof value !== 'boolean') {
      problems.push(error(key, `${quote(value)} is not true or false`));
    }
  }
  return problems;
}

/** Most reconciler replicas (one leads, the rest stand by: more only adds watch load on the API server). */
export const MAX_REPLICAS = 10;

function resolve(options: OperatorOptions): ResolvedOptions {
  const problems = checkOperatorOptions(options);
  if (problems.length > 0) throw new ValidationError(problems, 'KaitoOperator');
  return {
    namespace: options.namespace ?? DEFAULT_OPERATOR_NAMESPACE,
    image: options.image ?? DEFAULT_RECONCILER_IMAGE,
    replicas: options.replicas ?? 1,
    nodeProvisioner: options.nodeProvisioner ?? 'gpu-provisioner',
    devicePlugin: options.devicePlugin ?? false,
    devicePluginImage: options.devicePluginImage ?? NVIDIA_DEVICE_PLUGIN_IMAGE,
    allowPrivilegedTemplates: options.allowPrivilegedTemplates ?? false,
    resources: resolveResources(options.resources),
    leaderElection: options.leaderElection ?? true,
    ...(options.nodeClass !== undefined
      ? { nodeClass: { group: options.nodeClass.group, kind: options.nodeClass.kind, name: options.nodeClass.name } }
      : {}),
    ...(options.watchNamespace !== undefined ? { watchNamespace: options.watchNamespace } : {}),
  };
}

function namespaceObject(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        ...partOf(),
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
      },
    },
  };
}

/** A Role or ClusterRole (namespace undefined) of `rules`, and its binding to the reconciler's ServiceAccount. */
function roleAndBinding(o: ResolvedOptions, name: string, namespace: string | undefined, rules: PolicyRule[]) {
  const kind = namespace === undefined ? 'ClusterRole' : 'Role';
  const metadata = () => ({ name, ...(namespace !== undefined ? { namespace } : {}), labels: labels() });
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: metadata(), rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: `${kind}Binding`,
      metadata: metadata(),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name },
      subjects: [{ kind: 'ServiceAccount', name: RECONCILER_NAME, namespace: o.namespace }],
    },
  ];
}

function rbac(o: ResolvedOptions): KubeObject[] {
  const rights =
    o.watchNamespace === undefined
      ? roleAndBinding(o, RECONCILER_NAME, undefined, reconcilerClusterRules(o.nodeProvisioner))
      : [
          ...roleAndBinding(o, RECONCILER_NAME, undefined, reconcilerNamespacedRules(o.nodeProvisioner).cluster),
          ...roleAndBinding(
            o,
            RECONCILER_NAME,
            o.watchNamespace,
            reconcilerNamespacedRules(o.nodeProvisioner).namespaced,
          ),
        ];
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: RECONCILER_NAME, namespace: o.namespace, labels: labels() },
    },
    ...rights,
    ...roleAndBinding(o, LEADER_ELECTION_ROLE_NAME, o.namespace, leaderElectionRules()),
  ];
}

/** The reconciler container's security context: what the Pod Security "restricted" profile asks for. */
export const RECONCILER_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

function reconcilerDeployment(o: ResolvedOptions): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: RECONCILER_NAME, namespace: o.namespace, labels: labels() },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: selector() },
      template: {
        metadata: { labels: labels() },
        spec: {
          serviceAccountName: RECONCILER_NAME,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            fsGroup: 65532,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: 'reconciler',
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              args: [
                ...(o.leaderElection ? ['--leader-elect'] : []),
                // The metrics Service reaches the pod's address (the reconciler's default is loopback only).
                `--metrics-bind-address=:${METRICS_PORT}`,
                `--health-probe-bind-address=:${HEALTH_PORT}`,
                `--node-provisioner=${o.nodeProvisioner}`,
                ...(o.nodeClass !== undefined ? [`--node-class=${formatNodeClass(o.nodeClass)}`] : []),
                ...(o.watchNamespace !== undefined ? [`--namespace=${o.watchNamespace}`] : []),
                ...(o.allowPrivilegedTemplates ? ['--allow-privileged-templates'] : []),
              ],
              env: [{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
              ports: [
                { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
                { name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' },
              ],
              livenessProbe: {
                httpGet: { path: '/healthz', port: 'health' },
                initialDelaySeconds: 15,
                periodSeconds: 20,
              },
              readinessProbe: {
                httpGet: { path: '/readyz', port: 'health' },
                initialDelaySeconds: 5,
                periodSeconds: 10,
              },
              resources: { requests: { ...o.resources.requests }, limits: { ...o.resources.limits } },
              securityContext: {
                ...RECONCILER_SECURITY_CONTEXT,
                capabilities: { drop: [...RECONCILER_SECURITY_CONTEXT.capabilities.drop] },
                seccompProfile: { ...RECONCILER_SECURITY_CONTEXT.seccompProfile },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
        },
      },
    },
  };
}

function metricsService(o: ResolvedOptions): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: METRICS_SERVICE_NAME, namespace: o.namespace, labels: labels() },
    spec: {
      type: 'ClusterIP',
      selector: selector(),
      ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }],
    },
  };
}

/**
 * The NVIDIA device plugin, which advertises `nvidia.com/gpu` on GPU nodes. It lives in kube-system because
 * it needs a hostPath volume (the kubelet's device-plugin socket directory), which the operator namespace's
 * "restricted" Pod Security profile forbids. It tolerates the taints GPU nodes carry.
 */
function devicePluginDaemonSet(o: ResolvedOptions): KubeObject {
  const dsLabels = () => ({ 'app.kubernetes.io/name': 'nvidia-device-plugin', ...partOf() });
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: DEVICE_PLUGIN_NAME, namespace: DEVICE_PLUGIN_NAMESPACE, labels: dsLabels() },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'nvidia-device-plugin' } },
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels: dsLabels() },
        spec: {
          priorityClassName: 'system-node-critical',
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
            { key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
            { key: 'kubernetes.azure.com/scalesetpriority', operator: 'Equal', value: 'spot', effect: 'NoSchedule' },
          ],
          containers: [
            {
              name: 'nvidia-device-plugin-ctr',
              image: o.devicePluginImage,
              imagePullPolicy: 'IfNotPresent',
              env: [
                { name: 'FAIL_ON_INIT_ERROR', value: 'false' },
                { name: 'PASS_DEVICE_SPECS', value: 'true' },
              ],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'device-plugin', mountPath: '/var/lib/kubelet/device-plugins' }],
            },
          ],
          volumes: [{ name: 'device-plugin', hostPath: { path: '/var/lib/kubelet/device-plugins' } }],
        },
      },
    },
  };
}

/**
 * The operator bundle, in apply order: the Namespace, the Workspace and KaitoCatalog CRDs, the ServiceAccount and
 * RBAC, the reconciler Deployment and its metrics Service, the KaitoCatalog and the admission policy that reads
 * it (unless `admissionPolicy` is false), and optionally the NVIDIA device plugin. Invalid options throw a
 * {@link ValidationError} carrying {@link checkOperatorOptions}' problems.
 */
export function renderOperator(options: OperatorOptions = {}): KubeObject[] {
  const o = resolve(options);
  const admission = options.admissionPolicy !== false;
  return [
    ...(SYSTEM_NAMESPACES.has(o.namespace) ? [] : [namespaceObject(o.namespace)]),
    renderWorkspaceCrd(),
    ...(admission ? [renderKaitoCatalogCrd()] : []),
    ...rbac(o),
    reconcilerDeployment(o),
    metricsService(o),
    // The catalog before the binding that reads it: until it exists, Workspace writes are refused.
    ...(admission ? [renderKaitoCatalog(), renderAdmissionPolicy(), renderAdmissionPolicyBinding()] : []),
    ...(o.devicePlugin ? [devicePluginDaemonSet(o)] : []),
  ];
}
