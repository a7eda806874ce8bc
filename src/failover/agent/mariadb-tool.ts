// MariaDB's client programs as the agent runs them: its own server over the local socket, another server over the
// network with a least-privilege account whose password goes in the environment, never on a command line.
import { spawn } from "node:child_process";
import type { AgentConfig } from "../../render/config/failover.js";

/** Runs a MariaDB client program; resolves with its output, rejects with its error output. */
export function tool(argv: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs: number }): Promise<string> {
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

/** The `mariadb` options and environment that reach the server at `address` as `account`, over TLS when the design has it. */
export function remote(cfg: Pick<AgentConfig, "tls">, address: string, account: { user: string; password: string }): { args: string[]; env: Record<string, string> } {
  return {
    args: [`--host=${address}`, "--port=3306", `--user=${account.user}`, ...(cfg.tls ? [`--ssl-ca=${cfg.tls.ca}`, "--ssl-verify-server-cert"] : [])],
    env: { MYSQL_PWD: account.password },
  };
}

/**
 * Where the binary log of the server at `address` ends (`@@gtid_binlog_pos`), asked as the replication account:
 * the one every database host already uses to reach the others (reading a variable needs no privilege).
 */
export async function primaryBinlogPos(cfg: Pick<AgentConfig, "tls" | "replication">, address: string, timeoutMs = 3000): Promise<string> {
  const r = remote(cfg, address, cfg.replication);
  return (await tool(["mariadb", ...r.args, `--connect-timeout=${Math.ceil(timeoutMs / 1000)}`, "-N", "-B", "-e", "SELECT @@gtid_binlog_pos"], { env: r.env, timeoutMs })).trim();
}
