import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { inClusterConnection, kubeconfigConnection, loadConnection } from '../../../src/reconciler/connection';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kaito-conn-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfig(user: object, cluster: object = { server: 'https://10.0.0.1:6443/' }): string {
  const path = join(dir, 'config');
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'ctx',
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      clusters: [{ name: 'c', cluster }],
      users: [{ name: 'u', user }],
    }),
  );
  return path;
}

describe('kubeconfig', () => {
  test('inline certificates; the server without its trailing slash', async () => {
    const path = kubeconfig(
      { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
      { server: 'https://10.0.0.1:6443/', 'certificate-authority-data': b64('CA'), 'tls-server-name': 'kubernetes' },
    );
    const c = await kubeconfigConnection(path);
    expect([c.server, String(c.ca), String(c.cert), String(c.key), c.tlsServerName, c.authorization]).toEqual([
      'https://10.0.0.1:6443',
      'CA',
      'CERT',
      'KEY',
      'kubernetes',
      undefined,
    ]);
  });

  test('files relative to the kubeconfig, a token file, and insecure-skip-tls-verify', async () => {
    writeFileSync(join(dir, 'ca.crt'), 'CA-FILE');
    writeFileSync(join(dir, 'token'), 'file-token\n');
    const path = kubeconfig(
      { tokenFile: 'token' },
      { server: 'https://h:1', 'certificate-authority': 'ca.crt', 'insecure-skip-tls-verify': true },
    );
    const c = await kubeconfigConnection(path);
    expect([String(c.ca), c.insecureSkipTlsVerify, await c.authorization?.()]).toEqual([
      'CA-FILE',
      true,
      'Bearer file-token',
    ]);
  });

  test.each([
    [{ token: 'abc' }, 'Bearer abc'],
    [{ username: 'admin', password: 'pw' }, `Basic ${b64('admin:pw')}`],
  ])('user %j', async (user, header) => {
    expect(await (await kubeconfigConnection(kubeconfig(user))).authorization?.()).toBe(header);
  });

  // The first import() of client-node takes seconds on a loaded machine.
  test('an exec plugin user goes through @kubernetes/client-node (ESM, loaded with import())', async () => {
    const credential = {
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: 'exec-token' },
    };
    const path = kubeconfig(
      {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: ['-e', `process.stdout.write(${JSON.stringify(JSON.stringify(credential))})`],
          interactiveMode: 'Never',
        },
      },
      { server: 'https://10.0.0.1:6443', 'certificate-authority-data': b64('CA') },
    );
    const c = await kubeconfigConnection(path);
    expect([c.server, String(c.ca), await c.authorization?.()]).toEqual([
      'https://10.0.0.1:6443',
      'CA',
      'Bearer exec-token',
    ]);
  }, 30_000);

  test('errors name the file and what is missing', async () => {
    const path = join(dir, 'bad');
    writeFileSync(path, stringify({ contexts: [] }));
    await expect(kubeconfigConnection(path)).rejects.toThrow(`${path}: no current-context`);
    writeFileSync(path, stringify({ 'current-context': 'x', contexts: [] }));
    await expect(kubeconfigConnection(path)).rejects.toThrow(`${path}: no context named "x"`);
    await expect(loadConnection({ kubeconfig: join(dir, 'missing') })).rejects.toThrow('ENOENT');
  });
});

describe('in-cluster', () => {
  test('the ServiceAccount token and CA, the service address from the environment', async () => {
    writeFileSync(join(dir, 'token'), 'sa-token-1');
    writeFileSync(join(dir, 'ca.crt'), 'CLUSTER-CA');
    const c = inClusterConnection({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir);
    expect([c?.server, String(c?.ca), await c?.authorization?.()]).toEqual([
      'https://10.0.0.1:443',
      'CLUSTER-CA',
      'Bearer sa-token-1',
    ]);
  });

  test('the token is read again once a minute old (bound tokens rotate)', async () => {
    writeFileSync(join(dir, 'token'), 'first');
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    try {
      const c = inClusterConnection({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, dir)!;
      expect(c.server).toBe('https://[fd00::1]:443');
      expect(await c.authorization?.()).toBe('Bearer first');
      writeFileSync(join(dir, 'token'), 'second');
      now.mockReturnValue(1_030_000);
      expect(await c.authorization?.()).toBe('Bearer first');
      now.mockReturnValue(1_061_000);
      expect(await c.authorization?.()).toBe('Bearer second');
    } finally {
      now.mockRestore();
    }
  });

  test('not in a pod: no in-cluster connection', () => {
    expect(inClusterConnection({}, dir)).toBeUndefined();
    expect(inClusterConnection({ KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '1' }, dir)).toBeUndefined();
  });
});
