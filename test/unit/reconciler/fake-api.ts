import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeApi } from '../../../src/reconciler/http';

/** One request to the fake API server. */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
}

/** Answers a request: write to `res` (and end it, unless it is a watch kept open). */
export type FakeHandler = (req: FakeRequest, res: ServerResponse) => void;

/** A plain-HTTP stand-in for the API server, for unit tests of the client side. */
export class FakeApiServer {
  readonly requests: FakeRequest[] = [];
  private readonly open = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    /** Answers the requests; tests replace it as they go. */
    public handler: FakeHandler,
  ) {}

  /** Starts a server on a free loopback port. */
  static async start(handler: FakeHandler): Promise<FakeApiServer> {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const text = Buffer.concat(chunks).toString('utf8');
        const request: FakeRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          body: text === '' ? undefined : JSON.parse(text),
          contentType: req.headers['content-type'],
          accept: req.headers.accept,
        };
        fake.requests.push(request);
        fake.open.add(res);
        res.on('close', () => fake.open.delete(res));
        fake.handler(request, res);
      });
    });
    const fake: FakeApiServer = new FakeApiServer(server, handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A client of this server. */
  client(): KubeApi {
    return new KubeApi({ server: this.url }, { requestTimeoutMs: 5000 });
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Sends `body` as JSON with `status`. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** A Status object, as the API server sends with errors. */
export function status(code: number, reason: string, message = reason): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message };
}
