// The data the foobar app works with and the database interface it needs (faked in unit tests).

/** A guestbook entry as stored. */
export interface Entry {
  id: number;
  author: string;
  message: string;
  /** ISO 8601 time the primary stored it. */
  createdAt: string;
  /** App server host that wrote it. */
  appHost: string;
}

/** What a new entry needs. */
export interface NewEntry {
  author: string;
  message: string;
  appHost: string;
}

/** Which database server a query ran on. */
export type DbRole = "primary" | "replica";

/** A query's result together with the server that answered it (`SELECT @@hostname` on that connection). */
export interface DbAnswer<T> {
  value: T;
  dbHost: string;
  role: DbRole;
  /** `host:port` the pool connected to. */
  endpoint: string;
}

/** State of one database endpoint as seen by a health check. */
export interface EndpointHealth {
  endpoint: string;
  role: DbRole;
  ok: boolean;
  dbHost?: string;
  error?: string;
  latencyMs: number;
}

/** Connection counts of one endpoint's pool, for metrics. */
export interface PoolStats {
  endpoint: string;
  role: DbRole;
  up: boolean;
  total: number;
  free: number;
  queued: number;
}

/** Raised when no database could answer. `maybeExecuted` marks a write whose fate is unknown. */
export class DbUnavailableError extends Error {
  override name = "DbUnavailableError";
  constructor(
    message: string,
    readonly maybeExecuted = false,
  ) {
    super(message);
  }
}

/** The database operations the app uses: writes go to the primary, reads to a replica unless `consistent`. */
export interface FoobarDb {
  insertEntry(entry: NewEntry): Promise<DbAnswer<number>>;
  getEntry(id: number, consistent: boolean): Promise<DbAnswer<Entry | null>>;
  listEntries(limit: number, consistent: boolean): Promise<DbAnswer<Entry[]>>;
  health(): Promise<EndpointHealth[]>;
  poolStats(): PoolStats[];
  close(): Promise<void>;
}
