import { PRIVILEGED_OPT_IN, podTemplateProblems, validateWorkspace, volumeSourceProblems } from '../../src/api';
import { checkWorkspaceObject } from '../../src/plan';
import { decide } from '../../src/reconciler/decide';
import { parseFlags } from '../../src/reconciler/flags';

/*
 * Pod Security "baseline", rule by rule (field paths as the Pod Security Standards give them), on what a
 * workspace hands to its pods as is; plus a template's service account. Each case is refused with its path,
 * unless the operator's installer opted in.
 */

const container = (extra: Record<string, unknown>) => ({ name: 'c', image: 'example.com/c:1', ...extra });
const template = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  metadata,
  spec: { containers: [container({})], ...spec },
});
const paths = (t: unknown) => podTemplateProblems(t, 'inference.template').map((p) => p.path);

const REFUSED: Array<[string, unknown, string]> = [
  [
    'HostProcess (pod)',
    template({ securityContext: { windowsOptions: { hostProcess: true } } }),
    'spec.securityContext.windowsOptions.hostProcess',
  ],
  [
    'HostProcess (container)',
    template({ containers: [container({ securityContext: { windowsOptions: { hostProcess: true } } })] }),
    'spec.containers[0].securityContext.windowsOptions.hostProcess',
  ],
  ['Host Namespaces: hostNetwork', template({ hostNetwork: true }), 'spec.hostNetwork'],
  ['Host Namespaces: hostPID', template({ hostPID: true }), 'spec.hostPID'],
  ['Host Namespaces: hostIPC', template({ hostIPC: true }), 'spec.hostIPC'],
  [
    'Privileged Containers',
    template({ containers: [container({ securityContext: { privileged: true } })] }),
    'spec.containers[0].securityContext.privileged',
  ],
  [
    'Privileged init container',
    template({ initContainers: [container({ securityContext: { privileged: true } })] }),
    'spec.initContainers[0].securityContext.privileged',
  ],
  [
    'Privileged ephemeral container',
    template({ ephemeralContainers: [container({ securityContext: { privileged: true } })] }),
    'spec.ephemeralContainers[0].securityContext.privileged',
  ],
  [
    'Capabilities beyond baseline',
    template({ containers: [container({ securityContext: { capabilities: { add: ['CHOWN', 'SYS_ADMIN'] } } })] }),
    'spec.containers[0].securityContext.capabilities.add[1]',
  ],
  ['HostPath Volumes', template({ volumes: [{ name: 'root', hostPath: { path: '/' } }] }), 'spec.volumes[0].hostPath'],
  [
    'Host Ports',
    template({ containers: [container({ ports: [{ containerPort: 80, hostPort: 80 }] })] }),
    'spec.containers[0].ports[0].hostPort',
  ],
  [
    'AppArmor (annotation)',
    template({}, { annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' } }),
    'metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]',
  ],
  [
    'AppArmor (pod field)',
    template({ securityContext: { appArmorProfile: { type: 'Unconfined' } } }),
    'spec.securityContext.appArmorProfile.type',
  ],
  [
    'AppArmor (container field)',
    template({ containers: [container({ securityContext: { appArmorProfile: { type: 'Unconfined' } } })] }),
    'spec.containers[0].securityContext.appArmorProfile.type',
  ],
  [
    'SELinux type',
    template({ securityContext: { seLinuxOptions: { type: 'spc_t' } } }),
    'spec.securityContext.seLinuxOptions.type',
  ],
  [
    'SELinux user',
    template({ containers: [container({ securityContext: { seLinuxOptions: { user: 'system_u' } } })] }),
    'spec.containers[0].securityContext.seLinuxOptions.user',
  ],
  [
    'SELinux role',
    template({ securityContext: { seLinuxOptions: { role: 'sysadm_r' } } }),
    'spec.securityContext.seLinuxOptions.role',
  ],
  [
    '/proc Mount Type',
    template({ containers: [container({ securityContext: { procMount: 'Unmasked' } })] }),
    'spec.containers[0].securityContext.procMount',
  ],
  [
    'Seccomp (pod)',
    template({ securityContext: { seccompProfile: { type: 'Unconfined' } } }),
    'spec.securityContext.seccompProfile.type',
  ],
  [
    'Seccomp (container)',
    template({ containers: [container({ securityContext: { seccompProfile: { type: 'Unconfined' } } })] }),
    'spec.containers[0].securityContext.seccompProfile.type',
  ],
  [
    'Sysctls',
    template({
      securityContext: {
        sysctls: [
          { name: 'net.ipv4.tcp_syncookies', value: '1' },
          { name: 'kernel.msgmax', value: '1' },
        ],
      },
    }),
    'spec.securityContext.sysctls[1]',
  ],
  ['serviceAccountName', template({ serviceAccountName: 'admin' }), 'spec.serviceAccountName'],
  ['serviceAccount (deprecated alias)', template({ serviceAccount: 'admin' }), 'spec.serviceAccount'],
  [
    'automountServiceAccountToken',
    template({ automountServiceAccountToken: true }),
    'spec.automountServiceAccountToken',
  ],
];

describe('a pod template under Pod Security "baseline"', () => {
  test.each(REFUSED)('%s is refused at its field path', (_rule, t, path) => {
    expect(paths(t)).toEqual([`inference.template.${path}`]);
    expect(podTemplateProblems(t, 'inference.template')[0].message).toContain(PRIVILEGED_OPT_IN);
  });

  test('what baseline allows passes: baseline capabilities, safe sysctls, RuntimeDefault and Localhost profiles, hostPort 0', () => {
    const allowed = template(
      {
        automountServiceAccountToken: false,
        securityContext: {
          seccompProfile: { type: 'RuntimeDefault' },
          seLinuxOptions: { type: 'container_t', level: 's0:c123,c456' },
          sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65535' }],
        },
        volumes: [
          { name: 'd', emptyDir: {} },
          { name: 'p', persistentVolumeClaim: { claimName: 'x' } },
        ],
        containers: [
          container({
            ports: [{ containerPort: 80, hostPort: 0 }],
            securityContext: {
              privileged: false,
              procMount: 'Default',
              capabilities: { add: ['NET_BIND_SERVICE', 'CHOWN'], drop: ['ALL'] },
              seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' },
              appArmorProfile: { type: 'RuntimeDefault' },
            },
          }),
        ],
      },
      { annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'runtime/default' } },
    );
    expect(paths(allowed)).toEqual([]);
  });

  test('every violation is listed, not just the first', () => {
    expect(paths(template({ hostPID: true, hostNetwork: true, serviceAccountName: 'x' }))).toEqual([
      'inference.template.spec.hostNetwork',
      'inference.template.spec.hostPID',
      'inference.template.spec.serviceAccountName',
    ]);
  });
});

describe('volume sources under "baseline": no hostPath', () => {
  test('hostPath is refused; other sources pass', () => {
    expect(volumeSourceProblems({ hostPath: { path: '/' } }, 'tuning.input.volumeSource').map((p) => p.path)).toEqual([
      'tuning.input.volumeSource.hostPath',
    ]);
    expect(volumeSourceProblems({ persistentVolumeClaim: { claimName: 'x' } }, 'v')).toEqual([]);
  });
});

const tuning = (input: Record<string, unknown>, output: Record<string, unknown>) => ({
  apiVersion: 'kaito.sh/v1beta1',
  kind: 'Workspace',
  metadata: { name: 'tune', namespace: 'ml' },
  resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'x' } } },
  tuning: { preset: { name: 'phi-3-mini-4k-instruct' }, method: 'qlora', input, output },
});
const inference = (spec: Record<string, unknown>) => ({
  apiVersion: 'kaito.sh/v1beta1',
  kind: 'Workspace',
  metadata: { name: 'ws', namespace: 'ml' },
  resource: { instanceType: 'Standard_NC6s_v3', labelSelector: { matchLabels: { apps: 'x' } } },
  inference: spec,
});
const errorPaths = (input: object, options = {}) =>
  validateWorkspace(input, options)
    .filter((p) => p.severity === 'error')
    .map((p) => p.path);

describe('the validator checks every place a workspace hands to its pods', () => {
  const hostRoot = { hostPath: { path: '/' } };
  test('tuning input and output volumes', () => {
    expect(errorPaths(tuning({ volumeSource: hostRoot }, { volumeSource: hostRoot }))).toEqual([
      'tuning.input.volumeSource.hostPath',
      'tuning.output.volumeSource.hostPath',
    ]);
  });

  test('adapter volumes and the inference template', () => {
    expect(
      errorPaths(
        inference({
          template: template({ hostPID: true }),
          adapters: [{ source: { name: 'a', volumeSource: hostRoot } }],
        }),
      ),
    ).toEqual(['inference.template.spec.hostPID', 'inference.adapters[0].source.volumeSource.hostPath']);
  });

  test('an annotation is no opt-in: only the option the operator installer controls', () => {
    const ws = inference({ template: template({ hostNetwork: true }) });
    const annotated = { ...ws, metadata: { ...ws.metadata, annotations: { 'kaito.sh/allow-privileged': 'true' } } };
    expect(errorPaths(annotated)).toEqual(['inference.template.spec.hostNetwork']);
    expect(errorPaths(ws, { allowPrivilegedPods: true })).toEqual([]);
    expect(checkWorkspaceObject(ws, { allowPrivilegedPods: true }).plan?.kind).toBe('template');
  });
});

describe('the reconciler: refused unless started with --allow-privileged-templates', () => {
  const raw = {
    ...inference({ template: template({ hostPID: true, volumes: [{ name: 'r', hostPath: { path: '/' } }] }) }),
    metadata: { name: 'ws', namespace: 'ml', uid: 'u', generation: 1, finalizers: ['workspace.kaito.io/finalizer'] },
  };
  const observation = { workspace: raw, nodeClaims: [], nodes: [], pods: [] };

  test('by default: InvalidWorkspace naming the fields, nothing created or applied', () => {
    const d = decide(observation, { provisioner: 'gpu-provisioner', now: '2026-12-01T00:00:00Z' });
    expect([d.create, d.apply]).toEqual([[], []]);
    const ready = d.status?.conditions?.find((c) => c.type === 'ResourceReady');
    expect(ready?.reason).toBe('InvalidWorkspace');
    expect(ready?.message).toBe(
      `inference.template.spec.hostPID: the host's PID namespace: ${PRIVILEGED_OPT_IN}; ` +
        `inference.template.spec.volumes[0].hostPath: a hostPath volume: ${PRIVILEGED_OPT_IN}`,
    );
  });

  test('with the flag: the workspace is planned and its nodes created', () => {
    const d = decide(observation, {
      provisioner: 'gpu-provisioner',
      now: '2026-12-01T00:00:00Z',
      allowPrivilegedTemplates: true,
    });
    expect(d.create.map((o) => o.kind)).toEqual(['NodeClaim']);
  });

  test('the flag: off by default, on with --allow-privileged-templates', () => {
    expect(parseFlags([]).allowPrivilegedTemplates).toBe(false);
    expect(parseFlags(['--allow-privileged-templates']).allowPrivilegedTemplates).toBe(true);
    expect(parseFlags(['--allow-privileged-templates=false']).allowPrivilegedTemplates).toBe(false);
  });
});
