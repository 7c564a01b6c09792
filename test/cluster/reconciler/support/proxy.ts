import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/*
 * A TCP proxy in front of the API server, to break the reconciler's connections on cue: `cut` drops every
 * connection and refuses new ones (the API server is down, as during a restart) until `restore`; `freeze`
 * silently stops forwarding on the open connections while new ones work (a stalled watch). TLS passes
 * through untouched (the serving certificate is for 127.0.0.1).
 */

/** A cuttable, freezable TCP proxy to `target`. */
export class FaultyProxy {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private readonly frozen = new Set<[Socket, Socket]>();
  private down = false;
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(
    private readonly target: { host: string; port: number },
    server: Server,
  ) {
    this.server = server;
  }

  /** Starts a proxy on a free loopback port to the server of `serverUrl`. */
  static async start(serverUrl: string): Promise<FaultyProxy> {
    const url = new URL(serverUrl);
    const server = createServer((client) => proxy.accept(client));
    const proxy: FaultyProxy = new FaultyProxy({ host: url.hostname, port: Number(url.port || 443) }, server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The URL clients use instead of the API server's. */
  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private accept(client: Socket): void {
    if (this.down) {
      client.destroy();
      return;
    }
    this.accepted++;
    const upstream = connect(this.target.port, this.target.host);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Drops every connection and refuses new ones until {@link restore}. */
  cut(): void {
    this.down = true;
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** Accepts connections again. */
  restore(): void {
    this.down = false;
  }

  /** Open connections stop forwarding, in both directions, without closing; new connections work. */
  freeze(): void {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
      this.frozen.add([client, upstream]);
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.cut();
    for (const [client, upstream] of this.frozen) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
