// The agent rebuilds its own server when it diverged (it holds transactions the primary never had), as Patroni's
// member rewinds or re-clones itself: it saves what only its server holds to a file beside it, copies the primary's
// data over the network (a consistent `mariadb-dump` with its GTID position, read with the least-privilege clone
// account, over TLS when the design has internal TLS), replaces its own data with it and follows the primary.
// Locally it speaks to MariaDB as MariaDB's own account (`mysql`@`localhost`, unix_socket): the agent runs as the
// `mysql` user, who owns the data files anyway, so this gives it nothing it did not have.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentConfig } from "../../render/config/failover.js";
import { APP_DB } from "../../render/config/paths.js";
import { binlogGtids, divergedStart, dumpPosition, logsStartState, replaceDataSql, savedFileHeader, type SavedTransactions } from "../rebuild-sql.js";
import type { FollowResult, RebuildResult } from "../types.js";
import { remote, tool } from "./mariadb-tool.js";

/** Rebuilds this host's server from `primary`; `follow` makes it follow the primary afterwards (LocalDb.follow). */
export async function rebuildHere(cfg: AgentConfig, primary: string, primaryAddress: string, follow: () => Promise<FollowResult>): Promise<RebuildResult> {
  const t = performance.now();
  const local = ["--socket", cfg.socket, "--user=mysql"];
  const localSql = (sql: string, timeoutMs = 10_000) => tool(["mariadb", ...local, "-N", "-B"], { input: sql, timeoutMs }).then((s) => s.trim());
  // The clone account's password goes in the environment, never on a command line.
  const { args: clone, env } = remote(cfg, primaryAddress, cfg.clone);

  if ((await localSql("SELECT @@read_only;")) !== "1") throw new Error(`${cfg.host} takes writes: only a read-only replica is rebuilt`);
  const serverId = Number(await localSql("SELECT @@server_id;"));
  const primaryState = (await tool(["mariadb", ...clone, "-N", "-B", "-e", "SELECT @@gtid_binlog_state"], { env, timeoutMs: 10_000 })).trim();
  const first = (await localSql("SHOW BINARY LOGS;")).split("\n")[0]?.split("\t")[0];
  const logsStart = first ? logsStartState(await localSql(`SHOW BINLOG EVENTS IN '${first}' LIMIT 4;`)) : "";
  const start = divergedStart(await localSql("SELECT @@gtid_binlog_state;"), primaryState, serverId, logsStart);

  // 1. What only this server holds goes to a file first: its own transactions after the last one the primary has.
  let saved: SavedTransactions | null = null;
  if (start && first) {
    const out = await tool(
      ["mariadb-binlog", ...local, "--read-from-remote-server", "--to-last-log", "--skip-gtid-strict-mode", `--start-position=${start}`, `--do-server-ids=${serverId}`, "--verbose", first],
      { timeoutMs: 60_000 },
    );
    const gtids = binlogGtids(out);
    if (gtids.length) {
      const at = Date.now();
      mkdirSync(cfg.divergedDir, { recursive: true, mode: 0o700 });
      const file = join(cfg.divergedDir, `${cfg.host}-${new Date(at).toISOString().replace(/[:.]/g, "-")}.sql`);
      writeFileSync(file, savedFileHeader(cfg.host, primary, at, gtids) + out, { mode: 0o600 });
      saved = { host: cfg.host, primary, at, file, gtids };
      appendFileSync(join(cfg.divergedDir, "index.jsonl"), `${JSON.stringify(saved)}\n`, { mode: 0o600 });
    }
  }

  // 2. A consistent copy of the primary's data, at a known GTID position.
  const dump = await tool(["mariadb-dump", ...clone, "--single-transaction", "--gtid", "--master-data=2", "--no-tablespaces", "--databases", APP_DB.name], { env, timeoutMs: 60_000 });
  const pos = dumpPosition(dump);
  // 3. Its own history goes, the copy comes in outside the binary log, and it follows the primary from `pos`.
  await tool(["mariadb", ...local], { input: replaceDataSql(dump, pos), timeoutMs: 120_000 });
  const f = await follow();
  return { host: cfg.host, primary, pos, bytes: dump.length, ms: Math.round(performance.now() - t), saved: saved ? { file: saved.file, gtids: saved.gtids } : null, follow: f };
}
