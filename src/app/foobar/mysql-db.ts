// FoobarDb on MariaDB: writes to DB_PRIMARY, reads from the first reachable DB_REPLICAS entry,
// falling back to the primary.
import type { PoolConnection } from "mysql2/promise";
import { readFileSync } from "node:fs";
import { formatEndpoint, readDbPassword, type AppConfig } from "../config.js";
import { logEvent } from "../log.js";
import { DbEndpoint, QUERY_TIMEOUT_MS } from "./db-endpoint.js";
import { DbUnavailableError, type DbAnswer, type DbRole, type EndpointHealth, type Entry, type FoobarDb, type NewEntry, type PoolStats } from "./types.js";

/**
 * How long a write that certainly did not run is tried again while the primary moves: long enough to cover a
 * switchover (~0.2 s) and most of a failover (~0.9 s), short enough that a client with a 1 s timeout gets a
 * definite 503 rather than no answer when the database stays unreachable.
 */
export const WRITE_RETRY_MS = 800;
const WRITE_RETRY_STEP_MS = 50;

const ENTRY_COLUMNS = "id, author, message, UNIX_TIMESTAMP(created_at) AS created_ts, app_host";

interface EntryRow {
  id: number | string;
  author: string;
  message: string;
  created_ts: string | number;
  app_host: string;
}

function toEntry(row: EntryRow): Entry {
  return {
    id: Number(row.id),
    author: row.author,
    message: row.message,
    createdAt: new Date(Math.round(Number(row.created_ts) * 1000)).toISOString(),
    appHost: row.app_host,
  };
}

/** The MariaDB-backed database of the demo app. */
export class MysqlFoobarDb implements FoobarDb {
  private readonly primary: DbEndpoint;
  private readonly replicas: DbEndpoint[];

  constructor(config: AppConfig) {
    if (!config.db.primary) throw new Error("DB_PRIMARY is not set");
    const base = {
      user: config.db.user,
      password: readDbPassword(config),
      database: config.db.name,
      ca: config.tls.ca ? readFileSync(config.tls.ca, "utf8") : undefined,
    };
    this.primary = new DbEndpoint("primary", { ...base, ...config.db.primary });
    this.replicas = config.db.replicas.map((r) => new DbEndpoint("replica", { ...base, ...r }));
    const described = [formatEndpoint(config.db.primary), ...config.db.replicas.map(formatEndpoint)];
    if (new Set(described).size !== described.length) logEvent("app", "config-warning", { pid: process.pid, message: `DB_PRIMARY and DB_REPLICAS repeat an endpoint: ${described.join(", ")}` });
  }

  private answer<T>(endpoint: DbEndpoint, result: { value: T; dbHost: string }): DbAnswer<T> {
    return { value: result.value, dbHost: result.dbHost, role: endpoint.role as DbRole, endpoint: endpoint.label };
  }

  /**
   * Reads from the first replica that is up, then the primary, then (last resort) a replica marked down: a
   * replica marked down by one slow answer still beats no answer when the primary is unreachable too.
   * `consistent` goes straight to the primary.
   */
  private async read<T>(fn: (conn: PoolConnection) => Promise<T>, consistent: boolean): Promise<DbAnswer<T>> {
    const order = consistent ? [this.primary] : [...this.replicas.filter((r) => r.up), this.primary, ...this.replicas.filter((r) => !r.up)];
    const failures: string[] = [];
    for (const endpoint of order) {
      try {
        return this.answer(endpoint, await endpoint.run(fn, { retry: true }));
      } catch (e) {
        if (!(e instanceof DbUnavailableError)) throw e;
        failures.push(e.message);
      }
    }
    throw new DbUnavailableError(failures.join("; "));
  }

  /**
   * Inserts on the primary. A write that certainly did not run (no connection, or the server was read-only:
   * the primary is moving) is tried again for up to WRITE_RETRY_MS, so a switchover or a failover shows as a
   * slower answer rather than an error; a write that may have run is never sent twice.
   */
  async insertEntry(entry: NewEntry): Promise<DbAnswer<number>> {
    const deadline = Date.now() + WRITE_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.primary.run(
          async (conn) => {
            const [res] = await conn.query({ sql: "INSERT INTO entries (author, message, app_host) VALUES (?, ?, ?)", timeout: QUERY_TIMEOUT_MS.write }, [entry.author, entry.message, entry.appHost]);
            return Number((res as { insertId: number }).insertId);
          },
          { retry: false, isWrite: true },
        );
        return this.answer(this.primary, result);
      } catch (e) {
        if (!(e instanceof DbUnavailableError) || e.maybeExecuted || Date.now() + WRITE_RETRY_STEP_MS > deadline) throw e;
        await new Promise((r) => setTimeout(r, Math.min(WRITE_RETRY_STEP_MS * (attempt + 1), 200)));
      }
    }
  }

  getEntry(id: number, consistent: boolean): Promise<DbAnswer<Entry | null>> {
    return this.read(async (conn) => {
      const [rows] = await conn.query({ sql: `SELECT ${ENTRY_COLUMNS} FROM entries WHERE id = ?`, timeout: QUERY_TIMEOUT_MS.read }, [id]);
      const row = (rows as EntryRow[])[0];
      return row ? toEntry(row) : null;
    }, consistent);
  }

  listEntries(limit: number, consistent: boolean): Promise<DbAnswer<Entry[]>> {
    return this.read(async (conn) => {
      const [rows] = await conn.query({ sql: `SELECT ${ENTRY_COLUMNS} FROM entries ORDER BY id DESC LIMIT ?`, timeout: QUERY_TIMEOUT_MS.read }, [limit]);
      return (rows as EntryRow[]).map(toEntry);
    }, consistent);
  }

  health(): Promise<EndpointHealth[]> {
    return Promise.all([this.primary, ...this.replicas].map((e) => e.check()));
  }

  poolStats(): PoolStats[] {
    return [this.primary, ...this.replicas].map((e) => e.stats());
  }

  async close(): Promise<void> {
    await Promise.all([this.primary, ...this.replicas].map((e) => e.close()));
  }
}
