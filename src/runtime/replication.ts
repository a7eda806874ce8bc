// Sets up GTID replication: every replica follows the primary; semi-sync is checked to be on when asked for.
import type { Model } from "../model/types.js";
import { runInHost } from "./host.js";
import type { Secrets } from "./secrets.js";
import type { LabState } from "./state.js";
import { addressOf } from "./services/types.js";
import { DB_USERS } from "./services/mariadb-init.js";
import { TLS_DIR } from "./tls.js";
import { hasDbAgents } from "../render/config/failover.js";

const SOCKET = "--socket=/run/mysqld/mysqld.sock";

/** Runs SQL as root over a host's local socket (the SQL goes through stdin, so passwords never show in `ps`). */
export async function sql(initPid: number, statements: string, opts: { timeoutMs?: number; columnNames?: boolean } = {}): Promise<string> {
  const args = ["mariadb", SOCKET, "-uroot", "--batch", "--connect-timeout=2", ...(opts.columnNames ? [] : ["--skip-column-names"])];
  const r = await runInHost(initPid, args, { input: statements, timeoutMs: opts.timeoutMs ?? 10_000 });
  return r.stdout;
}

/** The SQL that makes a host a replica of `primaryAddress`. */
export function changeMasterSql(model: Model, primaryAddress: string, secrets: Secrets): string {
  const tls = model.tls.internal ? `, MASTER_SSL=1, MASTER_SSL_CA='${TLS_DIR}/ca.crt', MASTER_SSL_VERIFY_SERVER_CERT=1` : "";
  return [
    "STOP SLAVE;",
    "RESET SLAVE ALL;",
    `CHANGE MASTER TO MASTER_HOST='${primaryAddress}', MASTER_PORT=3306, MASTER_USER='${DB_USERS.replication}', MASTER_PASSWORD='${secrets.replication}', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1${tls};`,
    "START SLAVE;",
    "",
  ].join("\n");
}

/** Points every replica at the primary and waits until each streams from it. */
export async function setupReplication(model: Model, state: LabState, secrets: Secrets): Promise<void> {
  const pid = (host: string) => state.hosts.find((h) => h.name === host)!.init!.pid;
  const primary = model.hosts.find((h) => h.name === model.database.primary)!;
  const primaryAddress = addressOf(primary, "private");
  await Promise.all(model.database.replicas.map((r) => sql(pid(r), changeMasterSql(model, primaryAddress, secrets))));
  await Promise.all(model.database.replicas.map((r) => waitStreaming(pid(r), r)));
  if (model.database.replication === "semisync") await waitSemisyncClients(pid(primary.name), model.database.replicas.length);
  // Every db host starts read-only; the primary's agent makes it writable at its first start.
  if (hasDbAgents(model)) await waitWritable(pid(primary.name), primary.name);
}

async function waitWritable(initPid: number, host: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await sql(initPid, "SELECT @@read_only;")).trim() === "0") return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the primary ${host} is still read-only after ${timeoutMs / 1000} s: its db-agent did not make it writable (stacklab logs ${host} db-agent)`);
}

async function waitStreaming(initPid: number, host: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    last = await sql(initPid, "SHOW SLAVE STATUS\\G", { columnNames: true });
    if (/Slave_IO_Running: Yes/.test(last) && /Slave_SQL_Running: Yes/.test(last)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const err = /Last_IO_Error: (.*)/.exec(last)?.[1] ?? "";
  throw new Error(`replica ${host} did not start streaming from the primary within ${timeoutMs / 1000} s${err ? `: ${err}` : ""}`);
}

async function waitSemisyncClients(initPid: number, expected: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let clients = 0;
  while (Date.now() < deadline) {
    const out = await sql(initPid, "SHOW STATUS LIKE 'Rpl_semi_sync_master_clients';");
    clients = Number(out.trim().split("\t")[1] ?? 0);
    if (clients >= expected) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`semi-synchronous replication: the primary sees ${clients} of ${expected} replicas acknowledging`);
}
