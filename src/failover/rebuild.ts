// Rebuilding a replica that diverged (it holds transactions the primary never had): a copy of the primary's
// data, taken at a known GTID position, replaces its own; then it follows the primary from that position.
// Runs from this machine as root over each host's local socket, like an operator with a shell on both.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "../runtime/replication.js";
import { runInHost } from "../runtime/host.js";
import { labDir } from "../runtime/paths.js";
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

/** One entry of `@@gtid_binlog_state`: the last transaction each server wrote in each domain. */
export interface BinlogStateEntry {
  domain: number;
  server: number;
  seq: number;
}

/** Parses `@@gtid_binlog_state` ("0-1-59,0-2-70": several servers per domain, unlike a position). */
export function parseBinlogState(text: string): BinlogStateEntry[] {
  return text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^(\d+)-(\d+)-(\d+)$/.exec(part);
      if (!m) throw new Error(`not a GTID: "${part}"`);
      return { domain: Number(m[1]), server: Number(m[2]), seq: Number(m[3]) };
    });
}

/**
 * Where the transactions only the diverged server (server id `serverId`) wrote begin: per domain it wrote in,
 * the last of its transactions the primary holds (sequence 0 when none), as a `mariadb-binlog --start-position`
 * (exclusive). Null when the primary holds every transaction it wrote.
 */
export function divergedStart(hostState: string, primaryState: string, serverId: number): string | null {
  const theirs = parseBinlogState(primaryState);
  const starts = parseBinlogState(hostState)
    .filter((e) => e.server === serverId)
    .flatMap((e) => {
      const held = theirs.find((t) => t.domain === e.domain && t.server === serverId)?.seq ?? 0;
      return e.seq > held ? [`${e.domain}-${serverId}-${held}`] : [];
    });
  return starts.length ? starts.join(",") : null;
}

/** The GTIDs of the transactions in `mariadb-binlog` output. */
export function binlogGtids(text: string): string[] {
  return [...text.matchAll(/\bGTID (\d+-\d+-\d+)/g)].map((m) => m[1]!);
}

/** Transactions a diverged server held, saved before a rebuild replaced its data. */
export interface SavedTransactions {
  host: string;
  primary: string;
  /** Wall-clock time of the save (ms since the epoch). */
  at: number;
  file: string;
  gtids: string[];
}

/** Where a lab keeps the transactions saved from diverged servers, and their index. */
export function savedDir(lab: string): string {
  return join(labDir(lab), "diverged");
}

/** Every save of the lab, oldest first (none when nothing was ever saved). */
export function savedTransactions(lab: string): SavedTransactions[] {
  const index = join(savedDir(lab), "index.jsonl");
  if (!existsSync(index)) return [];
  return readFileSync(index, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SavedTransactions);
}

/**
 * Saves the transactions only `host` holds (those it wrote that `primary` never got) from its binary log to a file
 * in the lab, before a rebuild replaces its data: `mariadb-binlog --verbose` output, replayable with `mariadb` and
 * readable (each row change as commented pseudo-SQL). Null when there is nothing it alone holds.
 */
export async function saveDiverged(state: LabState, host: string, primary: string, serverId: number): Promise<SavedTransactions | null> {
  const pid = (h: string) => {
    const hs = state.hosts.find((x) => x.name === h);
    if (!hs || !isAlive(hs.init)) throw new UsageError(`${h} is down`);
    return hs.init!.pid;
  };
  const start = divergedStart((await sql(pid(host), "SELECT @@gtid_binlog_state;")).trim(), (await sql(pid(primary), "SELECT @@gtid_binlog_state;")).trim(), serverId);
  if (!start) return null;
  const first = (await sql(pid(host), "SHOW BINARY LOGS;")).split("\n")[0]?.split("\t")[0];
  if (!first) return null;
  const out = await runInHost(
    pid(host),
    ["mariadb-binlog", SOCKET, "-uroot", "--read-from-remote-server", "--to-last-log", "--skip-gtid-strict-mode", `--start-position=${start}`, `--do-server-ids=${serverId}`, "--verbose", first],
    { timeoutMs: 60_000 },
  );
  const gtids = binlogGtids(out.stdout);
  if (!gtids.length) return null;
  const at = Date.now();
  mkdirSync(savedDir(state.name), { recursive: true });
  const file = join(savedDir(state.name), `${host}-${new Date(at).toISOString().replace(/[:.]/g, "-")}.sql`);
  const header = [
    `-- Transactions only ${host} held when it was rebuilt from ${primary} (${new Date(at).toISOString()}): ${gtids.join(", ")}.`,
    `-- ${primary} never had them. Unless a failover was forced (\`db failover --force\`) or the primary had fallen back to`,
    "-- asynchronous replication, none of them was acknowledged to a client (lossless semi-sync acknowledges a commit",
    "-- only once a replica has it). Read the row changes below (### lines), or replay with `mariadb < FILE`.",
    "",
  ].join("\n");
  writeFileSync(file, header + out.stdout, { mode: 0o600 });
  const saved: SavedTransactions = { host, primary, at, file, gtids };
  appendFileSync(join(savedDir(state.name), "index.jsonl"), `${JSON.stringify(saved)}\n`, { mode: 0o600 });
  return saved;
}
