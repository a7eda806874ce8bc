// One database server as the app sees it: a mysql2 pool with short timeouts, the server's
// @@hostname per connection, and an up/down mark kept fresh by a background probe while down.
import { createPool, type Pool, type PoolConnection } from "mysql2/promise";
import { connect } from "node:net";
import { checkServerIdentity, TLSSocket } from "node:tls";
import type { DbRole, EndpointHealth, PoolStats } from "./types.js";
import { DbUnavailableError } from "./types.js";

/** How the endpoint connects. */
export interface EndpointOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** PEM of the CA that signed the server's certificate; TLS is used when set. */
  ca?: string;
  connectTimeoutMs?: number;
  probeIntervalMs?: number;
  /**
   * A replica endpoint's connection that reached a writable server (the local database proxy sends reads to the
   * primary while no replica passes its checks) is closed at its release once it is this old, so that a later
   * read connects again and reaches a replica that has come back (default FALLBACK_MAX_AGE_MS).
   */
  fallbackMaxAgeMs?: number;
}

/**
 * How long a replica endpoint keeps using a connection that reached the primary. Kept in the pool, such a
 * connection served reads from the primary for as long as reads kept it busy: an app that opened its first
 * read connection before the proxy's replica checks passed (right after `up`) read from the primary for more
 * than 30 s with its replica healthy. One reconnection per pooled connection and 2 s while no replica is
 * healthy is what this costs.
 */
export const FALLBACK_MAX_AGE_MS = 2000;

/** The name every lab database server's certificate carries (src/runtime/tls.ts, DB_TLS_NAME). */
export const DB_TLS_NAME = "db.internal";

/** Query timeouts (client side): a stuck query frees its connection after these. */
export const QUERY_TIMEOUT_MS = { read: 2000, write: 5000, probe: 1000 } as const;

/** When TCP keepalive probes start on an idle database connection. */
const KEEPALIVE_DELAY_MS = 5000;

/** A TCP connection to the database (or its proxy), set up as mysql2 sets up its own. */
function dial(host: string, port: number) {
  const socket = connect(port, host);
  socket.setNoDelay(true);
  socket.once("connect", () => socket.setKeepAlive(true, KEEPALIVE_DELAY_MS));
  return socket;
}

/** Connections per pool at most. */
const POOL_SIZE = 10;

/** MariaDB error numbers meaning "this server does not take writes now" (read_only and friends). */
const READ_ONLY_ERRNOS = new Set([1290, 1792, 1836]);
/** Errors at connect time: refused, timed out, access denied, too many connections, unknown database. */
const CONNECT_ERRNOS = new Set([1040, 1044, 1045, 1049, 1129, 1130]);

interface MysqlError {
  code?: string;
  errno?: number;
  fatal?: boolean;
  message?: string;
}

/** True when the error says the server or the connection is gone (not a bad query). */
export function isConnectionError(e: unknown): boolean {
  const err = e as MysqlError;
  return Boolean(err?.fatal) || READ_ONLY_ERRNOS.has(err?.errno ?? 0) || CONNECT_ERRNOS.has(err?.errno ?? 0) || /^(ECONN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|PROTOCOL_)/.test(err?.code ?? "");
}

/** A failure on an established (maybe stale) connection: worth one retry on a fresh one. */
class ConnectionLostError extends DbUnavailableError {}

function describe(e: unknown): string {
  const err = e as MysqlError;
  return `${err?.code ?? "error"}: ${err?.message ?? String(e)}`.slice(0, 300);
}

/** A database server's pool. `run` gives a connection, its server's hostname, and maps failures to DbUnavailableError. */
export class DbEndpoint {
  readonly label: string;
  private readonly pool: Pool;
  private readonly hostnames = new WeakMap<object, string>();
  /**
   * Which server generation each connection belongs to. A "read-only" answer means the server behind the proxy
   * stopped being the primary: every connection opened before it is then retired at its next use, so no pooled
   * connection keeps reading from the old primary. The switchover therefore cuts no connection of the app's
   * (a connection cut while the app picks it would leave a write's fate unknown).
   */
  private readonly generations = new WeakMap<object, number>();
  /** A replica endpoint's connections that reached a writable server, with when (performance.now()) they did. */
  private readonly onPrimary = new WeakMap<object, number>();
  private generation = 0;
  private upState = true;
  private lastError: string | undefined;
  private probe: NodeJS.Timeout | undefined;
  private probing = false;
  private closed = false;

  constructor(
    readonly role: DbRole,
    private readonly opts: EndpointOptions,
  ) {
    this.label = opts.host.includes(":") ? `[${opts.host}]:${opts.port}` : `${opts.host}:${opts.port}`;
    // With TLS, mysql2 is told the name the server's certificate must carry (DB_TLS_NAME, as the pool's `host`)
    // and dials the real address itself (`stream`): it then checks the name in the TLS handshake and keeps a
    // session for resumption only once that check passed. Given the address (127.0.0.1, the local database
    // proxy), it checked no name, and kept the session of a handshake whose connection failed before this class
    // could look at the certificate (a login refused, a connect timeout on a busy machine): every later
    // connection resumed that session, which shows no certificate, so none could ever be trusted again.
    const tls = opts.ca !== undefined;
    this.pool = createPool({
      host: tls ? DB_TLS_NAME : opts.host,
      port: opts.port,
      ...(tls ? { stream: () => dial(opts.host, opts.port) } : {}),
      user: opts.user,
      password: opts.password,
      database: opts.database,
      connectTimeout: opts.connectTimeoutMs ?? 1000,
      connectionLimit: POOL_SIZE,
      maxIdle: 4,
      idleTimeout: 30_000,
      enableKeepAlive: true,
      keepAliveInitialDelay: KEEPALIVE_DELAY_MS,
      ssl: opts.ca ? { ca: opts.ca, rejectUnauthorized: true, verifyIdentity: true } : undefined,
    });
  }

  /** False after a connection-level failure, until the background probe reaches the server again. */
  get up(): boolean {
    return this.upState;
  }

  /** Runs fn on a pooled connection. `retry` re-runs it once when an established connection failed (reads only). */
  async run<T>(fn: (conn: PoolConnection) => Promise<T>, opts: { retry: boolean; isWrite?: boolean }): Promise<{ value: T; dbHost: string }> {
    try {
      return await this.attempt(fn, opts.isWrite ?? false);
    } catch (e) {
      if (opts.retry && e instanceof ConnectionLostError && !this.closed) return this.attempt(fn, opts.isWrite ?? false);
      throw e;
    }
  }

  private async attempt<T>(fn: (conn: PoolConnection) => Promise<T>, isWrite: boolean): Promise<{ value: T; dbHost: string }> {
    let conn: PoolConnection;
    try {
      conn = await this.pool.getConnection();
      // Bounded by the pool's size: each pass retires one connection of an older generation.
      for (let i = 0; i <= POOL_SIZE && (this.generations.get(conn.connection) ?? this.generation) < this.generation; i++) {
        conn.destroy();
        conn = await this.pool.getConnection();
      }
    } catch (e) {
      this.markDown(e);
      throw new DbUnavailableError(`${this.role} ${this.label}: ${describe(e)}`, false);
    }
    if (!this.generations.has(conn.connection)) this.generations.set(conn.connection, this.generation);
    let sent = false;
    try {
      const { host: dbHost, readOnly } = await this.identify(conn);
      // A write never goes out on a new connection to a read-only server. While the primary moves, the proxy
      // still sends new connections to the old one (fenced read-only) until its checks mark it down, and then
      // cuts every session to it: a write sent there could not run, but one caught by that cut would come back
      // with no answer, its fate unknown to the app. Refused here, it is a definite "not run", retried.
      if (isWrite && readOnly) throw Object.assign(new Error(`${dbHost} is read-only (no longer the primary); the write was not sent`), { errno: 1290, code: "ER_OPTION_PREVENTS_STATEMENT" });
      sent = true;
      const value = await fn(conn);
      this.giveBack(conn);
      this.markUp();
      return { value, dbHost };
    } catch (e) {
      if (!isConnectionError(e)) {
        this.giveBack(conn);
        throw e;
      }
      conn.destroy();
      const readOnly = READ_ONLY_ERRNOS.has((e as MysqlError).errno ?? 0);
      if (readOnly) this.generation++;
      this.markDown(e);
      throw new ConnectionLostError(`${this.role} ${this.label}: ${describe(e)}`, isWrite && sent && !readOnly);
    }
  }

  /**
   * The server behind a connection: its hostname (asked once per connection) and, on a new connection only,
   * whether it is read-only (same round trip). A pooled connection reports readOnly false: a write on it is
   * refused by the server itself if it became read-only since.
   */
  private async identify(conn: PoolConnection): Promise<{ host: string; readOnly: boolean }> {
    const known = this.hostnames.get(conn.connection);
    if (known !== undefined) return { host: known, readOnly: false };
    this.checkIdentity(conn);
    const [rows] = await conn.query({ sql: "SELECT @@hostname AS h, @@read_only AS ro", timeout: QUERY_TIMEOUT_MS.probe });
    const row = (rows as Array<{ h: unknown; ro: unknown }>)[0];
    const host = String(row?.h ?? "unknown");
    this.hostnames.set(conn.connection, host);
    const readOnly = Number(row?.ro ?? 0) === 1;
    if (this.role === "replica" && !readOnly) this.onPrimary.set(conn.connection, performance.now());
    return { host, readOnly };
  }

  /** Returns a connection to the pool, or closes it: a replica endpoint's connection to the primary, once old enough. */
  private giveBack(conn: PoolConnection): void {
    const since = this.onPrimary.get(conn.connection);
    if (since !== undefined && performance.now() - since >= (this.opts.fallbackMaxAgeMs ?? FALLBACK_MAX_AGE_MS)) conn.destroy();
    else conn.release();
  }

  /**
   * With TLS, the server's certificate must name a database server (DB_TLS_NAME): every lab database host's
   * certificate carries this name, other hosts' certificates do not. mysql2 checks it in the handshake
   * (`verifyIdentity`, the pool's `host`); this looks again at every full handshake, so that a change in how
   * mysql2 checks cannot let a wrong server through unseen. A resumed session shows no certificate: mysql2 keeps a
   * session only after its own check passed, and resumes it only with the server that issued it.
   */
  private checkIdentity(conn: PoolConnection): void {
    if (!this.opts.ca) return;
    const stream = (conn.connection as unknown as { stream?: unknown }).stream;
    if (!(stream instanceof TLSSocket)) throw Object.assign(new Error("the connection to the database is not encrypted"), { fatal: true });
    if (stream.isSessionReused()) return;
    const problem = checkServerIdentity(DB_TLS_NAME, stream.getPeerCertificate());
    if (problem) throw Object.assign(new Error(`the database's certificate does not name ${DB_TLS_NAME}: ${problem.message}`), { fatal: true });
  }

  /** Asks the server for its hostname on a connection of its own (a real round trip). */
  async check(): Promise<EndpointHealth> {
    const started = Date.now();
    try {
      const { value } = await this.attempt(async (conn) => {
        const [rows] = await conn.query({ sql: "SELECT @@hostname AS h", timeout: QUERY_TIMEOUT_MS.probe });
        return String((rows as Array<{ h: unknown }>)[0]?.h ?? "unknown");
      }, false);
      return { endpoint: this.label, role: this.role, ok: true, dbHost: value, latencyMs: Date.now() - started };
    } catch (e) {
      return { endpoint: this.label, role: this.role, ok: false, error: e instanceof Error ? e.message : String(e), latencyMs: Date.now() - started };
    }
  }

  /** Connection counts for metrics (read from mysql2's pool internals; zeros if they change). */
  stats(): PoolStats {
    const inner = (this.pool as unknown as { pool?: Record<string, { length?: number } | undefined> }).pool ?? {};
    const count = (key: string) => (typeof inner[key]?.length === "number" ? inner[key].length : 0);
    return { endpoint: this.label, role: this.role, up: this.upState, total: count("_allConnections"), free: count("_freeConnections"), queued: count("_connectionQueue") };
  }

  /** The last failure seen, for logs. */
  get error(): string | undefined {
    return this.lastError;
  }

  private markUp(): void {
    this.upState = true;
    this.lastError = undefined;
    if (this.probe) {
      clearInterval(this.probe);
      this.probe = undefined;
    }
  }

  private markDown(e: unknown): void {
    this.upState = false;
    this.lastError = describe(e);
    if (this.probe || this.closed) return;
    this.probe = setInterval(() => void this.probeOnce(), this.opts.probeIntervalMs ?? 1000);
    this.probe.unref();
  }

  private async probeOnce(): Promise<void> {
    if (this.probing || this.closed) return;
    this.probing = true;
    try {
      await this.check();
    } finally {
      this.probing = false;
    }
  }

  /** Stops the probe and closes every connection. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.probe) clearInterval(this.probe);
    await this.pool.end().catch(() => undefined);
  }
}
