// The agent rebuilds its own server when it diverged (it holds transactions the primary never had), as Patroni's
// member rewinds or re-clones itself: it saves what only its server holds to a file beside it, copies the primary's
// data over the network (a consistent `mariadb-dump` with its GTID position, read with the least-privilege clone
// account, over TLS when the design has internal TLS), replaces its own data with it and follows the primary.
// Locally it speaks to MariaDB as MariaDB's own account (`mysql`@`localhost`, unix_socket): the agent runs as the
// `mysql` user, who owns the data files anyway, so this gives it nothing it did not have.
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentConfig } from "../../render/config/failover.js";
import { APP_DB } from "../../render/config/paths.js";
import { binlogGtids, divergedStart, dumpPosition, replaceDataSql, savedFileHeader, type SavedTransactions } from "../rebuild-sql.js";
import type { FollowResult, RebuildResult } from "../types.js";

/** Runs a MariaDB client program; resolves with its output, rejects with its error output. */
function tool(argv: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...opts.env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
      else reject(new Error(`${argv[0]} ${signal ? `killed (${signal}, after ${opts.timeoutMs} ms at most)` : `exited ${code}`}: ${Buffer.concat(err).toString("utf8").trim().slice(0, 500)}`));
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
  });
}

/** Rebuilds this host's server from `primary`; `follow` makes it follow the primary afterwards (LocalDb.follow). */
export async function rebuildHere(cfg: AgentConfig, primary: string, primaryAddress: string, follow: () => Promise<FollowResult>): Promise<RebuildResult> {
  const t = performance.now();
  const local = ["--socket", cfg.socket, "--user=mysql"];
  const localSql = (sql: string, timeoutMs = 10_000) => tool(["mariadb", ...local, "-N", "-B"], { input: sql, timeoutMs }).then((s) => s.trim());
  // The clone account's password goes in the environment, never on a command line.
  const remote = [`--host=${primaryAddress}`, "--port=3306", `--user=${cfg.clone.user}`, ...(cfg.tls ? [`--ssl-ca=${cfg.tls.ca}`, "--ssl-verify-server-cert"] : [])];
  const env = { MYSQL_PWD: cfg.clone.password };

  if ((await localSql("SELECT @@read_only;")) !== "1") throw new Error(`${cfg.host} takes writes: only a read-only replica is rebuilt`);
  const serverId = Number(await localSql("SELECT @@server_id;"));
  const primaryState = (await tool(["mariadb", ...remote, "-N", "-B", "-e", "SELECT @@gtid_binlog_state"], { env, timeoutMs: 10_000 })).trim();
  const start = divergedStart(await localSql("SELECT @@gtid_binlog_state;"), primaryState, serverId);

  // 1. What only this server holds goes to a file first: its own transactions after the last one the primary has.
  let saved: SavedTransactions | null = null;
  const first = start ? (await localSql("SHOW BINARY LOGS;")).split("\n")[0]?.split("\t")[0] : undefined;
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
  const dump = await tool(["mariadb-dump", ...remote, "--single-transaction", "--gtid", "--master-data=2", "--no-tablespaces", "--databases", APP_DB.name], { env, timeoutMs: 60_000 });
  const pos = dumpPosition(dump);
  // 3. Its own history goes, the copy comes in outside the binary log, and it follows the primary from `pos`.
  await tool(["mariadb", ...local], { input: replaceDataSql(dump, pos), timeoutMs: 120_000 });
  const f = await follow();
  return { host: cfg.host, primary, pos, bytes: dump.length, ms: Math.round(performance.now() - t), saved: saved ? { file: saved.file, gtids: saved.gtids } : null, follow: f };
}
