// A replica's agent keeps one connection to the primary it follows and pings it: the second opinion on the primary's death.
import { readFileSync } from "node:fs";
import { createConnection, type Connection } from "mysql2/promise";
import type { AgentConfig } from "../../render/config/failover.js";
import { TIMING } from "../timing.js";
import type { PrimaryProbe } from "../types.js";
import { monoNow } from "../clock.js";

/** Pings one target at a time; `watch(address)` switches targets, `watch(null)` stops. */
export class PrimaryPinger {
  private conn: Connection | undefined;
  private state: PrimaryProbe | null = null;
  private busy = false;
  private readonly ca: string | undefined;

  constructor(private readonly cfg: AgentConfig) {
    this.ca = cfg.tls ? readFileSync(cfg.tls.ca, "utf8") : undefined;
  }

  /** What the pings say now (null when watching nobody). */
  get probe(): PrimaryProbe | null {
    return this.state;
  }

  /** Sets who to ping (the replica's Master_Host). */
  watch(address: string | null): void {
    if (address === (this.state?.target ?? null)) return;
    this.drop();
    this.state = address ? { target: address, ok: false, failures: 0, lastOkAt: null } : null;
  }

  /** One ping (or one connection attempt), bounded by the probe timeout; skipped while one is running. */
  async tick(): Promise<void> {
    const s = this.state;
    if (!s || this.busy) return;
    this.busy = true;
    try {
      await withTimeout(this.pingOnce(s.target), TIMING.probeTimeoutMs);
      if (this.state !== s) return;
      s.ok = true;
      s.failures = 0;
      s.lastOkAt = monoNow();
      delete s.lastError;
    } catch (e) {
      this.drop();
      if (this.state !== s) return;
      s.ok = false;
      s.failures++;
      s.lastError = e instanceof Error ? e.message.slice(0, 200) : String(e);
    } finally {
      this.busy = false;
    }
  }

  private async pingOnce(target: string): Promise<void> {
    if (!this.conn) {
      const c = await createConnection({
        host: target,
        port: 3306,
        user: this.cfg.replication.user,
        password: this.cfg.replication.password,
        connectTimeout: TIMING.probeTimeoutMs,
        ...(this.ca ? { ssl: { ca: this.ca, rejectUnauthorized: true } } : {}),
      });
      c.on("error", () => this.drop());
      if (this.state?.target !== target) {
        c.destroy();
        throw new Error("target changed");
      }
      this.conn = c;
    }
    await this.conn.ping();
  }

  private drop(): void {
    this.conn?.destroy();
    this.conn = undefined;
  }

  stop(): void {
    this.watch(null);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
