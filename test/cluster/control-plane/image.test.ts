import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { renderOperator } from '../../../src/render';
import { KWOK_NODE_CLASS } from '../../../src/render/node-class';
import { PACKAGE_VERSION, type OperatorOptions } from '../../../src/render/operator';
import { pinnedNodeVersion } from '../../../scripts/image/build';
import { REPO_ROOT } from '../support';
import { installBundleRbac } from '../reconciler/support/bundle-rbac';
import {
  adminConnection,
  createNamespace,
  createWorkspace,
  seed,
  tableRow,
  waitForCondition,
} from '../reconciler/support/cluster';
import { localGet } from '../reconciler/support/child';
import { installWorkspaceCrd, nodeClaimsOf, podsOf } from './support';

/*
 * The reconciler image, built by `npm run image:build`, run by an OCI runtime as the operator bundle's
 * Deployment runs it: its user, read-only root, memory limit, /tmp, arguments and environment are taken
 * from the rendered Deployment, and it reaches the API server in-cluster, with a ServiceAccount token and
 * CA mounted where the kubelet mounts them. The bundle's RBAC is applied: the token has only its rights.
 * On the whole control plane: its NodeClaims are launched by Karpenter (kwok provider), its pods made by
 * the controller-manager, bound by the scheduler and run by KWOK.
 *
 * It needs root, `runc` (or KAITO_OCI_RUNTIME) and `umoci` (which unpacks the image as a runtime bundle
 * from the image config), and the Debian package lists (apt-get update): .ci/run installs them.
 */

const RUNTIME = process.env.KAITO_OCI_RUNTIME || 'runc';
const scratch = join(process.env.KAITO_TEST_TMPDIR ?? REPO_ROOT, `image-${process.pid}`);
const containerId = `kaito-image-test-${process.pid}`;

let namespace: string;
let container: ChildProcess;
let exited: Promise<number | null>;
let healthPort: number;
const logLines: Array<Record<string, unknown>> = [];
let digest: string;

function sh(command: string, args: readonly string[], cwd = REPO_ROOT): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error || r.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
  }
  return r.stdout;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Kubernetes memory quantities of the form the bundle uses (`128Mi`), in bytes. */
function bytes(quantity: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)$/.exec(quantity);
  if (m === null) throw new Error(`unexpected quantity ${quantity}`);
  return Number(m[1]) * { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] as 'Ki' | 'Mi' | 'Gi'];
}

type Container = {
  args: string[];
  env: Array<{ name: string }>;
  resources: { limits: { memory: string } };
  securityContext: { runAsUser: number; runAsGroup: number; readOnlyRootFilesystem: boolean };
  volumeMounts: Array<{ mountPath: string }>;
};

/** The bundle of this test: Karpenter's NodeClaims of the kwok node class, this namespace's workspaces. */
const bundleOptions = (ns: string): OperatorOptions & { namespace: string } => ({
  namespace: ns,
  watchNamespace: ns,
  nodeProvisioner: 'karpenter',
  nodeClass: KWOK_NODE_CLASS,
});

/** The reconciler container of the bundle's Deployment. */
function deploymentContainer(ns: string): Container {
  const deployment = renderOperator(bundleOptions(ns)).find((o) => o.kind === 'Deployment')!;
  return (deployment.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;
}

const containerPid = () => (JSON.parse(sh(RUNTIME, ['state', containerId])) as { pid: number }).pid;

/** A file of the container's memory cgroup: `v1` under cgroup v1, `v2` under the unified hierarchy. */
function memoryCgroupFile(v1: string, v2: string): string {
  const cgroups = readFileSync(`/proc/${containerPid()}/cgroup`, 'utf8');
  const legacy = /^\d+:memory:(.*)$/m.exec(cgroups)?.[1];
  return legacy !== undefined
    ? `/sys/fs/cgroup/memory${legacy}/${v1}`
    : `/sys/fs/cgroup${/^0::(.*)$/m.exec(cgroups)![1]}/${v2}`;
}

/** Builds the image as `npm run image:build` does, into `out`; returns its manifest digest. */
function buildImage(out: string): string {
  sh(join(REPO_ROOT, 'node_modules/.bin/node'), [
    '-r',
    'ts-node/register/transpile-only',
    'scripts/image/build.ts',
    '--out',
    out,
  ]);
  return (JSON.parse(readFileSync(join(out, 'image.json'), 'utf8')) as { digest: string }).digest;
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the image test runs an OCI runtime and needs root');
  mkdirSync(scratch, { recursive: true });
  digest = buildImage(join(scratch, 'image'));
  const bundle = join(scratch, 'bundle');
  sh('umoci', ['unpack', '--image', `${join(scratch, 'image/oci')}:${PACKAGE_VERSION}`, bundle]);

  await installWorkspaceCrd();
  namespace = await createNamespace('cp-image');
  const { token } = await installBundleRbac(bundleOptions(namespace));

  // The ServiceAccount volume as the kubelet projects it.
  const { server, ca } = await adminConnection();
  const serviceAccount = join(scratch, 'serviceaccount');
  mkdirSync(serviceAccount);
  writeFileSync(join(serviceAccount, 'token'), token);
  writeFileSync(join(serviceAccount, 'ca.crt'), ca!);
  writeFileSync(join(serviceAccount, 'namespace'), namespace);
  const api = new URL(server);

  const spec = deploymentContainer(namespace);
  healthPort = await freePort();
  const metricsPort = await freePort();
  // The container shares the host's network (the test cluster listens on loopback): the ports are free ones.
  const args = spec.args.map((a) =>
    a.startsWith('--health-probe-bind-address=')
      ? `--health-probe-bind-address=127.0.0.1:${healthPort}`
      : a.startsWith('--metrics-bind-address=')
        ? `--metrics-bind-address=127.0.0.1:${metricsPort}`
        : a,
  );
  expect(spec.env.map((e) => e.name)).toEqual(['POD_NAMESPACE']);
  const configPath = join(bundle, 'config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as {
    process: Record<string, unknown> & { args: string[]; env: string[]; user: { uid: number; gid: number } };
    root: Record<string, unknown>;
    mounts: Array<Record<string, unknown>>;
    linux: { namespaces: Array<{ type: string }>; resources?: Record<string, unknown> };
  };
  // What the image config says (umoci wrote it): the Deployment's user must be the image's own.
  expect([config.process.user.uid, config.process.user.gid]).toEqual([
    spec.securityContext.runAsUser,
    spec.securityContext.runAsGroup,
  ]);
  config.process.terminal = false;
  config.process.args = [...config.process.args, ...args];
  config.process.env = [
    ...config.process.env,
    `POD_NAMESPACE=${namespace}`,
    `KUBERNETES_SERVICE_HOST=${api.hostname}`,
    `KUBERNETES_SERVICE_PORT=${api.port}`,
  ];
  // capabilities: drop ALL
  config.process.capabilities = { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] };
  config.root = { path: 'rootfs', readonly: spec.securityContext.readOnlyRootFilesystem };
  config.linux.namespaces = config.linux.namespaces.filter((n) => n.type !== 'network');
  config.linux.resources = { ...config.linux.resources, memory: { limit: bytes(spec.resources.limits.memory) } };
  expect(spec.volumeMounts.map((m) => m.mountPath)).toEqual(['/tmp']);
  config.mounts.push(
    { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=64m'] },
    {
      destination: '/var/run/secrets/kubernetes.io/serviceaccount',
      type: 'bind',
      source: serviceAccount,
      options: ['rbind', 'ro'],
    },
  );
  writeFileSync(configPath, JSON.stringify(config));

  container = spawn(RUNTIME, ['run', '--bundle', bundle, containerId], { stdio: ['ignore', 'pipe', 'pipe'] });
  exited = new Promise((resolve) => container.once('exit', (code) => resolve(code)));
  let buffered = '';
  const other: string[] = [];
  container.stderr!.setEncoding('utf8');
  container.stderr!.on('data', (chunk: string) => {
    buffered += chunk;
    let i: number;
    while ((i = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      try {
        logLines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        other.push(line);
      }
    }
  });
  container.stdout!.resume();
  const deadline = Date.now() + 60_000;
  while (!logLines.some((l) => l.msg === 'serving')) {
    if (container.exitCode !== null)
      throw new Error(
        `the container exited (${container.exitCode}): ${[...other, ...logLines.slice(-5).map((l) => JSON.stringify(l))].join('\n')}`,
      );
    if (Date.now() > deadline) throw new Error(`the container did not serve: ${JSON.stringify(logLines.slice(-5))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 600_000);

afterAll(async () => {
  if (container !== undefined && container.exitCode === null) {
    spawnSync(RUNTIME, ['kill', containerId, 'KILL']);
    await exited;
  }
  spawnSync(RUNTIME, ['delete', '--force', containerId]);
});

test('the image runs as 65532 with a read-only root file system, no capabilities and the 128 MiB limit', () => {
  const pid = containerPid();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  expect(/^Uid:\s+(.*)$/m.exec(status)![1]!.split(/\s+/)).toEqual(['65532', '65532', '65532', '65532']);
  expect(/^Gid:\s+(.*)$/m.exec(status)![1]!.split(/\s+/)).toEqual(['65532', '65532', '65532', '65532']);
  expect(/^CapEff:\s+(.*)$/m.exec(status)![1]).toBe('0000000000000000');
  expect(/^NoNewPrivs:\s+(.*)$/m.exec(status)![1]).toBe('1');
  const limit = readFileSync(memoryCgroupFile('memory.limit_in_bytes', 'memory.max'), 'utf8');
  expect(limit.trim()).toBe(String(128 * 1024 * 1024));
  // The process itself: node of the pinned version, the image's entry point.
  expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 2)).toEqual([
    '/usr/local/bin/node',
    '/app/lib/reconciler/main.js',
  ]);
  const exec = (...args: string[]) => spawnSync(RUNTIME, ['exec', containerId, ...args], { encoding: 'utf8' });
  expect(exec('/usr/local/bin/node', '--version').stdout).toBe(`${pinnedNodeVersion()}\n`);
  // No shell in the image.
  const shell = exec('/bin/sh', '-c', 'true');
  expect(shell.status).not.toBe(0);
  expect(shell.stderr).toContain('/bin/sh: no such file or directory');
  // Writing anywhere but /tmp fails: the root is mounted read-only.
  const write = (path: string) =>
    exec(
      '/usr/local/bin/node',
      '-e',
      `try { require('fs').writeFileSync(${JSON.stringify(path)}, 'x'); console.log('written') } catch (e) { console.log(e.code) }`,
    ).stdout;
  expect(write('/app/x')).toBe('EROFS\n');
  expect(write('/etc/x')).toBe('EROFS\n');
  expect(write('/tmp/x')).toBe('written\n');
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
});

test('the container answers /healthz and /readyz', async () => {
  expect(await localGet(healthPort, '/healthz')).toEqual({ status: 200, body: 'ok' });
  const ready = await (async () => {
    for (let i = 0; i < 100; i++) {
      const r = await localGet(healthPort, '/readyz');
      if (r.status === 200) return r;
      await new Promise((res) => setTimeout(res, 200));
    }
    return localGet(healthPort, '/readyz');
  })();
  expect(ready).toEqual({ status: 200, body: 'ok' });
});

test('the container reconciles a seed workspace to Ready with the bundle RBAC only', async () => {
  await createWorkspace(namespace, seed('phi-3-mini-inference.yaml', 'from-image'));
  await waitForCondition(namespace, 'from-image', 'WorkspaceReady', 'True', undefined, 120_000);
  const row = await tableRow(namespace, 'from-image');
  expect([row.Name, row.Instance, row.ResourceReady, row.InferenceReady, row.WorkspaceReady]).toEqual([
    'from-image',
    'Standard_NC6s_v3',
    'True',
    'True',
    'True',
  ]);
  // Karpenter launched the claim the container made, and the workload's pod runs on that node.
  const claims = await nodeClaimsOf(namespace, 'from-image');
  expect(claims.map((c) => [c.nodeClassRef, c.expireAfter])).toEqual([[KWOK_NODE_CLASS, 'Never']]);
  const pods = await podsOf(namespace, 'from-image');
  expect(pods.map((p) => p.nodeName)).toEqual([claims[0]!.nodeName]);
  const usage = readFileSync(memoryCgroupFile('memory.max_usage_in_bytes', 'memory.peak'), 'utf8').trim();
  console.info(`image ${digest}: peak memory of the container ${(Number(usage) / 1048576).toFixed(1)} MiB`);
});

test('SIGTERM: the container stops its work and exits 0', async () => {
  sh(RUNTIME, ['kill', containerId, 'TERM']);
  expect(await exited).toBe(0);
  expect(logLines.filter((l) => l.msg === 'signal received').map((l) => l.signal)).toEqual(['SIGTERM']);
  expect(logLines.filter((l) => l.level === 'error')).toEqual([]);
});

test('reproducible: a second build from the same inputs has the same digest', () => {
  expect(buildImage(join(scratch, 'again'))).toBe(digest);
}, 600_000);
