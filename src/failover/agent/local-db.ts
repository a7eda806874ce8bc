// The agent's connection to the MariaDB of its own host (unix socket): looking at it, fencing, promoting, repointing.
import { readFileSync } from "node:fs";
import { createConnection, type Connection, type RowDataPacket } from "mysql2/promise";
import { MARIADB_PID_FILE } from "../../render/config/mariadb.js";
import { OBSERVE_SQL, downObservation, toObservation, type DbObservation } from "../observe.js";
import type { AgentConfig } from "../../render/config/failover.js";
import type { FenceResult, FollowResult, PromoteResult } from "../types.js";
import { monoNow } from "../clock.js";
import { compareGtid } from "../gtid.js";
import { primaryBinlogPos } from "./mariadb-tool.js";

const q = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/** The SQL that makes a server follow `primaryAddress` from exactly where its own binary log ends. */
export function followSql(cfg: Pick<AgentConfig, "replication" | "tls">, primaryAddress: string): string[] {
  const tls = cfg.tls ? `, MASTER_SSL=1, MASTER_SSL_CA=${q(cfg.tls.ca)}, MASTER_SSL_VERIFY_SERVER_CERT=1` : "";
  return [
    ...FOLLOW_STOP_SQL,
    // (CHANGE MASTER below starts a fresh relay log: no RESET SLAVE needed.)
    // Everything this server holds is in its binary log (log_slave_updates): ask the new primary for what comes after.
    "SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos",
    `CHANGE MASTER TO MASTER_HOST=${q(primaryAddress)}, MASTER_PORT=3306, MASTER_USER=${q(cfg.replication.user)}, MASTER_PASSWORD=${q(cfg.replication.password)}, MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1${tls}`,
    "START SLAVE",
  ];
}

/** The first statements of a follow: nothing more is written or applied here, so its binary log stands still. */
const FOLLOW_STOP_SQL = ["SET GLOBAL read_only = ON", "STOP SLAVE"];

/**
 * Why a server must not follow a primary: its binary log ends ahead of the primary's in some domain (or at the same
 * sequence number written by another server), so it holds transactions the primary never had. A server that had
 * only ever received from that primary cannot be ahead of it. MariaDB finds a divergence only once the primary's
 * own sequence numbers pass the server's (error 1236); a primary that has written nothing since it took over lets
 * such a server connect and stream, and the divergence would show at the primary's first write. Null: it may follow.
 */
export function aheadOfPrimary(own: string, primaryPos: string, primary: string): string | null {
  const order = compareGtid(own, primaryPos);
  if (order !== "ahead" && order !== "diverged") return null;
  return `its binary log ends at ${own}, ahead of ${primary}'s (${primaryPos || "empty"})`;
}

/** One lazily (re)opened connection over the local socket. */
class LocalConnection {
  private conn: Connection | undefined;
  private opening: Promise<Connection> | undefined;

  constructor(private readonly cfg: AgentConfig) {}

  async get(): Promise<Connection> {
    if (this.conn) return this.conn;
    this.opening ??= createConnection({ socketPath: this.cfg.socket, user: this.cfg.account.user, password: this.cfg.account.password, connectTimeout: 1000 })
      .then((c) => {
        c.on("error", () => this.drop());
        this.conn = c;
        return c;
      })
      .finally(() => (this.opening = undefined));
    return this.opening;
  }

  drop(): void {
    this.conn?.destroy();
    this.conn = undefined;
  }

  async rows(sql: string, timeout = 2000): Promise<RowDataPacket[]> {
    const c = await this.get();
    try {
      const [rows] = await c.query<RowDataPacket[]>({ sql, timeout });
      return rows;
    } catch (e) {
      if ((e as { fatal?: boolean }).fatal || /closed state|timeout/i.test(String((e as Error).message))) this.drop();
      throw e;
    }
  }
}

/** The local MariaDB as the agent sees and drives it. Looks and actions use separate connections. */
export class LocalDb {
  private readonly looker: LocalConnection;
  private readonly actor: LocalConnection;

  constructor(private readonly cfg: AgentConfig) {
    this.looker = new LocalConnection(cfg);
    this.actor = new LocalConnection(cfg);
  }

  /** One look: variables, semi-sync status, replica status. Never throws: a failed look is a "down" observation. */
  async observe(): Promise<DbObservation> {
    const at = monoNow();
    try {
      const [vars] = await this.looker.rows(OBSERVE_SQL.variables, 1000);
      const status = Object.fromEntries((await this.looker.rows(OBSERVE_SQL.semisync, 1000)).map((r) => [String(r.Variable_name), String(r.Value)]));
      const [replica] = await this.looker.rows(OBSERVE_SQL.replica, 1000);
      return toObservation(at, vars ?? {}, status, replica ?? null);
    } catch (e) {
      return downObservation(at, e instanceof Error ? e.message : String(e));
    }
  }

  /** Makes the server writable (the design's first start, or a promotion). */
  async setWritable(): Promise<void> {
    await this.actor.rows("SET GLOBAL read_only = OFF");
  }

  /** Stops MariaDB at once (SIGKILL; runit starts it again): no waiting commit is answered. Returns its pid. */
  crash(): number {
    const pid = Number(readFileSync(MARIADB_PID_FILE, "utf8").trim());
    if (!Number.isInteger(pid) || pid < 2) throw new Error(`no MariaDB pid in ${MARIADB_PID_FILE}`);
    process.kill(pid, "SIGKILL");
    this.close();
    return pid;
  }

  /** Cuts the connections of the app's users; returns how many. */
  async killClients(): Promise<number> {
    const users = this.cfg.appUsers.map(q).join(", ");
    const rows = await this.actor.rows(`SELECT ID FROM information_schema.PROCESSLIST WHERE USER IN (${users})`);
    let n = 0;
    for (const r of rows) {
      try {
        await this.actor.rows(`KILL CONNECTION ${Number(r.ID)}`);
        n++;
      } catch {
        // gone already
      }
    }
    return n;
  }

  /**
   * Fences the server: read-only, and the app's connections cut so its pools reconnect through the proxy.
   * `killFirst` cuts them before setting read-only (a commit stuck waiting for a lost replica would hold read_only back).
   */
  async fence(killFirst: boolean): Promise<FenceResult> {
    const t = performance.now();
    let killed = killFirst ? await this.killClients() : 0;
    await this.actor.rows("SET GLOBAL read_only = ON", 5000);
    // A planned fence (switchover) of the demo app's database cuts nothing: the app's next write on each of its
    // connections is refused ("read-only"), a definite answer it retries through the proxy, and the app then
    // retires every connection it opened before (src/app/foobar/db-endpoint.ts). Cutting them would race with
    // the app picking one for a write, whose fate it could then not know.
    if (killFirst || this.cfg.cutOnSwitchover) killed += await this.killClients();
    const [v] = await this.actor.rows("SELECT @@gtid_binlog_pos AS pos");
    return { host: this.cfg.host, readOnly: true, killed, ms: Math.round(performance.now() - t), gtidBinlogPos: String(v?.pos ?? "") };
  }

  /** Waits until the server applied `gtid`; true when it did in time. */
  async waitApplied(gtid: string, timeoutMs: number): Promise<boolean> {
    if (!gtid) return true;
    const [r] = await this.actor.rows(`SELECT MASTER_GTID_WAIT(${q(gtid)}, ${(timeoutMs / 1000).toFixed(3)}) AS w`, timeoutMs + 2000);
    return Number(r?.w) === 0;
  }

  /**
   * Promotes the server: apply `waitFor` (the old primary's last position, when known) and everything received,
   * then take writes at once. Forgetting the old primary (STOP SLAVE, RESET SLAVE ALL) is left to `detach`:
   * a semi-sync replica that stops first tries to reach its primary to end its dump thread, a second lost
   * on a dead one, while nothing more can arrive from it anyway.
   */
  /** `gate` runs right before the server becomes writable (the primary lease's key is taken there); it throws to refuse. */
  async promote(waitFor: string | undefined, timeoutMs: number, gate?: () => Promise<void>): Promise<{ result: PromoteResult; detach: Promise<void> }> {
    const t = performance.now();
    const [before] = await this.actor.rows(OBSERVE_SQL.replica);
    if (!before || !String(before.Master_Host ?? "")) {
      if (waitFor) throw new Error(`${this.cfg.host} follows no server and cannot wait for ${waitFor}`);
      await gate?.();
      await this.setWritable();
      return { result: await this.promoted(t, 0), detach: Promise.resolve() };
    }
    const a = performance.now();
    if (waitFor && !(await this.waitApplied(waitFor, timeoutMs))) throw new Error(`${this.cfg.host} did not apply ${waitFor} within ${timeoutMs} ms; not promoted`);
    const [io] = await this.actor.rows(OBSERVE_SQL.replica);
    const received = String(io?.Gtid_IO_Pos ?? "");
    if (received && !(await this.waitApplied(received, timeoutMs))) throw new Error(`${this.cfg.host} did not apply what it received (${received}) within ${timeoutMs} ms; not promoted`);
    const applyMs = Math.round(performance.now() - a);
    await gate?.();
    await this.setWritable();
    const result = await this.promoted(t, applyMs);
    const detach = (async () => {
      await this.actor.rows("STOP SLAVE", 10_000);
      await this.actor.rows("RESET SLAVE ALL");
    })();
    return { result, detach };
  }

  private async promoted(t: number, applyMs: number): Promise<PromoteResult> {
    const [v] = await this.actor.rows("SELECT @@gtid_binlog_pos AS pos");
    return { host: this.cfg.host, gtid: String(v?.pos ?? ""), applyMs, ms: Math.round(performance.now() - t) };
  }

  /** Makes the server a replica of `primary`, then watches its IO thread for up to `watchMs`. */
  async follow(primary: string, primaryAddress: string, watchMs = 3000): Promise<FollowResult> {
    const t = performance.now();
    const sql = followSql(this.cfg, primaryAddress);
    for (const s of FOLLOW_STOP_SQL) await this.actor.rows(s, 5000);
    // Its binary log stands still now; the primary's only grows. So a look at the primary taken after this one
    // shows everything this server may have received from it: being ahead of it means holding what it never had.
    const [own] = await this.actor.rows("SELECT @@gtid_binlog_pos AS pos");
    const theirs = await primaryBinlogPos(this.cfg, primaryAddress).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
    const ahead = typeof theirs === "string" ? aheadOfPrimary(String(own?.pos ?? ""), theirs, primary) : null;
    // Diverged: it is set up to follow the primary (so a controller does not repoint it again) but not started.
    for (const s of sql.slice(FOLLOW_STOP_SQL.length, ahead ? -1 : undefined)) await this.actor.rows(s, 5000);
    const [v] = await this.actor.rows("SELECT @@gtid_slave_pos AS pos");
    const gtid = String(v?.pos ?? "");
    if (ahead) return { host: this.cfg.host, primary, outcome: "diverged", detail: ahead, gtid, ms: Math.round(performance.now() - t) };
    const deadline = monoNow() + watchMs;
    let outcome: FollowResult["outcome"] = "connecting";
    let detail = "";
    while (monoNow() < deadline) {
      const [s] = await this.actor.rows(OBSERVE_SQL.replica);
      const io = String(s?.Slave_IO_Running ?? "");
      const errno = Number(s?.Last_IO_Errno ?? 0);
      detail = String(s?.Last_IO_Error ?? "");
      if (io === "Yes") {
        outcome = "streaming";
        detail = "";
        break;
      }
      if (errno === 1236) {
        outcome = "diverged";
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // The primary could not be asked: MariaDB's own check (error 1236) is all there is, and the answer says so.
    if (typeof theirs !== "string") detail = [detail, `not compared with ${primary}'s binary log (${theirs.error})`].filter(Boolean).join("; ");
    return { host: this.cfg.host, primary, outcome, detail, gtid, ms: Math.round(performance.now() - t) };
  }

  close(): void {
    this.looker.drop();
    this.actor.drop();
  }
}
