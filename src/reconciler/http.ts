import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { Status } from 'kubernetes-types/meta/v1';
import type { Connection } from './connection';

/*
 * A small JSON client for the Kubernetes API over node:https: keep-alive connections, one request per
 * call, watches as streams of JSON lines. What it sends and receives is plain JSON; decisions live elsewhere.
 */

/** A non-2xx answer from the API server. */
export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    /** The HTTP status code. */
    readonly status: number,
    /** The `reason` of the Status object the server sent (`AlreadyExists`, `Conflict`, `Expired`…). */
    readonly reason: string | undefined,
    serverMessage: string,
  ) {
    super(`${method} ${path}: ${status}${reason ? ` ${reason}` : ''}: ${serverMessage}`);
    this.name = 'ApiError';
  }
}

/** True when `e` is an ApiError with HTTP status `status`. */
export function isStatus(e: unknown, status: number): boolean {
  return e instanceof ApiError && e.status === status;
}

/** What one finished request was, for metrics. */
export interface RequestRecord {
  /** HTTP method, or `WATCH` for a watch. */
  readonly verb: string;
  readonly path: string;
  /** HTTP status, or 0 when no answer came. */
  readonly status: number;
  readonly seconds: number;
}

/** Options of a {@link KubeApi}. */
export interface KubeApiOptions {
  /** @default 'kaito-reconciler' */
  readonly userAgent?: string;
  /** Called after every request (and when a watch ends). */
  readonly onRequest?: (record: RequestRecord) => void;
  /** A request without an answer for this long fails. @default 30000 */
  readonly requestTimeoutMs?: number;
}

/** One request. */
export interface RequestInit {
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Sent as JSON (JSON is also valid YAML for apply patches). */
  readonly body?: unknown;
  /** @default 'application/json' when there is a body */
  readonly contentType?: string;
  /** Fail when no answer came within this long. @default the client's requestTimeoutMs */
  readonly timeoutMs?: number;
  /** The Accept header (pod logs are text/plain). @default 'application/json' */
  readonly accept?: string;
}

/** A watch event as the server sends it. */
export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: Record<string, unknown>;
}

/** How a watch is run. */
export interface WatchInit {
  readonly query: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Called for each event, in order. */
  readonly onEvent: (event: WatchEvent) => void;
  /** Fail the watch when nothing (no event, no bookmark) arrives for this long. */
  readonly idleTimeoutMs: number;
  /** Aborts the watch; the returned promise then resolves. */
  readonly signal?: AbortSignal;
  /** The Accept header (a metadata-only watch asks for PartialObjectMetadata). @default 'application/json' */
  readonly accept?: string;
}

/** The watch went quiet for longer than its idle timeout. */
export class WatchStalledError extends Error {}

const MAX_THROTTLE_RETRIES = 3;

/** The Kubernetes API as JSON over HTTPS. */
export class KubeApi {
  private readonly agent: Agent | HttpAgent;
  private readonly send: typeof httpsRequest;
  private readonly userAgent: string;
  private readonly timeoutMs: number;

  constructor(
    readonly connection: Connection,
    private readonly options: KubeApiOptions = {},
  ) {
    this.userAgent = options.userAgent ?? 'kaito-reconciler';
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    const pool = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16 };
    // Plain HTTP for a local proxy (`kubectl proxy`) or a test server; HTTPS otherwise.
    const plain = connection.server.startsWith('http:');
    this.send = plain ? (httpRequest as typeof httpsRequest) : httpsRequest;
    this.agent = plain
      ? new HttpAgent(pool)
      : new Agent({
          ...pool,
          ...(connection.ca ? { ca: connection.ca } : {}),
          ...(connection.cert ? { cert: connection.cert } : {}),
          ...(connection.key ? { key: connection.key } : {}),
          ...(connection.tlsServerName ? { servername: connection.tlsServerName } : {}),
          rejectUnauthorized: connection.insecureSkipTlsVerify !== true,
        });
  }

  /** Closes idle connections (open watches end when their signals abort). */
  close(): void {
    this.agent.destroy();
  }

  private async start(method: string, path: string, init: RequestInit, accept = 'application/json') {
    const url = new URL(this.connection.server + path);
    for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const payload = init.body === undefined ? undefined : Buffer.from(JSON.stringify(init.body), 'utf8');
    const headers: Record<string, string> = { Accept: accept, 'User-Agent': this.userAgent };
    if (payload !== undefined) {
      headers['Content-Type'] = init.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const authorization = await this.connection.authorization?.();
    if (authorization !== undefined) headers.Authorization = authorization;
    const options: RequestOptions = { method, headers, agent: this.agent };
    return { url, options, payload };
  }

  private record(verb: string, path: string, status: number, started: number): void {
    this.options.onRequest?.({ verb, path, status, seconds: (performance.now() - started) / 1000 });
  }

  /** One request; resolves with the parsed body of a 2xx answer, rejects with ApiError otherwise. */
  async request<T>(method: string, path: string, init: RequestInit = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(method, path, init);
      } catch (e) {
        // API Priority and Fairness sheds load with 429 and Retry-After: the request was not applied.
        if (!(e instanceof ThrottledError)) throw e;
        if (attempt >= MAX_THROTTLE_RETRIES) throw e.cause;
        await new Promise((r) => setTimeout(r, e.retryAfterMs));
      }
    }
  }

  private async once<T>(method: string, path: string, init: RequestInit): Promise<T> {
    const { url, options, payload } = await this.start(method, path, init, init.accept);
    const started = performance.now();
    const timeout = init.timeoutMs ?? this.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      const req = this.send(url, { ...options, timeout }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          this.record(method, path, status, started);
          const body = Buffer.concat(chunks).toString('utf8');
          if (status >= 200 && status < 300) {
            try {
              resolve((body === '' ? undefined : JSON.parse(body)) as T);
            } catch {
              resolve(body as T);
            }
            return;
          }
          const error = toApiError(method, path, status, body);
          if (status === 429) {
            const after = Number(res.headers['retry-after'] ?? 1);
            reject(new ThrottledError(Math.min(5, Number.isFinite(after) ? after : 1) * 1000, error));
          } else reject(error);
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeout} ms`)));
      req.on('error', (e) => {
        this.record(method, path, 0, started);
        reject(e);
      });
      req.end(payload);
    });
  }

  /**
   * Runs one watch until the server ends it (resolves), the signal aborts (resolves), or it fails
   * (rejects: a non-2xx answer as ApiError, a stall as WatchStalledError, a broken connection).
   */
  async watch(path: string, init: WatchInit): Promise<void> {
    const { url, options } = await this.start('GET', path, { query: { ...init.query, watch: true } }, init.accept);
    const started = performance.now();
    return new Promise<void>((resolve, reject) => {
      let status = 0;
      let idle: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        init.signal?.removeEventListener('abort', onAbort);
        this.record('WATCH', path, status, started);
        if (error) reject(error);
        else resolve();
      };
      // Settle first, then drop the connection: an error passed to destroy() is not reliably emitted
      // once the response has ended (the server may end it in the chunk that carried the failure).
      const fail = (error: Error) => {
        finish(error);
        req.destroy();
      };
      const req = this.send(url, options, (res: IncomingMessage) => {
        status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => finish(toApiError('GET', path, status, Buffer.concat(chunks).toString('utf8'))));
          res.on('error', (e) => finish(e));
          return;
        }
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          armIdle();
          buffered += chunk;
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (line === '') continue;
            try {
              init.onEvent(JSON.parse(line) as WatchEvent);
            } catch (e) {
              fail(e as Error);
              return;
            }
          }
        });
        res.on('end', () => finish());
        res.on('error', (e) => finish(e));
        res.on('close', () => finish(res.complete ? undefined : new Error(`watch ${path}: connection closed`)));
      });
      const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(
          () => fail(new WatchStalledError(`watch ${path}: nothing received for ${init.idleTimeoutMs} ms`)),
          init.idleTimeoutMs,
        );
      };
      const onAbort = () => {
        req.destroy();
        finish();
      };
      // Listen for errors first: a request destroyed before it was sent (aborted already) emits one.
      req.on('error', (e) => finish(e));
      if (init.signal?.aborted) return onAbort();
      init.signal?.addEventListener('abort', onAbort, { once: true });
      armIdle();
      req.end();
    });
  }
}

class ThrottledError extends Error {
  constructor(
    readonly retryAfterMs: number,
    override readonly cause: ApiError,
  ) {
    super(cause.message);
  }
}

function toApiError(method: string, path: string, status: number, body: string): ApiError {
  let reason: string | undefined;
  let message = body;
  try {
    const parsed = JSON.parse(body) as Status;
    reason = parsed.reason;
    message = parsed.message ?? body;
  } catch {
    // not a Status object: keep the text
  }
  return new ApiError(method, path, status, reason, message.trim());
}
