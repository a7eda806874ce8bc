// What a database server says about itself, as one typed value, from the rows MariaDB returns.
import { formatGtid, gtidMax } from "./gtid.js";

/** The replication side of a server that follows another (SHOW SLAVE STATUS). */
export interface ReplicaState {
  /** Address of the server it follows. */
  masterHost: string;
  /** "Yes" streaming, "Connecting" retrying, "No" stopped. */
  io: "Yes" | "No" | "Connecting";
  sqlRunning: boolean;
  /** Last transaction received into the relay log. */
  gtidIoPos: string;
  secondsBehind: number | null;
  lastIoErrno: number;
  lastIoError: string;
  lastSqlErrno: number;
  lastSqlError: string;
}

/** Semi-synchronous replication counters and switches. */
export interface SemisyncState {
  /** The primary side waits for a replica's acknowledgement (ON) or has fallen back to asynchronous (OFF). */
  masterStatus: boolean;
  /** Replicas connected as semi-synchronous. */
  masterClients: number;
  /** Commits waiting for an acknowledgement right now. */
  waitSessions: number;
  /** Commits acknowledged / not acknowledged since start. */
  yesTx: number;
  noTx: number;
  /** This server acknowledges as a semi-synchronous replica. */
  slaveStatus: boolean;
}

/** One look at one database server. */
export interface DbObservation {
  /** When it was taken (the monotonic clock of src/failover/clock.ts). */
  at: number;
  /** The server answered. */
  up: boolean;
  error?: string;
  hostname: string;
  readOnly: boolean;
  gtidBinlogPos: string;
  gtidCurrentPos: string;
  gtidSlavePos: string;
  semisync: SemisyncState;
  /** Null when the server follows nobody. */
  replica: ReplicaState | null;
}

/** The SQL a look is made of: server variables, semi-sync status, replica status (in this order). */
export const OBSERVE_SQL = {
  variables: "SELECT @@hostname AS hostname, @@read_only AS read_only, @@gtid_binlog_pos AS gtid_binlog_pos, @@gtid_current_pos AS gtid_current_pos, @@gtid_slave_pos AS gtid_slave_pos",
  semisync: "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_%'",
  replica: "SHOW SLAVE STATUS",
} as const;

type Row = Record<string, unknown>;
const str = (v: unknown): string => (v === null || v === undefined ? "" : typeof v === "string" ? v : String(v as number));
const num = (v: unknown): number => {
  const n = Number(str(v));
  return Number.isFinite(n) ? n : 0;
};
const on = (v: unknown): boolean => ["ON", "1", "YES", "TRUE"].includes(str(v).toUpperCase());

/** Builds an observation from the three queries' rows (variables row, status name/value pairs, replica row or none). */
export function toObservation(at: number, variables: Row, status: Record<string, string>, replica: Row | null): DbObservation {
  const s = (name: string) => status[name] ?? status[name.toLowerCase()] ?? "";
  const masterHost = replica ? str(replica.Master_Host) : "";
  return {
    at,
    up: true,
    hostname: str(variables.hostname),
    readOnly: on(variables.read_only),
    gtidBinlogPos: str(variables.gtid_binlog_pos),
    gtidCurrentPos: str(variables.gtid_current_pos),
    gtidSlavePos: str(variables.gtid_slave_pos),
    semisync: {
      masterStatus: on(s("Rpl_semi_sync_master_status")),
      masterClients: num(s("Rpl_semi_sync_master_clients")),
      waitSessions: num(s("Rpl_semi_sync_master_wait_sessions")),
      yesTx: num(s("Rpl_semi_sync_master_yes_tx")),
      noTx: num(s("Rpl_semi_sync_master_no_tx")),
      slaveStatus: on(s("Rpl_semi_sync_slave_status")),
    },
    replica:
      replica && masterHost
        ? {
            masterHost,
            io: ioState(str(replica.Slave_IO_Running)),
            sqlRunning: on(replica.Slave_SQL_Running),
            gtidIoPos: str(replica.Gtid_IO_Pos),
            secondsBehind:
              replica.Seconds_Behind_Master === null || str(replica.Seconds_Behind_Master) === "" || str(replica.Seconds_Behind_Master) === "NULL" ? null : num(replica.Seconds_Behind_Master),
            lastIoErrno: num(replica.Last_IO_Errno),
            lastIoError: str(replica.Last_IO_Error),
            lastSqlErrno: num(replica.Last_SQL_Errno),
            lastSqlError: str(replica.Last_SQL_Error),
          }
        : null,
  };
}

function ioState(v: string): ReplicaState["io"] {
  return v === "Yes" ? "Yes" : v === "Connecting" || v === "Preparing" ? "Connecting" : "No";
}

/** An observation of a server that did not answer. */
export function downObservation(at: number, error: string): DbObservation {
  return {
    at,
    up: false,
    error,
    hostname: "",
    readOnly: true,
    gtidBinlogPos: "",
    gtidCurrentPos: "",
    gtidSlavePos: "",
    semisync: { masterStatus: false, masterClients: 0, waitSessions: 0, yesTx: 0, noTx: 0, slaveStatus: false },
    replica: null,
  };
}

/** Parses `mariadb --batch` output (a header line, then tab-separated rows; NULL as the text NULL). */
export function parseBatch(text: string): Row[] {
  const lines = text.split("\n").filter((l) => l.length > 0);
  if (lines.length === 0) return [];
  const header = lines[0]!.split("\t");
  const unescape = (v: string) => (v === "NULL" ? null : v.replace(/\\t/g, "\t").replace(/\\n/g, "\n").replace(/\\\\/g, "\\"));
  return lines.slice(1).map((line) => {
    const cells = line.split("\t");
    return Object.fromEntries(header.map((h, i) => [h, unescape(cells[i] ?? "")]));
  });
}

/** Name/value rows (SHOW STATUS) as a record. */
export function nameValues(rows: Row[]): Record<string, string> {
  return Object.fromEntries(rows.map((r) => [str(r.Variable_name), str(r.Value)]));
}

/**
 * True when the server takes writes: answering and not read-only. (A promoted server still stopping its old
 * replica threads is one; a replica somebody made writable is one too, and gets fenced.)
 */
export function isWritablePrimary(o: DbObservation | null | undefined): boolean {
  return Boolean(o?.up && !o.readOnly);
}

/** The furthest position a server holds: what it applied, or what it received when that is further. */
export function reachedPos(o: DbObservation): string {
  return o.replica?.gtidIoPos ? formatGtid(gtidMax(o.gtidCurrentPos, o.replica.gtidIoPos)) : o.gtidCurrentPos;
}
