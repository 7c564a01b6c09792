import { Agent, request as httpsRequest } from 'node:https';

import { KubeConnection, loadKubeconfig } from './kubeconfig';

/** A Kubernetes object as JSON: only the fields every object has are typed. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** A list response (`kind: XList`). */
export interface KubeList<T = KubeObject> extends KubeObject {
  items: T[];
}

/** `meta.k8s.io/v1` Table, as returned with `table: true`. */
export interface KubeTable extends KubeObject {
  columnDefinitions: { name: string; type: string; format: string; description: string; priority: number }[];
  rows: { cells: unknown[]; object?: KubeObject }[];
}

/** The `v1` Status object the API server returns with an error. */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  status?: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
    retryAfterSeconds?: number;
  };
}

export interface KubeResponse<T> {
  /** The HTTP status code. */
  status: number;
  body: T;
}

/** A non-2xx answer. `status` is the HTTP code, `body` the Status object the server sent. */
export class KubeApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: KubeStatus,
  ) {
    super(`${method} ${path}: ${status} ${body.reason ?? ''}: ${body.message ?? ''}`);
    this.name = 'KubeApiError';
  }

  get reason(): string | undefined {
    return this.body.reason;
  }

  get causes(): NonNullable<KubeStatus['details']>['causes'] {
    return this.body.details?.causes;
  }
}

export interface RequestOptions {
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Ask for the server-side Table rendering (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`). */
  table?: boolean;
}

export interface ListOptions extends RequestOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WriteOptions extends RequestOptions {
  fieldManager?: string;
  /** `All` validates and defaults the object without persisting it. */
  dryRun?: 'All';
}

export interface ApplyOptions extends RequestOptions {
  fieldManager: string;
  /** Take over fields owned by other managers. @default false */
  force?: boolean;
  dryRun?: 'All';
}

export interface DeleteOptions extends RequestOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
}

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const REQUEST_TIMEOUT_MS = 30_000;

/** The API path of a resource collection or object, e.g. `apiPath('karpenter.sh/v1', 'nodeclaims', { name })`. */
export function apiPath(
  apiVersion: string,
  plural: string,
  where: { namespace?: string; name?: string; subresource?: string } = {},
): string {
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = where.namespace === undefined ? '' : `/namespaces/${encodeURIComponent(where.namespace)}`;
  const name = where.name === undefined ? '' : `/${encodeURIComponent(where.name)}`;
  const sub = where.subresource === undefined ? '' : `/${where.subresource}`;
  return `${root}${ns}/${plural}${name}${sub}`;
}

/** A small typed REST client for the test cluster: one user, JSON in and out, no caching. */
export class KubeClient {
  private readonly agent: Agent;

  constructor(readonly connection: KubeConnection) {
    this.agent = new Agent({
      keepAlive: false,
      ca: connection.ca,
      cert: connection.cert,
      key: connection.key,
      rejectUnauthorized: !connection.insecureSkipTlsVerify,
    });
  }

  /** The admin client of `.cluster/kubeconfig` (or `$KUBECONFIG_TEST`). */
  static fromKubeconfig(path?: string): KubeClient {
    return new KubeClient(loadKubeconfig(path));
  }

  /** A client for the same server that authenticates with `token` only (no client certificate). */
  withToken(token: string): KubeClient {
    return new KubeClient({
      server: this.connection.server,
      ca: this.connection.ca,
      insecureSkipTlsVerify: this.connection.insecureSkipTlsVerify,
      token,
    });
  }

  get<T = KubeObject>(path: string, options: RequestOptions = {}): Promise<KubeResponse<T>> {
    return this.request<T>('GET', path, undefined, options);
  }

  list<T = KubeObject>(path: string, options: ListOptions = {}): Promise<KubeResponse<KubeList<T>>> {
    const { labelSelector, fieldSelector, ...rest } = options;
    return this.request<KubeList<T>>('GET', path, undefined, {
      ...rest,
      query: { ...rest.query, labelSelector, fieldSelector },
    });
  }

  /** POST to a collection. A string body is sent as YAML. */
  create<T = KubeObject>(path: string, body: object | string, options: WriteOptions = {}): Promise<KubeResponse<T>> {
    return this.request<T>('POST', path, body, withWriteQuery(options));
  }

  /** PUT an object (metadata.resourceVersion, when set, must be current). A string body is sent as YAML. */
  replace<T = KubeObject>(path: string, body: object | string, options: WriteOptions = {}): Promise<KubeResponse<T>> {
    return this.request<T>('PUT', path, body, withWriteQuery(options));
  }

  /** JSON merge patch (RFC 7386). */
  mergePatch<T = KubeObject>(path: string, patch: object, options: WriteOptions = {}): Promise<KubeResponse<T>> {
    return this.request<T>('PATCH', path, patch, withWriteQuery(options), 'application/merge-patch+json');
  }

  /** Server-side apply of the object at `path` (the object's own URL). */
  apply<T = KubeObject>(path: string, body: object | string, options: ApplyOptions): Promise<KubeResponse<T>> {
    const { force, ...rest } = options;
    const query = { ...withWriteQuery(rest).query, force: force === true ? true : undefined };
    return this.request<T>('PATCH', path, body, { ...rest, query }, 'application/apply-patch+yaml');
  }

  delete<T = KubeObject>(path: string, options: DeleteOptions = {}): Promise<KubeResponse<T>> {
    const { propagationPolicy, ...rest } = options;
    return this.request<T>('DELETE', path, undefined, { ...rest, query: { ...rest.query, propagationPolicy } });
  }

  /**
   * Calls `probe` until it returns a value other than undefined, null or false, and returns that
   * value. An error thrown by `probe` counts as "not yet". Throws after `timeoutMs`, with the last
   * error or value seen.
   */
  async waitFor<T>(
    probe: () => Promise<T | undefined | null | false>,
    timeoutMs: number,
    intervalMs = 100,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: string;
    for (;;) {
      try {
        const value = await probe();
        if (value !== undefined && value !== null && value !== false) {
          return value;
        }
        last = `last value: ${String(value)}`;
      } catch (e) {
        last = `last error: ${(e as Error).message}`;
      }
      if (Date.now() >= deadline) {
        throw new Error(`waitFor: not satisfied within ${timeoutMs} ms (${last})`);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** One request. Resolves for 2xx, rejects with KubeApiError otherwise. */
  request<T>(
    method: string,
    path: string,
    body?: object | string,
    options: RequestOptions = {},
    contentType?: string,
  ): Promise<KubeResponse<T>> {
    const url = new URL(this.connection.server + path);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) {
        url.searchParams.set(k, String(v));
      }
    }
    const payload =
      body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
    const headers: Record<string, string> = {
      Accept: options.table === true ? TABLE_ACCEPT : 'application/json',
    };
    if (payload !== undefined) {
      headers['Content-Type'] = contentType ?? (typeof body === 'string' ? 'application/yaml' : 'application/json');
      headers['Content-Length'] = String(payload.length);
    }
    if (this.connection.token !== undefined) {
      headers.Authorization = `Bearer ${this.connection.token}`;
    }
    return new Promise((resolvePromise, reject) => {
      const req = httpsRequest(url, { method, headers, agent: this.agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          if (status >= 200 && status < 300) {
            resolvePromise({ status, body: (parsed ?? text) as T });
          } else {
            const statusObject = isStatus(parsed)
              ? parsed
              : ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: status, message: text } as KubeStatus);
            reject(new KubeApiError(method, path, status, statusObject));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function withWriteQuery<O extends { fieldManager?: string; dryRun?: 'All'; query?: RequestOptions['query'] }>(
  options: O,
): O {
  return { ...options, query: { ...options.query, fieldManager: options.fieldManager, dryRun: options.dryRun } };
}

function isStatus(value: unknown): value is KubeStatus {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Status';
}
