// Rebuilding a replica that diverged (it holds transactions the primary never had): a copy of the primary's
// data, taken at a known GTID position, replaces its own; then it follows the primary from that position.
// Runs from this machine as root over each host's local socket, like an operator with a shell on both.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "../runtime/replication.js";
import { runInHost } from "../runtime/host.js";
import { hostDir, labDir } from "../runtime/paths.js";
import { isAlive, type LabState } from "../runtime/state.js";
import { UsageError } from "../spec/errors.js";
import { binlogGtids, divergedStart, dumpPosition, logsStartState, replaceDataSql, savedFileHeader, type SavedTransactions } from "./rebuild-sql.js";
import { APP_DB } from "../render/config/paths.js";
import { FAILOVER_PATHS } from "../render/config/failover.js";

export { binlogGtids, divergedStart, dumpPosition, parseBinlogState, replaceDataSql, type BinlogStateEntry, type SavedTransactions } from "./rebuild-sql.js";

const SOCKET = "--socket=/run/mysqld/mysqld.sock";

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

/** Where a lab keeps the transactions saved from diverged servers, and their index. */
export function savedDir(lab: string): string {
  return join(labDir(lab), "diverged");
}

/** Reads one index of saves (none when it does not exist); `where` maps a file named in it to a path on this machine. */
function readIndex(index: string, where: (file: string) => string): SavedTransactions[] {
  if (!existsSync(index)) return [];
  return readFileSync(index, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SavedTransactions)
    .map((x) => ({ ...x, file: where(x.file) }));
}

/**
 * Every save of the lab, oldest first (none when nothing was ever saved): those a person's `db rejoin --rebuild`
 * made (in the lab's folder) and those the agents of `hosts` made before an automatic rebuild (in each host's
 * tree, named here by their path on this machine).
 */
export function savedTransactions(lab: string, hosts: string[] = []): SavedTransactions[] {
  return [
    ...readIndex(join(savedDir(lab), "index.jsonl"), (f) => f),
    ...hosts.flatMap((h) => readIndex(join(hostDir(lab, h), FAILOVER_PATHS.divergedDir, "index.jsonl"), (f) => join(hostDir(lab, h), f))),
  ].sort((a, b) => a.at - b.at);
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
  const first = (await sql(pid(host), "SHOW BINARY LOGS;")).split("\n")[0]?.split("\t")[0];
  if (!first) return null;
  const logsStart = logsStartState(await sql(pid(host), `SHOW BINLOG EVENTS IN '${first}' LIMIT 4;`));
  const start = divergedStart((await sql(pid(host), "SELECT @@gtid_binlog_state;")).trim(), (await sql(pid(primary), "SELECT @@gtid_binlog_state;")).trim(), serverId, logsStart);
  if (!start) return null;
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
  writeFileSync(file, savedFileHeader(host, primary, at, gtids) + out.stdout, { mode: 0o600 });
  const saved: SavedTransactions = { host, primary, at, file, gtids };
  appendFileSync(join(savedDir(state.name), "index.jsonl"), `${JSON.stringify(saved)}\n`, { mode: 0o600 });
  return saved;
}
