import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** What a client needs to reach one API server as one user. */
export interface KubeConnection {
  /** The server's base URL, e.g. `https://127.0.0.1:24113`. */
  readonly server: string;
  /** PEM CA bundle that signs the server's certificate; the system CAs when undefined. */
  readonly ca?: Buffer;
  /** PEM client certificate and key (client-certificate authentication). */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Bearer token (e.g. a ServiceAccount token from a TokenRequest). */
  readonly token?: string;
  /** Skip verification of the server's certificate. @default false */
  readonly insecureSkipTlsVerify?: boolean;
}

/** The repository root (this file is test/cluster/support/kubeconfig.ts). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** The kubeconfig that `scripts/test-cluster.sh start` writes. */
export const DEFAULT_KUBECONFIG = join(REPO_ROOT, '.cluster', 'kubeconfig');

interface NamedEntry<T> {
  readonly name: string;
  readonly cluster?: T;
  readonly user?: T;
  readonly context?: T;
}

interface KubeconfigFile {
  readonly 'current-context'?: string;
  readonly clusters?: readonly NamedEntry<Record<string, unknown>>[];
  readonly users?: readonly NamedEntry<Record<string, unknown>>[];
  readonly contexts?: readonly NamedEntry<Record<string, unknown>>[];
}

function parse(path: string): KubeconfigFile {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text) as KubeconfigFile;
  } catch {
    // Not JSON: let kubectl turn any YAML kubeconfig into JSON.
    const json = execFileSync('kubectl', ['config', 'view', '--raw', '-o', 'json', `--kubeconfig=${path}`], {
      encoding: 'utf8',
    });
    return JSON.parse(json) as KubeconfigFile;
  }
}

function entry(
  file: KubeconfigFile,
  list: 'clusters' | 'users' | 'contexts',
  name: string,
  path: string,
): Record<string, unknown> {
  const key = list === 'clusters' ? 'cluster' : list === 'users' ? 'user' : 'context';
  const found = (file[list] ?? []).find((e) => e.name === name);
  const value = found?.[key];
  if (value === undefined) {
    throw new Error(`${path}: no ${key} named "${name}"`);
  }
  return value;
}

function str(obj: Record<string, unknown>, field: string): string | undefined {
  const v = obj[field];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Reads `<field>-data` (base64) or `<field>` (a file, relative to the kubeconfig). */
function pem(obj: Record<string, unknown>, field: string, base: string): Buffer | undefined {
  const data = str(obj, `${field}-data`);
  if (data !== undefined) {
    return Buffer.from(data, 'base64');
  }
  const file = str(obj, field);
  return file === undefined ? undefined : readFileSync(isAbsolute(file) ? file : join(base, file));
}

/**
 * Reads the current context of a kubeconfig: `path`, else `$KUBECONFIG_TEST`, else the
 * test cluster's `.cluster/kubeconfig`. Supports certificate and token users, inline
 * (`*-data`) or as files; exec and auth-provider plugins are not supported.
 */
export function loadKubeconfig(path: string = process.env.KUBECONFIG_TEST || DEFAULT_KUBECONFIG): KubeConnection {
  let file: KubeconfigFile;
  try {
    file = parse(path);
  } catch (e) {
    throw new Error(
      `cannot read kubeconfig ${path}: ${(e as Error).message}\n` +
        'Start the test cluster first (npm run cluster:start), or set KUBECONFIG_TEST.',
      { cause: e },
    );
  }
  const base = dirname(path);
  const contextName = file['current-context'];
  if (!contextName) {
    throw new Error(`${path}: no current-context`);
  }
  const context = entry(file, 'contexts', contextName, path);
  const cluster = entry(file, 'clusters', String(context.cluster), path);
  const user = entry(file, 'users', String(context.user), path);
  const server = str(cluster, 'server');
  if (server === undefined) {
    throw new Error(`${path}: cluster "${String(context.cluster)}" has no server`);
  }
  if (user.exec !== undefined || user['auth-provider'] !== undefined) {
    throw new Error(`${path}: user "${String(context.user)}": exec and auth-provider users are not supported`);
  }
  const tokenFile = str(user, 'tokenFile');
  const token =
    str(user, 'token') ??
    (tokenFile === undefined
      ? undefined
      : readFileSync(isAbsolute(tokenFile) ? tokenFile : join(base, tokenFile), 'utf8').trim());
  return {
    server: server.replace(/\/+$/, ''),
    ca: pem(cluster, 'certificate-authority', base),
    cert: pem(user, 'client-certificate', base),
    key: pem(user, 'client-key', base),
    token,
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
  };
}
