import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * The reconciler's HTTP endpoints: /healthz and /readyz on the health probe address, /metrics on the
 * metrics address. Addresses are written as controller-runtime's flags take them: `:8080` (all
 * interfaces), `127.0.0.1:8080`, `[::1]:8080`, port 0 for any free port, and `0` to turn the endpoint off.
 */

/** A parsed bind address. */
export interface BindAddress {
  /** Interface to listen on; undefined for all. */
  readonly host?: string;
  readonly port: number;
}

/** Parses `host:port`, `:port` or `0` (off: undefined). Throws on anything else. */
export function parseBindAddress(value: string): BindAddress | undefined {
  if (value === '0') return undefined;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new Error(`"${value}" is not an address like :8080, 127.0.0.1:8080 or 0`);
  const host = match[1] ?? match[2];
  return { ...(host ? { host } : {}), port };
}

/** A listening server and the port it got. */
export interface Listening {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

type Handler = (path: string) => Promise<{ status: number; type: string; body: string }>;

/** Serves `handler` on `address`. */
export async function listen(address: BindAddress, handler: Handler): Promise<Listening> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    handler(path).then(
      (r) => res.writeHead(r.status, { 'Content-Type': r.type }).end(req.method === 'HEAD' ? undefined : r.body),
      (e: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(e)),
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const text = (status: number, body: string) => ({ status, type: 'text/plain; charset=utf-8', body });

/** /healthz (alive) and /readyz (ready once `ready()` is true). */
export function healthHandler(ready: () => boolean): Handler {
  return async (path) => {
    if (path === '/healthz' || path === '/livez') return text(200, 'ok');
    if (path === '/readyz') return ready() ? text(200, 'ok') : text(503, 'caches not synced');
    return text(404, 'not found');
  };
}

/** /metrics in the Prometheus text format. */
export function metricsHandler(registry: { metrics(): Promise<string>; readonly contentType: string }): Handler {
  return async (path) =>
    path === '/metrics'
      ? { status: 200, type: registry.contentType, body: await registry.metrics() }
      : text(404, 'not found');
}
