// Rebuilding a replica that diverged (it holds transactions the primary never had): a copy of the primary's
// data, taken at a known GTID position, replaces its own; then it follows the primary from that position.
// Runs from this machine as root over each host's local socket, like an operator with a shell on both.
import { sql } from "../runtime/replication.js";
import { runInHost } from "../runtime/host.js";
import { isAlive, type LabState } from "../runtime/state.js";
import { UsageError } from "../spec/errors.js";
import { APP_DB } from "../render/config/paths.js";
import { parseGtid } from "./gtid.js";

const SOCKET = "--socket=/run/mysqld/mysqld.sock";

/** The GTID position a `mariadb-dump --gtid --master-data=2` was taken at. */
export function dumpPosition(dump: string): string {
  const m = /^-- SET GLOBAL gtid_slave_pos='([^']*)';$/m.exec(dump);
  if (!m) throw new Error("the dump does not say at which GTID position it was taken");
  parseGtid(m[1]!);
  return m[1]!;
}

/** The SQL that replaces a diverged server's data with a dump taken at `pos`, outside its binary log. */
export function replaceDataSql(dump: string, pos: string, database: string = APP_DB.name): string {
  return [
    "STOP SLAVE;",
    "RESET SLAVE ALL;",
    "SET GLOBAL read_only = ON;",
    // Its own history goes: the binary log restarts at the primary's position, so it follows from exactly there.
    "RESET MASTER;",
    `SET GLOBAL gtid_binlog_state = '${pos}';`,
    "SET sql_log_bin = 0;",
    `DROP DATABASE IF EXISTS \`${database}\`;`,
    dump,
    "SET sql_log_bin = 1;",
    "",
  ].join("\n");
}

/** Copies the primary's data over `host` (which must be read-only, not the primary); returns the position. */
export async function rebuildFrom(state: LabState, host: string, primary: string): Promise<{ pos: string; bytes: number; ms: number }> {
  const t = performance.now();
  const pid = (h: string) => {
    const hs = state.hosts.find((x) => x.name === h);
    if (!hs || !isAlive(hs.init)) throw new UsageError(`${h} is down`);
    return hs.init!.pid;
  };
  if (host === primary) throw new UsageError(`${host} is the primary`);
  if ((await sql(pid(host), "SELECT @@read_only;")).trim() !== "1") throw new UsageError(`${host} takes writes: it is not a diverged replica (fence it first)`);
  const dump = await runInHost(pid(primary), ["mariadb-dump", SOCKET, "-uroot", "--single-transaction", "--gtid", "--master-data=2", "--databases", APP_DB.name], { timeoutMs: 60_000 });
  const pos = dumpPosition(dump.stdout);
  await sql(pid(host), replaceDataSql(dump.stdout, pos), { timeoutMs: 120_000 });
  return { pos, bytes: dump.stdout.length, ms: Math.round(performance.now() - t) };
}
