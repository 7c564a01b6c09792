import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonSet, Deployment } from 'kubernetes-types/apps/v1';
import type { Container, PodSpec, Service } from 'kubernetes-types/core/v1';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1';
import type { KubeObject } from '../../src/render/options';
import { renderWorkspaceCrd } from '../../src/render/crd';
import { renderKaitoCatalogCrd } from '../../src/render/kaito-catalog-crd';
import {
  DEFAULT_RECONCILER_IMAGE,
  NVIDIA_DEVICE_PLUGIN_IMAGE,
  PACKAGE_VERSION,
  checkOperatorOptions,
  renderOperator,
  type OperatorNodeProvisioner,
  type OperatorOptions,
} from '../../src/render/operator';
import { MSG } from '../../src/api/messages';
import { ValidationError } from '../../src/api/problems';

const ROOT = join(__dirname, '..', '..');

function only<T>(objects: readonly KubeObject[], kind: string): T {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0] as unknown as T;
}

const bundle = renderOperator();
const deployment = only<Deployment>(bundle, 'Deployment');
const pod = deployment.spec!.template.spec!;
const reconciler = pod.containers[0];

describe('renderOperator: the objects', () => {
  it('renders Namespace, CRD, RBAC, then the workloads, with these names', () => {
    expect(bundle.map((o) => [o.kind, o.metadata.name, o.metadata.namespace ?? null])).toEqual([
      ['Namespace', 'kaito-system', null],
      ['CustomResourceDefinition', 'workspaces.kaito.sh', null],
      ['CustomResourceDefinition', 'kaitocatalogs.kaito.sh', null],
      ['ServiceAccount', 'kaito-reconciler', 'kaito-system'],
      ['ClusterRole', 'kaito-reconciler', null],
      ['ClusterRoleBinding', 'kaito-reconciler', null],
      ['Role', 'kaito-reconciler-leader-election', 'kaito-system'],
      ['RoleBinding', 'kaito-reconciler-leader-election', 'kaito-system'],
      ['Deployment', 'kaito-reconciler', 'kaito-system'],
      ['Service', 'kaito-reconciler-metrics', 'kaito-system'],
      ['KaitoCatalog', 'default', null],
      ['ValidatingAdmissionPolicy', 'kaito-workspace-rules', null],
      ['ValidatingAdmissionPolicyBinding', 'kaito-workspace-rules', null],
    ]);
  });

  it('without the admission policy: no KaitoCatalog CRD or object, no policy, the rest unchanged', () => {
    const without = renderOperator({ admissionPolicy: false });
    const dropped = ['kaitocatalogs.kaito.sh', 'default', 'kaito-workspace-rules'];
    expect(without).toEqual(bundle.filter((o) => !dropped.includes(o.metadata.name)));
    expect(without.map((o) => o.kind)).not.toContain('KaitoCatalog');
    expect(without).toHaveLength(9);
  });

  it('ships the same CRDs as crds/', () => {
    expect(bundle.filter((o) => o.kind === 'CustomResourceDefinition')).toEqual([
      renderWorkspaceCrd(),
      renderKaitoCatalogCrd(),
    ]);
  });

  it('labels its namespace to enforce the Pod Security "restricted" profile', () => {
    expect(bundle[0].metadata.labels).toEqual({
      'app.kubernetes.io/part-of': 'kaito-constructs',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
    });
  });

  it('moves everything namespaced, and the binding subjects, to another namespace', () => {
    const objects = renderOperator({ namespace: 'ai-ops' });
    expect(objects[0].metadata.name).toBe('ai-ops');
    for (const o of objects.filter((x) => x.metadata.namespace !== undefined)) {
      expect([o.kind, o.metadata.namespace]).toEqual([o.kind, 'ai-ops']);
    }
    for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
      expect(only<RoleBinding>(objects, kind).subjects).toEqual([
        { kind: 'ServiceAccount', name: 'kaito-reconciler', namespace: 'ai-ops' },
      ]);
    }
  });

  it.each(['kube-system', 'default'])('never declares (or relabels) the system namespace %s', (namespace) => {
    const objects = renderOperator({ namespace });
    expect(objects.map((o) => o.kind)).not.toContain('Namespace');
    expect(only<Deployment>(objects, 'Deployment').metadata?.namespace).toBe(namespace);
  });

  it('binds the ClusterRole and the leader-election Role to the ServiceAccount', () => {
    const crb = only<ClusterRoleBinding>(bundle, 'ClusterRoleBinding');
    expect(crb.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'kaito-reconciler',
    });
    expect(crb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kaito-reconciler', namespace: 'kaito-system' }]);
    const rb = only<RoleBinding>(bundle, 'RoleBinding');
    expect(rb.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'kaito-reconciler-leader-election',
    });
    expect(rb.subjects).toEqual(crb.subjects);
    expect(pod.serviceAccountName).toBe('kaito-reconciler');
  });

  it('adds the NVIDIA device plugin in kube-system only when asked', () => {
    expect(bundle.map((o) => o.kind)).not.toContain('DaemonSet');
    const objects = renderOperator({ devicePlugin: true });
    const last = objects[objects.length - 1];
    expect([last.kind, last.metadata.name, last.metadata.namespace]).toEqual([
      'DaemonSet',
      'nvidia-device-plugin-daemonset',
      'kube-system',
    ]);
    const ds = last as unknown as DaemonSet;
    const spec = ds.spec!.template.spec!;
    expect(spec.containers.map((c) => c.image)).toEqual([NVIDIA_DEVICE_PLUGIN_IMAGE]);
    expect(NVIDIA_DEVICE_PLUGIN_IMAGE).toBe('mcr.microsoft.com/oss/v2/nvidia/k8s-device-plugin:v0.18.2-12');
    expect(spec.tolerations).toEqual([
      { key: 'CriticalAddonsOnly', operator: 'Exists' },
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
      { key: 'kubernetes.azure.com/scalesetpriority', operator: 'Equal', value: 'spot', effect: 'NoSchedule' },
    ]);
    expect(spec.priorityClassName).toBe('system-node-critical');
    expect(spec.volumes).toEqual([{ name: 'device-plugin', hostPath: { path: '/var/lib/kubelet/device-plugins' } }]);
    expect(ds.spec!.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'nvidia-device-plugin' });
    expect(ds.spec!.template.metadata!.labels).toMatchObject(ds.spec!.selector.matchLabels!);
    const custom = renderOperator({
      devicePlugin: true,
      devicePluginImage: 'nvcr.io/nvidia/k8s-device-plugin:v0.17.0',
    });
    expect(only<DaemonSet>(custom, 'DaemonSet').spec!.template.spec!.containers[0].image).toBe(
      'nvcr.io/nvidia/k8s-device-plugin:v0.17.0',
    );
  });
});

describe('renderOperator: least-privilege RBAC', () => {
  const clusterRole = only<ClusterRole>(bundle, 'ClusterRole');

  const NAMESPACED = [
    { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['list', 'watch', 'create', 'patch'] },
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['list', 'watch', 'create', 'patch'] },
    { apiGroups: [''], resources: ['services', 'configmaps'], verbs: ['list', 'watch', 'create', 'patch'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'create', 'patch'] },
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  ];
  const WORKSPACES = [
    { apiGroups: ['kaito.sh'], resources: ['workspaces'], verbs: ['list', 'watch', 'patch'] },
    { apiGroups: ['kaito.sh'], resources: ['workspaces/status'], verbs: ['patch'] },
    { apiGroups: ['kaito.sh'], resources: ['workspaces/finalizers'], verbs: ['update'] },
  ];
  const CLAIMS = (resource: string) => ({
    apiGroups: ['karpenter.sh'],
    resources: [resource],
    verbs: ['list', 'watch', 'create', 'delete'],
  });
  const NODES = { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] };

  it('grants exactly what the reconciler calls, cluster-wide', () => {
    expect(clusterRole.rules).toEqual([...WORKSPACES, CLAIMS('nodeclaims'), NODES, ...NAMESPACED]);
  });

  it.each([
    ['karpenter', [CLAIMS('nodeclaims')]],
    ['machine', [CLAIMS('machines')]],
    [
      'karpenter-nodepool',
      [
        {
          apiGroups: ['karpenter.sh'],
          resources: ['nodepools'],
          verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
        },
        { apiGroups: ['karpenter.sh'], resources: ['nodeclaims'], verbs: ['list', 'watch', 'delete'] },
      ],
    ],
    ['byo', []],
  ] as const)('node provisioner %s: only its own kind of claim', (nodeProvisioner, claims) => {
    const role = only<ClusterRole>(renderOperator({ nodeProvisioner }), 'ClusterRole');
    expect(role.rules).toEqual([...WORKSPACES, ...claims, NODES, ...NAMESPACED]);
  });

  it('watchNamespace: a Role in that namespace; the ClusterRole keeps only nodes and NodeClaims', () => {
    const scoped = renderOperator({ watchNamespace: 'team-a' });
    expect(scoped.filter((o) => o.kind.includes('Role')).map((o) => [o.kind, o.metadata.namespace ?? null])).toEqual([
      ['ClusterRole', null],
      ['ClusterRoleBinding', null],
      ['Role', 'team-a'],
      ['RoleBinding', 'team-a'],
      ['Role', 'kaito-system'],
      ['RoleBinding', 'kaito-system'],
    ]);
    expect(only<ClusterRole>(scoped, 'ClusterRole').rules).toEqual([CLAIMS('nodeclaims'), NODES]);
    const role = scoped.find((o) => o.kind === 'Role' && o.metadata.namespace === 'team-a') as unknown as Role;
    expect(role.rules).toEqual([...WORKSPACES, ...NAMESPACED]);
    const binding = scoped.find(
      (o) => o.kind === 'RoleBinding' && o.metadata.namespace === 'team-a',
    ) as unknown as RoleBinding;
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kaito-reconciler' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kaito-reconciler', namespace: 'kaito-system' }]);
    const args = only<Deployment>(scoped, 'Deployment').spec!.template.spec!.containers[0]!.args;
    expect(args).toContain('--namespace=team-a');
    expect(() => renderOperator({ watchNamespace: 'Team A' })).toThrow(
      `KaitoOperator is invalid:\n  watchNamespace: "Team A" ${MSG.nameDns1123Label}`,
    );
  });

  it('has no wildcard, no Secrets and no escalation verbs', () => {
    for (const rule of clusterRole.rules ?? []) {
      for (const field of [rule.apiGroups, rule.resources, rule.verbs]) expect(field).not.toContain('*');
      expect(rule.resources).not.toContain('secrets');
      for (const verb of ['escalate', 'bind', 'impersonate', 'deletecollection'])
        expect(rule.verbs).not.toContain(verb);
    }
  });

  it('leader election: get, create and update Leases in its own namespace only', () => {
    expect(only<Role>(bundle, 'Role').rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    ]);
  });
});

describe('renderOperator: the reconciler Deployment', () => {
  it('runs this release image by default', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(PACKAGE_VERSION).toBe(pkg.version);
    expect(DEFAULT_RECONCILER_IMAGE).toBe(`ghcr.io/kaito-constructs/kaito-reconciler:${pkg.version}`);
    expect(reconciler.image).toBe(DEFAULT_RECONCILER_IMAGE);
    expect(deployment.spec!.replicas).toBe(1);
  });

  it('passes the flags, the probes and the resources', () => {
    expect(reconciler.args).toEqual([
      '--leader-elect',
      '--metrics-bind-address=:8080',
      '--health-probe-bind-address=:8081',
      '--node-provisioner=gpu-provisioner',
    ]);
    expect(reconciler.ports).toEqual([
      { name: 'metrics', containerPort: 8080, protocol: 'TCP' },
      { name: 'health', containerPort: 8081, protocol: 'TCP' },
    ]);
    expect(reconciler.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(reconciler.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(reconciler.resources).toEqual({
      requests: { cpu: '10m', memory: '64Mi' },
      limits: { cpu: '500m', memory: '128Mi' },
    });
    expect(reconciler.env).toEqual([
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
  });

  it('locks the container down', () => {
    expect(reconciler.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // A read-only root file system still needs a writable /tmp.
    expect(reconciler.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
  });

  it('selects its pods by a label its template carries', () => {
    expect(deployment.spec!.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'kaito-reconciler' });
    expect(deployment.spec!.template.metadata!.labels).toMatchObject(deployment.spec!.selector.matchLabels!);
    const service = only<Service>(bundle, 'Service');
    expect(service.spec!.selector).toEqual(deployment.spec!.selector.matchLabels);
    expect(service.spec!.ports).toEqual([{ name: 'metrics', port: 8080, targetPort: 'metrics', protocol: 'TCP' }]);
  });

  it.each<[OperatorNodeProvisioner]>([
    ['gpu-provisioner'],
    ['karpenter'],
    ['machine'],
    ['karpenter-nodepool'],
    ['byo'],
  ])('passes --node-provisioner=%s', (nodeProvisioner) => {
    const d = only<Deployment>(renderOperator({ nodeProvisioner }), 'Deployment');
    expect(d.spec!.template.spec!.containers[0].args).toContain(`--node-provisioner=${nodeProvisioner}`);
  });

  it('passes --allow-privileged-templates only when the installer opts in', () => {
    const argsOf = (options: Parameters<typeof renderOperator>[0]) =>
      only<Deployment>(renderOperator(options), 'Deployment').spec!.template.spec!.containers[0].args;
    expect(argsOf({ allowPrivilegedTemplates: true })).toEqual([
      '--leader-elect',
      '--metrics-bind-address=:8080',
      '--health-probe-bind-address=:8081',
      '--node-provisioner=gpu-provisioner',
      '--allow-privileged-templates',
    ]);
    expect(argsOf({ allowPrivilegedTemplates: false })).not.toContain('--allow-privileged-templates');
  });

  it('takes the image and replicas options', () => {
    const d = only<Deployment>(renderOperator({ image: 'registry.example.com/rec:dev', replicas: 3 }), 'Deployment');
    expect(d.spec!.replicas).toBe(3);
    expect(d.spec!.template.spec!.containers[0].image).toBe('registry.example.com/rec:dev');
  });

  it.each<[OperatorOptions, string, string]>([
    [{ replicas: -1 }, 'replicas', '-1 is not a whole number between 0 and 10'],
    [{ replicas: 1.5 }, 'replicas', '1.5 is not a whole number between 0 and 10'],
    [{ replicas: 11 }, 'replicas', '11 is not a whole number between 0 and 10'],
    [{ replicas: '2' as unknown as number }, 'replicas', '"2" is not a whole number between 0 and 10'],
    [{ namespace: 'Kaito_System' }, 'namespace', `"Kaito_System" ${MSG.nameDns1123Label}`],
    [{ watchNamespace: '' }, 'watchNamespace', `"" ${MSG.nameDns1123Label}`],
    [
      { nodeProvisioner: 'nap' as OperatorNodeProvisioner },
      'nodeProvisioner',
      '"nap" is not one of gpu-provisioner, karpenter, machine, karpenter-nodepool, byo',
    ],
    [{ image: ' ' }, 'image', '" " is not an image reference: give a non-empty string'],
    [{ devicePluginImage: '' }, 'devicePluginImage', '"" is not an image reference: give a non-empty string'],
    [{ devicePlugin: 'yes' as unknown as boolean }, 'devicePlugin', '"yes" is not true or false'],
    [{ allowPrivilegedTemplates: 1 as unknown as boolean }, 'allowPrivilegedTemplates', '1 is not true or false'],
    [
      { nodeClass: { group: 'Bad_Group', kind: 'AKSNodeClass', name: 'default' } },
      'nodeClass',
      'group "Bad_Group" is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", e.g. karpenter.azure.com)',
    ],
    [
      { nodeClass: 'karpenter.azure.com/AKSNodeClass/default' as never },
      'nodeClass',
      'must be { group, kind, name }, each a string',
    ],
  ])('checkOperatorOptions(%j): one problem at %s, and renderOperator throws it', (options, path, message) => {
    expect(checkOperatorOptions(options)).toEqual([{ path, message, severity: 'error' }]);
    let thrown: unknown;
    try {
      renderOperator(options);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).problems).toEqual([{ path, message, severity: 'error' }]);
    expect((thrown as ValidationError).message).toBe(`KaitoOperator is invalid:\n  ${path}: ${message}`);
  });

  it('checkOperatorOptions reports every bad option at once, and none for valid ones', () => {
    expect(checkOperatorOptions({ replicas: -1, namespace: 'A' }).map((p) => p.path)).toEqual([
      'namespace',
      'replicas',
    ]);
    expect(checkOperatorOptions({})).toEqual([]);
    expect(checkOperatorOptions({ replicas: 10, namespace: 'kube-system', watchNamespace: 'team-a' })).toEqual([]);
  });

  it('is a pure function: the same options give equal objects, and rendering twice shares nothing', () => {
    const a = renderOperator({ devicePlugin: true });
    const b = renderOperator({ devicePlugin: true });
    expect(a).toEqual(b);
    (a[2].metadata.labels as Record<string, string>)['x'] = 'y';
    expect(b[2].metadata.labels).not.toHaveProperty('x');
  });
});

/*
 * The Pod Security Standards, "restricted" profile (which includes "baseline"), as of Kubernetes 1.35:
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
const RESTRICTED_VOLUME_TYPES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
];
const BASELINE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];

/** Why a pod spec violates the restricted profile; empty when it passes. */
function restrictedViolations(spec: PodSpec): string[] {
  const out: string[] = [];
  const containers: Container[] = [...(spec.initContainers ?? []), ...spec.containers];
  const podSc = spec.securityContext ?? {};
  // baseline
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) out.push('host namespaces');
  if (podSc.windowsOptions?.hostProcess) out.push('hostProcess');
  for (const s of podSc.sysctls ?? []) if (!BASELINE_SYSCTLS.includes(s.name)) out.push(`sysctl ${s.name}`);
  if (podSc.seLinuxOptions?.user || podSc.seLinuxOptions?.role) out.push('seLinux user/role');
  if (podSc.appArmorProfile?.type === 'Unconfined') out.push('appArmor unconfined');
  for (const v of spec.volumes ?? []) {
    const types = Object.keys(v).filter((k) => k !== 'name');
    for (const t of types) if (!RESTRICTED_VOLUME_TYPES.includes(t)) out.push(`volume ${v.name}: ${t}`);
  }
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) out.push(`${c.name}: privileged`);
    if (sc.windowsOptions?.hostProcess) out.push(`${c.name}: hostProcess`);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') out.push(`${c.name}: procMount`);
    if (sc.seLinuxOptions?.user || sc.seLinuxOptions?.role) out.push(`${c.name}: seLinux user/role`);
    if (sc.appArmorProfile?.type === 'Unconfined') out.push(`${c.name}: appArmor unconfined`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`${c.name}: hostPort ${p.hostPort}`);
    // restricted
    if (sc.allowPrivilegeEscalation !== false) out.push(`${c.name}: allowPrivilegeEscalation must be false`);
    if (!(sc.runAsNonRoot ?? podSc.runAsNonRoot)) out.push(`${c.name}: runAsNonRoot must be true`);
    if ((sc.runAsUser ?? podSc.runAsUser) === 0) out.push(`${c.name}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${c.name}: seccompProfile`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${c.name}: capabilities must drop ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') out.push(`${c.name}: adds ${cap}`);
  }
  return out;
}

describe('Pod Security "restricted"', () => {
  it('admits the reconciler pod', () => {
    expect(restrictedViolations(pod)).toEqual([]);
  });

  it('is really checked: a root, privileged, hostPath pod fails it', () => {
    const bad: PodSpec = {
      hostNetwork: true,
      containers: [
        { name: 'c', securityContext: { privileged: true, runAsUser: 0 }, ports: [{ containerPort: 1, hostPort: 1 }] },
      ],
      volumes: [{ name: 'h', hostPath: { path: '/' } }],
    };
    expect(restrictedViolations(bad)).toEqual([
      'host namespaces',
      'volume h: hostPath',
      'c: privileged',
      'c: hostPort 1',
      'c: allowPrivilegeEscalation must be false',
      'c: runAsNonRoot must be true',
      'c: runAsUser 0',
      'c: seccompProfile',
      'c: capabilities must drop ALL',
    ]);
  });

  it('would refuse the device plugin (hostPath), which is why it runs in kube-system', () => {
    const ds = only<DaemonSet>(renderOperator({ devicePlugin: true }), 'DaemonSet');
    const violations = restrictedViolations(ds.spec!.template.spec!);
    expect(violations).toContain('volume device-plugin: hostPath');
    expect(ds.metadata?.namespace).toBe('kube-system');
  });
});

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: object) => Validatable;

async function modelFor(o: KubeObject): Promise<ModelClass> {
  switch (`${o.apiVersion}/${o.kind}`) {
    case 'v1/Namespace':
      return (await import('kubernetes-models/v1/Namespace')).Namespace as unknown as ModelClass;
    case 'v1/ServiceAccount':
      return (await import('kubernetes-models/v1/ServiceAccount')).ServiceAccount as unknown as ModelClass;
    case 'v1/Service':
      return (await import('kubernetes-models/v1/Service')).Service as unknown as ModelClass;
    case 'rbac.authorization.k8s.io/v1/ClusterRole':
      return (await import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole'))
        .ClusterRole as unknown as ModelClass;
    case 'rbac.authorization.k8s.io/v1/ClusterRoleBinding':
      return (await import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding'))
        .ClusterRoleBinding as unknown as ModelClass;
    case 'rbac.authorization.k8s.io/v1/Role':
      return (await import('kubernetes-models/rbac.authorization.k8s.io/v1/Role')).Role as unknown as ModelClass;
    case 'rbac.authorization.k8s.io/v1/RoleBinding':
      return (await import('kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding'))
        .RoleBinding as unknown as ModelClass;
    case 'apps/v1/Deployment':
      return (await import('kubernetes-models/apps/v1/Deployment')).Deployment as unknown as ModelClass;
    case 'apps/v1/DaemonSet':
      return (await import('kubernetes-models/apps/v1/DaemonSet')).DaemonSet as unknown as ModelClass;
    case 'apiextensions.k8s.io/v1/CustomResourceDefinition':
      return (await import('kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition'))
        .CustomResourceDefinition as unknown as ModelClass;
    case 'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy':
      return (await import('kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy'))
        .ValidatingAdmissionPolicy as unknown as ModelClass;
    case 'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding':
      return (await import('kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding'))
        .ValidatingAdmissionPolicyBinding as unknown as ModelClass;
    default:
      throw new Error(`no model for ${o.apiVersion} ${o.kind}`);
  }
}

describe('the Kubernetes OpenAPI schema (kubernetes-models)', () => {
  // The KaitoCatalog is our own kind: its CRD's schema checks it (test/unit/kaito-catalog.test.ts).
  const all = renderOperator({ devicePlugin: true }).filter((o) => o.kind !== 'KaitoCatalog');

  it.each(all.map((o): [string, string, KubeObject] => [o.kind, o.metadata.name, o]))(
    '%s %s is valid',
    async (_kind, _name, object) => {
      const Model = await modelFor(object);
      expect(() => new Model(JSON.parse(JSON.stringify(object)) as object).validate()).not.toThrow();
    },
  );

  it('catches a broken object (the check is live)', async () => {
    const broken = { ...deployment, spec: { ...deployment.spec, replicas: 'one' } };
    const Model = await modelFor(broken as unknown as KubeObject);
    expect(() => new Model(broken).validate()).toThrow();
  });
});

describe('renderOperator: resources and leader election', () => {
  const container = (o: Parameters<typeof renderOperator>[0]) =>
    (renderOperator(o).find((x) => x.kind === 'Deployment') as unknown as Deployment).spec!.template.spec!
      .containers[0]!;

  test('resources: a field given replaces its default, the others stay', () => {
    expect(container({ resources: { limits: { memory: '256Mi' } } }).resources).toEqual({
      requests: { cpu: '10m', memory: '64Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    });
  });

  test('resources: a value that is not a quantity is refused with its path', () => {
    expect(() => renderOperator({ resources: { requests: { cpu: 'half' } } })).toThrow(
      'KaitoOperator is invalid:\n  resources.requests.cpu: "half" is not a Kubernetes quantity (e.g. 10m)',
    );
    expect(() => renderOperator({ resources: { limits: { memory: 128 as unknown as string } } })).toThrow(
      'KaitoOperator is invalid:\n  resources.limits.memory: 128 is not a Kubernetes quantity (e.g. 128Mi)',
    );
  });

  test('leaderElection false leaves out --leader-elect', () => {
    expect(container({}).args![0]).toBe('--leader-elect');
    expect(container({ leaderElection: false }).args).toEqual([
      '--metrics-bind-address=:8080',
      '--health-probe-bind-address=:8081',
      '--node-provisioner=gpu-provisioner',
    ]);
  });
});
