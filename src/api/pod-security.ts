import { childPath, error, type Problem } from './problems';
import type { Workspace } from './types';

/*
 * The Kubernetes Pod Security Standards "baseline" level, checked on what a workspace hands to the pods the
 * controller creates: a custom pod template (`inference.template`) and the VolumeSources of tuning input,
 * tuning output and adapters. The controller's service account creates those pods, so without this check
 * anyone allowed to create a Workspace would get privileged pods, host namespaces or the node's file system.
 * On top of baseline a template may not pick a service account or mount its token: the pod would act with
 * that account's rights. An operator installed with `--allow-privileged-templates` accepts all of it.
 */

/** Capabilities baseline allows a container to add. */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
/** Sysctls baseline allows (the namespaced "safe" set). */
const SAFE_SYSCTLS = new Set([
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
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

/** The opt-in every refusal names. */
export const PRIVILEGED_OPT_IN =
  'refused by Pod Security "baseline" (the reconciler would create the pod with its own rights); an operator installed with --allow-privileged-templates accepts it';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function refuse(out: Problem[], path: string, what: string): void {
  out.push(error(path, `${what}: ${PRIVILEGED_OPT_IN}`));
}

/** seLinuxOptions, seccompProfile and appArmorProfile of a pod or container security context. */
function checkProfiles(context: Obj, path: string, out: Problem[]): void {
  const selinux = obj(context.seLinuxOptions);
  if (typeof selinux.type === 'string' && !SELINUX_TYPES.has(selinux.type)) {
    refuse(out, childPath(path, 'seLinuxOptions.type'), `${JSON.stringify(selinux.type)} is not a container type`);
  }
  for (const field of ['user', 'role'] as const) {
    if (selinux[field] !== undefined && selinux[field] !== '') {
      refuse(out, childPath(path, `seLinuxOptions.${field}`), 'a custom SELinux user or role');
    }
  }
  for (const field of ['seccompProfile', 'appArmorProfile'] as const) {
    if (obj(context[field]).type === 'Unconfined') refuse(out, childPath(path, `${field}.type`), 'Unconfined');
  }
}

function checkContainer(container: unknown, path: string, out: Problem[]): void {
  const c = obj(container);
  const context = obj(c.securityContext);
  const sc = childPath(path, 'securityContext');
  if (context.privileged === true) refuse(out, childPath(sc, 'privileged'), 'a privileged container');
  if (obj(context.windowsOptions).hostProcess === true) {
    refuse(out, childPath(sc, 'windowsOptions.hostProcess'), 'a host process container');
  }
  list(obj(context.capabilities).add).forEach((cap, i) => {
    if (typeof cap !== 'string' || !BASELINE_CAPABILITIES.has(cap)) {
      refuse(out, childPath(childPath(sc, 'capabilities.add'), i), `capability ${JSON.stringify(cap)}`);
    }
  });
  if (context.procMount !== undefined && context.procMount !== 'Default') {
    refuse(out, childPath(sc, 'procMount'), `procMount ${JSON.stringify(context.procMount)}`);
  }
  checkProfiles(context, sc, out);
  list(c.ports).forEach((port, i) => {
    const hostPort = obj(port).hostPort;
    if (hostPort !== undefined && hostPort !== 0) {
      refuse(out, childPath(childPath(childPath(path, 'ports'), i), 'hostPort'), `host port ${String(hostPort)}`);
    }
  });
}

/** Problems with a VolumeSource (or a Volume) under baseline: a hostPath volume. */
export function volumeSourceProblems(volume: unknown, path: string): Problem[] {
  const out: Problem[] = [];
  if (isObj(volume) && volume.hostPath !== undefined) refuse(out, childPath(path, 'hostPath'), 'a hostPath volume');
  return out;
}

/** Problems with a pod template under baseline, plus a service account or its token. */
export function podTemplateProblems(template: unknown, path: string): Problem[] {
  const out: Problem[] = [];
  const t = obj(template);
  const spec = obj(t.spec);
  const sp = childPath(path, 'spec');
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[field] === true) refuse(out, childPath(sp, field), `the host's ${field.slice(4)} namespace`);
  }
  for (const field of ['serviceAccountName', 'serviceAccount'] as const) {
    if (spec[field] !== undefined && spec[field] !== '') {
      refuse(out, childPath(sp, field), `service account ${JSON.stringify(spec[field])}`);
    }
  }
  if (spec.automountServiceAccountToken === true) {
    refuse(out, childPath(sp, 'automountServiceAccountToken'), "the service account's token");
  }
  const context = obj(spec.securityContext);
  const psc = childPath(sp, 'securityContext');
  checkProfiles(context, psc, out);
  if (obj(context.windowsOptions).hostProcess === true) {
    refuse(out, childPath(psc, 'windowsOptions.hostProcess'), 'a host process pod');
  }
  list(context.sysctls).forEach((sysctl, i) => {
    const name = obj(sysctl).name;
    if (typeof name !== 'string' || !SAFE_SYSCTLS.has(name)) {
      refuse(out, childPath(childPath(psc, 'sysctls'), i), `sysctl ${JSON.stringify(name)}`);
    }
  });
  for (const [key, value] of Object.entries(obj(obj(t.metadata).annotations))) {
    if (key.startsWith(APPARMOR_ANNOTATION) && value !== 'runtime/default' && !String(value).startsWith('localhost/')) {
      refuse(out, `${childPath(path, 'metadata.annotations')}[${key}]`, `AppArmor profile ${JSON.stringify(value)}`);
    }
  }
  list(spec.volumes).forEach((volume, i) => {
    out.push(...volumeSourceProblems(volume, childPath(childPath(sp, 'volumes'), i)));
  });
  for (const kind of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    list(spec[kind]).forEach((c, i) => checkContainer(c, childPath(childPath(sp, kind), i), out));
  }
  return out;
}

/** What a workspace hands to its pods as is, under baseline: the template and every VolumeSource. */
export function workspacePodSecurityProblems(ws: Workspace): Problem[] {
  const out: Problem[] = [];
  if (ws.inference?.template !== undefined)
    out.push(...podTemplateProblems(ws.inference.template, 'inference.template'));
  (ws.inference?.adapters ?? []).forEach((adapter, i) => {
    const path = childPath(childPath('inference.adapters', i), 'source.volumeSource');
    out.push(...volumeSourceProblems(adapter.source?.volumeSource, path));
  });
  out.push(...volumeSourceProblems(ws.tuning?.input?.volumeSource, 'tuning.input.volumeSource'));
  out.push(...volumeSourceProblems(ws.tuning?.output?.volumeSource, 'tuning.output.volumeSource'));
  return out;
}
