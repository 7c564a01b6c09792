import { existsSync, readFileSync, statSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

/*
 * How the reconciler reaches the API server: in-cluster (the pod's ServiceAccount token and CA) or a
 * kubeconfig file.
 *
 * Certificates and tokens are read here, without @kubernetes/client-node: loading that package costs
 * about 75 MiB of resident memory (measured on Node 24: 42 MiB for an empty process, 118 MiB after
 * importing its config module, which pulls in the generated API clients), over half of the reconciler's
 * 128 MiB limit. It is still used for what it does and we do not: kubeconfig users with an `exec` or
 * `auth-provider` plugin, and KUBECONFIG lists of several files. It is ESM-only while this package
 * compiles to CommonJS, so it is loaded with a dynamic `import()`, which works in Node and in Jest (with
 * --experimental-vm-modules), where `require()` of an ES module does not.
 */

/** Everything needed to talk to one API server as one user. */
export interface Connection {
  /** Base URL, e.g. `https://10.0.0.1:443`. */
  readonly server: string;
  /** PEM CA bundle for the server's certificate; the system CAs when undefined. */
  readonly ca?: Buffer;
  /** PEM client certificate and key. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Do not verify the server's certificate. @default false */
  readonly insecureSkipTlsVerify?: boolean;
  /** Server name to verify the certificate against, when it differs from the URL's host. */
  readonly tlsServerName?: string;
  /** The `Authorization` header for the next request (tokens can rotate), if any. */
  readonly authorization?: () => Promise<string | undefined>;
}

/** Where the kubelet mounts a pod's ServiceAccount credentials. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Bound ServiceAccount tokens rotate; the file is read again after this long (as client-go does). */
const TOKEN_REREAD_MS = 60_000;

/** A token read from a file, read again once it is a minute old. */
function tokenFromFile(path: string): () => Promise<string | undefined> {
  let token: string | undefined;
  let readAt = 0;
  return async () => {
    if (token === undefined || Date.now() - readAt > TOKEN_REREAD_MS) {
      token = readFileSync(path, 'utf8').trim();
      readAt = Date.now();
    }
    return `Bearer ${token}`;
  };
}

/** The in-cluster connection, or undefined when not running in a pod. */
export function inClusterConnection(
  env: NodeJS.ProcessEnv = process.env,
  dir: string = SERVICE_ACCOUNT_DIR,
): Connection | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenPath = join(dir, 'token');
  if (!host || !port || !existsSync(tokenPath)) return undefined;
  const caPath = join(dir, 'ca.crt');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ...(existsSync(caPath) ? { ca: readFileSync(caPath) } : {}),
    authorization: tokenFromFile(tokenPath),
  };
}

type Entry = Record<string, unknown>;

function named(file: Entry, list: string, key: string, name: string, path: string): Entry {
  const entries = Array.isArray(file[list]) ? (file[list] as Entry[]) : [];
  const found = entries.find((e) => e.name === name)?.[key];
  if (typeof found !== 'object' || found === null) throw new Error(`${path}: no ${key} named "${name}"`);
  return found as Entry;
}

const text = (e: Entry, field: string) =>
  typeof e[field] === 'string' && e[field] !== '' ? (e[field] as string) : undefined;

/** `<field>-data` (base64) or `<field>` (a file path, relative to the kubeconfig). */
function pem(e: Entry, field: string, base: string): Buffer | undefined {
  const data = text(e, `${field}-data`);
  if (data !== undefined) return Buffer.from(data, 'base64');
  const file = text(e, field);
  return file === undefined ? undefined : readFileSync(isAbsolute(file) ? file : join(base, file));
}

/** Reads the current context of a kubeconfig file. */
export async function kubeconfigConnection(path: string): Promise<Connection> {
  // Loaded here, not with the module: in a cluster (a ServiceAccount, no kubeconfig) the parser is not needed.
  const { parse } = await import('yaml');
  const file = (parse(readFileSync(path, 'utf8')) ?? {}) as Entry;
  const contextName = text(file, 'current-context');
  if (contextName === undefined) throw new Error(`${path}: no current-context`);
  const context = named(file, 'contexts', 'context', contextName, path);
  const cluster = named(file, 'clusters', 'cluster', String(context.cluster), path);
  const user = context.user === undefined ? {} : named(file, 'users', 'user', String(context.user), path);
  if (user.exec !== undefined || user['auth-provider'] !== undefined) return clientNodeConnection(path);
  const server = text(cluster, 'server');
  if (server === undefined) throw new Error(`${path}: cluster "${String(context.cluster)}" has no server`);
  const base = dirname(path);
  const token = text(user, 'token');
  const tokenFile = text(user, 'tokenFile');
  const basic =
    text(user, 'username') !== undefined
      ? `Basic ${Buffer.from(`${text(user, 'username')}:${text(user, 'password') ?? ''}`).toString('base64')}`
      : undefined;
  const authorization =
    token !== undefined
      ? async () => `Bearer ${token}`
      : tokenFile !== undefined
        ? tokenFromFile(isAbsolute(tokenFile) ? tokenFile : join(base, tokenFile))
        : basic !== undefined
          ? async () => basic
          : undefined;
  const ca = pem(cluster, 'certificate-authority', base);
  const cert = pem(user, 'client-certificate', base);
  const key = pem(user, 'client-key', base);
  const serverName = text(cluster, 'tls-server-name');
  return {
    server: server.replace(/\/+$/, ''),
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(cluster['insecure-skip-tls-verify'] === true ? { insecureSkipTlsVerify: true } : {}),
    ...(serverName ? { tlsServerName: serverName } : {}),
    ...(authorization ? { authorization } : {}),
  };
}

type ClientNode = typeof import('@kubernetes/client-node');

/** A kubeconfig read by @kubernetes/client-node (exec and auth-provider users, several files). */
async function clientNodeConnection(path?: string): Promise<Connection> {
  const k8s: ClientNode = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (path === undefined) kc.loadFromDefault();
  else kc.loadFromFile(path);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error(`${path ?? 'kubeconfig'}: no current cluster`);
  const tls: RequestOptions = {};
  await kc.applyToHTTPSOptions(tls);
  const asBuffer = (v: unknown) => (typeof v === 'string' ? Buffer.from(v) : Buffer.isBuffer(v) ? v : undefined);
  const ca = asBuffer(tls.ca);
  const cert = asBuffer(tls.cert);
  const key = asBuffer(tls.key);
  return {
    server: cluster.server.replace(/\/+$/, ''),
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(cluster.skipTLSVerify ? { insecureSkipTlsVerify: true } : {}),
    ...(cluster.tlsServerName ? { tlsServerName: cluster.tlsServerName } : {}),
    authorization: async () => {
      const options: RequestOptions = {};
      await kc.applyToHTTPSOptions(options);
      const headers = (options.headers ?? {}) as Record<string, string | undefined>;
      return headers.Authorization ?? headers.authorization;
    },
  };
}

/**
 * The connection the reconciler uses: the kubeconfig at `kubeconfig` when given; else in-cluster when
 * running in a pod; else `$KUBECONFIG` or `~/.kube/config`.
 */
export async function loadConnection(options: { readonly kubeconfig?: string } = {}): Promise<Connection> {
  if (options.kubeconfig !== undefined) return kubeconfigConnection(options.kubeconfig);
  const inCluster = inClusterConnection();
  if (inCluster !== undefined) return inCluster;
  const env = process.env.KUBECONFIG;
  if (env !== undefined && env.includes(':')) return clientNodeConnection();
  const path = env || join(homedir(), '.kube', 'config');
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new Error(`not running in a cluster and no kubeconfig at ${path}: pass --kubeconfig`);
  }
  return kubeconfigConnection(path);
}
