// Custom mode's front door: a TCP proxy on PORT that hands each new connection to the next
// backend (round robin over 127.0.0.1 ports), skipping one that refuses.
import { connect, createServer, type Server, type Socket } from "node:net";

/** One backend port with its open connections. */
export interface Backend {
  port: number;
  active: Set<Socket>;
}

/** Round-robin TCP proxy; backends are swapped as a whole with `setBackends`. */
export class TcpProxy {
  private backends: Backend[] = [];
  /** Every backend with connections or in the rotation, by port. */
  private readonly known = new Map<number, Backend>();
  private next = 0;
  private readonly clients = new Set<Socket>();
  readonly server: Server;

  constructor(private readonly onFailure: (port: number, error: string) => void = () => undefined) {
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => this.accept(client));
  }

  /** Replaces the set of backends new connections go to; open connections stay where they are. */
  setBackends(ports: number[]): void {
    this.backends = ports.map((port) => this.known.get(port) ?? { port, active: new Set() });
    for (const b of this.backends) this.known.set(b.port, b);
    for (const [port, b] of this.known) if (!ports.includes(port) && b.active.size === 0) this.known.delete(port);
  }

  /** Ports new connections go to. */
  get ports(): number[] {
    return this.backends.map((b) => b.port);
  }

  /** Open connections proxied to a port (0 when unknown). */
  activeTo(port: number): number {
    return this.known.get(port)?.active.size ?? 0;
  }

  private pick(tried: Set<number>): Backend | undefined {
    const n = this.backends.length;
    for (let i = 0; i < n; i++) {
      const b = this.backends[(this.next + i) % n];
      if (b && !tried.has(b.port)) {
        this.next = (this.next + i + 1) % n;
        return b;
      }
    }
    return undefined;
  }

  private accept(client: Socket): void {
    this.clients.add(client);
    client.once("close", () => this.clients.delete(client));
    client.on("error", () => client.destroy());
    this.dial(client, new Set());
  }

  private dial(client: Socket, tried: Set<number>): void {
    const backend = this.pick(tried);
    if (!backend || client.destroyed) {
      client.destroy();
      return;
    }
    tried.add(backend.port);
    const upstream = connect({ host: "127.0.0.1", port: backend.port, allowHalfOpen: true });
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      backend.active.add(upstream);
      upstream.once("close", () => backend.active.delete(upstream));
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on("error", (e) => {
      if (!connected) {
        // Nothing was sent yet: the next backend can take the connection.
        this.onFailure(backend.port, e.message);
        upstream.destroy();
        this.dial(client, tried);
        return;
      }
      client.destroy();
    });
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => {
      if (connected) client.destroy();
    });
  }

  /** Listens on the port; resolves when bound. */
  listen(port: number, host?: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  /** Stops accepting; waits up to timeoutMs for open connections to end, then cuts them. */
  close(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const cut = setTimeout(() => {
        for (const c of this.clients) c.destroy();
      }, timeoutMs);
      this.server.close(() => {
        clearTimeout(cut);
        resolve();
      });
    });
  }
}
