// The pure part of rebuilding a diverged server: the dump's position, the SQL that replaces its data, and which
// transactions only it held. Shared by the CLI's rebuild (rebuild.ts) and the agent's (agent/rebuild-here.ts).
import { APP_DB } from "../render/config/paths.js";
import { parseGtid } from "./gtid.js";

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
    // Replication stops but stays set up (no RESET SLAVE ALL): while its data is replaced the server still follows
    // the primary, stopped, so a failover controller leaves it alone instead of making a server that follows nobody
    // follow the primary in the middle of the load. The rejoin after (CHANGE MASTER) starts from `pos`.
    "STOP SLAVE;",
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
export function divergedStart(hostState: string, primaryState: string, serverId: number, logsStart = ""): string | null {
  const theirs = parseBinlogState(primaryState);
  const initial = parseBinlogState(logsStart);
  const starts = parseBinlogState(hostState)
    .filter((e) => e.server === serverId)
    .flatMap((e) => {
      const held = theirs.find((t) => t.domain === e.domain && t.server === serverId)?.seq ?? 0;
      if (e.seq <= held) return [];
      // Logs that begin after that transaction (the server was rebuilt since: RESET MASTER and a new state) are
      // read from their beginning: everything of its own in them came after the rebuild's copy.
      const first = initial.filter((i) => i.domain === e.domain).sort((a, b) => b.seq - a.seq)[0];
      return [first && first.seq > held ? `${e.domain}-${first.server}-${first.seq}` : `${e.domain}-${serverId}-${held}`];
    });
  return starts.length ? starts.join(",") : null;
}

/** The GTID state a server's binary logs begin from, from `SHOW BINLOG EVENTS` of its first log (its Gtid_list event: "[0-2-2]"); empty: from the very start. */
export function logsStartState(firstLogEvents: string): string {
  for (const line of firstLogEvents.split("\n")) {
    const cols = line.split("\t");
    if (cols[2] === "Gtid_list") return (cols[5] ?? "").trim().replace(/^\[/, "").replace(/\]$/, "").trim();
  }
  return "";
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

/** The first lines of a file of saved transactions: what they are, and why none of them was acknowledged. */
export function savedFileHeader(host: string, primary: string, at: number, gtids: string[]): string {
  return [
    `-- Transactions only ${host} held when it was rebuilt from ${primary} (${new Date(at).toISOString()}): ${gtids.join(", ")}.`,
    `-- ${primary} never had them. Unless a failover was forced (\`db failover --force\`) or the primary had fallen back to`,
    "-- asynchronous replication, none of them was acknowledged to a client (lossless semi-sync acknowledges a commit",
    "-- only once a replica has it). Read the row changes below (### lines), or replay with `mariadb < FILE`.",
    "",
  ].join("\n");
}
