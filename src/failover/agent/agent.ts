// The database agent: watches its MariaDB, answers the proxies' checks, carries out the controller's orders.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { dirname } from "node:path";
import type { AgentConfig } from "../../render/config/failover.js";
import { HttpError, jsonServer, type JsonRequest } from "../http.js";
import { downObservation, type DbObservation } from "../observe.js";
import { TIMING } from "../timing.js";
import type { AgentStatus, CheckAnswer, DivergedMark, FenceResult, FollowResult } from "../types.js";
import { answerOneLine } from "./check-line.js";
import { LocalDb } from "./local-db.js";
import { rebuildHere } from "./rebuild-here.js";
import { PrimaryPinger } from "./probe.js";
import { replicaAnswer, replicasBack, selfFenceReason, selfUnfenceReason, writeAnswer } from "./rules.js";
import { monoNow } from "../clock.js";
import { LEASE_TIMING, type PrimaryLease } from "../lease.js";
import { LAB_TLS_POLICY } from "../../render/config/tls-policy.js";

/** What the agent keeps on disk, next to the data (survives a crash of the host). */
interface AgentState {
  bootstrappedAt: number;
  selfFenced: { at: number; reason: string } | null;
  /** The last follow found this server diverged from that primary (until a follow finds it no longer is, or it is promoted). */
  diverged?: DivergedMark | null;
}

/** Something that records events in the lab's event log. */
export type EventSink = (message: string, data?: Record<string, unknown>) => void;

export class Agent {
  private readonly db: LocalDb;
  private readonly pinger: PrimaryPinger;
  private readonly startedAt = monoNow();
  private last: DbObservation | null = null;
  private lastOkAt: number | null = null;
  private state: AgentState | null;
  private controllerSeenAt: number | null = null;
  private inSyncAtContact = false;
  private stuck: { since: number; yesTx: number } | null = null;
  /** Since when every look has shown all the other servers streaming from this one, semi-synchronously (see replicasBack). */
  private backSince: number | null = null;
  /** How many other database servers the design has. */
  private readonly replicaCount: number;
  private readonly checkers: AgentStatus["checkers"] = {};
  private servers: Server[] = [];
  private timers: NodeJS.Timeout[] = [];
  private acting = false;
  /**
   * The primary lease (lease.ts): with it, this server may be writable only while its agent holds the design's
   * primary key in etcd. Null: the design has no lease (the controller's rules and the self-fence guard alone).
   */
  private readonly lease: PrimaryLease | null;
  /** The first lease round since this agent started has ended (a restarted agent first renews the lease it had). */
  private leaseReady = false;

  constructor(
    private readonly cfg: AgentConfig,
    private readonly event: EventSink,
    private readonly log: (line: string) => void,
    /** Tests hand in a stand-in for the local MariaDB; `lease`: the primary lease in etcd, when the design has one. */
    deps: { db?: LocalDb; lease?: PrimaryLease | null } = {},
  ) {
    this.db = deps.db ?? new LocalDb(cfg);
    this.lease = deps.lease ?? null;
    this.pinger = new PrimaryPinger(cfg);
    this.replicaCount = Object.keys(cfg.dbHosts).filter((h) => h !== cfg.host).length;
    this.state = existsSync(cfg.stateFile) ? (JSON.parse(readFileSync(cfg.stateFile, "utf8")) as AgentState) : null;
  }

  /** Starts the loops and the three listeners (checks, API over TCP, API over the unix socket). */
  async start(tls: { cert: string; key: string } | undefined): Promise<void> {
    this.timers.push(
      setInterval(() => void this.look().catch((e: unknown) => this.log(`look failed: ${String(e)}`)), TIMING.agentPollMs),
      setInterval(() => void this.pinger.tick(), TIMING.probeEveryMs),
    );
    if (this.lease) {
      let running = false;
      this.timers.push(
        setInterval(() => {
          if (running) return;
          running = true;
          void this.leaseRound()
            .catch((e: unknown) => this.log(`lease round failed: ${String(e)}`))
            .finally(() => (running = false));
        }, LEASE_TIMING.everyMs),
      );
    }
    // With internal TLS the checks are TLS too: the proxies verify this host's certificate before trusting "up".
    const checks = tls ? createTlsServer({ cert: tls.cert, key: tls.key, ...LAB_TLS_POLICY }, (sock) => this.answerCheck(sock)) : createServer((sock) => this.answerCheck(sock));
    const api = jsonServer((r) => this.handle(r), { token: this.cfg.token, tls });
    mkdirSync(dirname(this.cfg.apiSocket), { recursive: true });
    rmSync(this.cfg.apiSocket, { force: true });
    const local = jsonServer((r) => this.handle(r), { token: this.cfg.token, unix: true });
    await Promise.all([
      listen(checks, () => checks.listen(this.cfg.checkPort, this.cfg.apiAddress)),
      listen(api, () => api.listen(this.cfg.apiPort, this.cfg.apiAddress)),
      listen(local, () => local.listen(this.cfg.apiSocket)),
    ]);
    this.servers = [checks, api, local];
    this.log(`listening: checks on ${this.cfg.apiAddress}:${this.cfg.checkPort}, API on ${this.cfg.apiAddress}:${this.cfg.apiPort} and ${this.cfg.apiSocket}`);
  }

  /** Writable by the last look (a primary taking writes, or one being promoted). */
  private writableNow(): boolean {
    const o = this.last;
    return Boolean(o?.up && !o.readOnly && (!o.replica || this.promoting));
  }

  /**
   * One round of the primary lease: renew it; a writable server takes the key if it does not hold it, a read-only
   * one gives it back. While an action runs (a fence, a promotion) the round keeps what it holds and takes nothing:
   * the action takes (promotion) or gives back (fence) the key itself.
   */
  private async leaseRound(): Promise<void> {
    const lease = this.lease!;
    await lease.tick(() => (this.acting ? lease.holds() : this.writableNow() && !this.state?.selfFenced));
    this.leaseReady = true;
    if (this.last) await this.maybeLeaseFence(this.last);
  }

  /**
   * A writable server whose agent does not hold the primary key (with time to spare) makes itself read-only: the
   * lease could not be renewed (etcd unreachable, or without a quorum), or the leading controller revoked it after
   * finding this server lost, and etcd may give the key to a replica once it runs out. The fence is the self-fence's
   * (kept on disk, lifted by the same rules), so the server takes writes again only once it is safe.
   */
  private async maybeLeaseFence(o: DbObservation): Promise<void> {
    const lease = this.lease;
    if (!lease || !this.leaseReady || this.acting || this.state?.selfFenced || !this.state) return;
    if (!o.up || o.readOnly || (o.replica && !this.promoting) || lease.holds()) return;
    const d = lease.describe();
    await this.fenceSelf(
      o,
      `it does not hold the primary lease in etcd any more (${d.lease ? `lease ${d.lease} not renewed in time` : "the lease could not be renewed, or was revoked"}): a replica may take the key`,
    );
  }

  /** Stops everything (SIGTERM). */
  stop(): void {
    for (const t of this.timers) clearInterval(t);
    for (const s of this.servers) s.close();
    this.pinger.stop();
    this.db.close();
  }

  private looking: Promise<void> | null = null;

  /** One look at a time: joins the look under way, if any. */
  private look(): Promise<void> {
    this.looking ??= this.lookOnce().finally(() => (this.looking = null));
    return this.looking;
  }

  /**
   * A look that starts after the call: what an action changed is in it. (Joining a look already under way, as the
   * timer does, could store what the server was before the action: a promoted server still shown following its
   * old primary would answer "down" to the proxies, and two such answers make them cut every connection of the
   * app's to the new primary, writes in flight included.)
   */
  private async freshLook(): Promise<void> {
    if (this.looking) await this.looking.catch(() => undefined);
    await this.look();
  }

  private async lookOnce(): Promise<void> {
    const o = await this.db.observe();
    this.last = o;
    this.backSince = replicasBack(o, this.replicaCount) ? (this.backSince ?? o.at) : null;
    if (!o.up) return;
    this.lastOkAt = o.at;
    this.pinger.watch(o.replica?.masterHost ?? null);
    const s = o.semisync;
    if (s.waitSessions > 0 && (!this.stuck || s.yesTx > this.stuck.yesTx)) this.stuck = { since: o.at, yesTx: s.yesTx };
    else if (s.waitSessions === 0) this.stuck = null;
    if (!this.state) await this.bootstrap(o);
    else if (this.state.selfFenced) await this.maybeSelfUnfence(o);
    else {
      await this.maybeLeaseFence(o);
      await this.maybeSelfFence(o);
    }
  }

  /**
   * Stores a look at MariaDB taken after an action this agent took from inside a look (the first start, a
   * self-unfence), before the action ends: those cannot wait for a fresh look (they run in one). Why: the look
   * that started the action shows the server read-only, and a lease round between the action's end and the next
   * look would judge from it that the server needs no key and give the key back; the next look then finds a
   * writable server without the key and fences it (seen: 1 of about 10 bring-ups of design 3 with the lease,
   * the primary fenced 90 ms after its first start).
   */
  private async lookAfterAction(): Promise<void> {
    const o = await this.db.observe();
    this.last = o;
    if (o.up) this.lastOkAt = o.at;
  }

  /** A self-fenced primary takes writes again by itself once it is safe (rules.ts, selfUnfenceReason). */
  private async maybeSelfUnfence(o: DbObservation): Promise<void> {
    const fenced = this.state?.selfFenced;
    if (this.acting || !fenced) return;
    const reason = selfUnfenceReason({
      now: monoNow(),
      enabled: this.cfg.selfFence,
      db: o,
      fencedAt: fenced.at,
      controllerSeenAt: this.controllerSeenAt,
      replicas: this.replicaCount,
      backSince: this.backSince,
    });
    if (!reason) return;
    this.acting = true;
    try {
      // The primary key first (with a lease), then writable, then the fence lifted: the proxies hear "up" only once all are true.
      if (this.lease && !(await this.lease.acquire(0, sleep))) {
        this.log(`would take writes again (${reason}), but the primary key in etcd is not free: stays fenced`);
        return;
      }
      await this.db.setWritable();
      this.saveState({ ...this.state!, selfFenced: null });
      this.stuck = null;
      await this.lookAfterAction();
      this.event(`${this.cfg.host} takes writes again by itself (it had fenced itself ${monoNow() - fenced.at} ms before: ${fenced.reason}): ${reason}`, { step: "self-unfence" });
    } catch (e) {
      this.log(`self-unfence failed, will retry: ${String(e)}`);
    } finally {
      this.acting = false;
    }
  }

  /** The very first start: the design's first primary takes writes; every later start stays read-only. */
  private async bootstrap(o: DbObservation): Promise<void> {
    if (this.acting) return;
    this.acting = true;
    try {
      if (this.cfg.bootstrapPrimary && o.readOnly && !o.replica) {
        if (this.lease && !(await this.lease.acquire(0, sleep))) {
          this.log("first start of the design's primary: waiting for the primary key in etcd before taking writes");
          return;
        }
        await this.db.setWritable();
        this.log("first start of the design's primary: now writable");
        await this.lookAfterAction();
      }
      this.saveState({ bootstrappedAt: Date.now(), selfFenced: null });
    } catch (e) {
      this.log(`bootstrap failed, will retry: ${String(e)}`);
    } finally {
      this.acting = false;
    }
  }

  private async maybeSelfFence(o: DbObservation): Promise<void> {
    if (this.acting || this.state?.selfFenced) return;
    const reason = selfFenceReason({
      now: monoNow(),
      enabled: this.cfg.selfFence,
      db: o,
      controllerSeenAt: this.controllerSeenAt,
      inSyncAtContact: this.inSyncAtContact,
      stuckSince: this.stuck?.since ?? null,
    });
    if (reason) await this.fenceSelf(o, reason);
  }

  /** The self-fence: kept on disk; MariaDB stopped at once when commits wait for an acknowledgement, else read-only. */
  private async fenceSelf(o: DbObservation, reason: string): Promise<void> {
    if (this.acting) return;
    this.acting = true;
    try {
      this.saveState({ ...this.state!, selfFenced: { at: monoNow(), reason } });
      if (o.semisync.waitSessions > 0) {
        // Commits are waiting for a replica's acknowledgement. Cutting their connections is not safe: a killed
        // waiter can release the others, whose clients then hear "OK" for commits no replica has (seen in the
        // partition test: one acknowledged write lost). Stopping MariaDB at once answers none of them; it comes
        // back read-only and, as a replica-to-be (init_rpl_role), cuts those commits from its binary log.
        const pid = this.db.crash();
        this.event(`${this.cfg.host} fenced itself by stopping MariaDB at once (SIGKILL to ${pid}; it restarts read-only), ${o.semisync.waitSessions} commit(s) left unanswered: ${reason}`, {
          step: "self-fence",
          waiting: o.semisync.waitSessions,
        });
        return;
      }
      const r = await this.db.fence(true);
      this.event(`${this.cfg.host} fenced itself (read-only, ${r.killed} app connections cut): ${reason}`, { step: "self-fence", gtid: r.gtidBinlogPos });
    } catch (e) {
      this.log(`self-fence failed: ${String(e)}`);
    } finally {
      // read-only (or stopped): the key is given back, so a promotion need not wait for it to run out
      if (this.lease) void this.lease.release();
      this.acting = false;
    }
  }

  private saveState(s: AgentState): void {
    this.state = s;
    const tmp = `${this.cfg.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(s));
    renameSync(tmp, this.cfg.stateFile);
  }

  private promoting = false;

  private answers(now = monoNow()): AgentStatus["answers"] {
    const input = {
      now,
      db: this.last,
      selfFenced: Boolean(this.state?.selfFenced),
      promoting: this.promoting,
      ...(this.state?.diverged ? { divergedFrom: this.state.diverged.primaryAddress } : {}),
      ...(this.lease ? { leaseHeld: this.lease.holds(now) } : {}),
    };
    return { write: writeAnswer(input), replica: replicaAnswer(input) };
  }

  private answerCheck(sock: Socket): void {
    const remote = (sock.remoteAddress ?? "").replace(/^::ffff:/, "");
    answerOneLine(sock, (word) => {
      const kind = word === "replica" ? "replica" : "write";
      const now = monoNow();
      const answer = this.answers(now)[kind];
      const who = this.cfg.proxies[remote] ?? remote;
      const entry = (this.checkers[who] ??= {});
      const prev: CheckAnswer | undefined = entry[kind];
      entry[kind] = { answer, since: prev && prev.answer === answer ? prev.since : now, lastAt: now };
      return answer;
    });
  }

  /** The status report. */
  status(): AgentStatus {
    const now = monoNow();
    return {
      host: this.cfg.host,
      now,
      startedAt: this.startedAt,
      db: this.last ?? downObservation(now, "not looked yet"),
      dbLastOkAt: this.lastOkAt,
      probe: this.pinger.probe ? { ...this.pinger.probe } : null,
      selfFenced: this.state?.selfFenced ?? null,
      answers: this.answers(now),
      checkers: this.checkers,
      controllerSeenAt: this.controllerSeenAt,
      diverged: this.state?.diverged ?? null,
      ...(this.lease ? { lease: this.lease.describe(now) } : {}),
    };
  }

  private async handle(r: JsonRequest): Promise<{ status: number; body: unknown }> {
    if (!r.trusted) throw new HttpError(401, "missing or wrong token");
    // a standby controller looks without taking part: only the leading controller's contact holds off self-fencing
    if (r.remote !== "unix" && r.query.get("observe") !== "1") {
      this.controllerSeenAt = monoNow();
      const s = this.last?.semisync;
      this.inSyncAtContact = Boolean(s && s.masterStatus && s.masterClients > 0);
    }
    const body = (r.body ?? {}) as Record<string, unknown>;
    const route = `${r.method} ${r.path}`;
    if (route === "GET /status") return { status: 200, body: this.status() };
    if (route === "POST /fence") return { status: 200, body: await this.exclusive(() => this.fence(body.killFirst === true)) };
    if (route === "POST /promote") return { status: 200, body: await this.promote(body) };
    if (route === "POST /follow") {
      const primary = String(body.primary ?? "");
      const address = String(body.primaryAddress ?? this.cfg.dbHosts[primary] ?? "");
      if (!address) throw new HttpError(400, "follow needs primary (a db host name) or primaryAddress");
      return {
        status: 200,
        body: await this.exclusive(async () => {
          const res = await this.follow(primary, address);
          if (this.state?.selfFenced) this.saveState({ ...this.state, selfFenced: null });
          return res;
        }),
      };
    }
    if (route === "POST /rebuild") {
      const primary = String(body.primary ?? "");
      const address = String(body.primaryAddress ?? this.cfg.dbHosts[primary] ?? "");
      if (!primary || primary === this.cfg.host || !address) throw new HttpError(400, "rebuild needs primary (another db host) and its address");
      return {
        status: 200,
        body: await this.exclusive(async () => {
          const res = await rebuildHere(this.cfg, primary, address, () => this.follow(primary, address));
          if (this.state?.selfFenced) this.saveState({ ...this.state, selfFenced: null });
          return res;
        }),
      };
    }
    if (route === "POST /wait-applied") return { status: 200, body: { applied: await this.db.waitApplied(String(body.gtid ?? ""), Number(body.timeoutMs ?? 1000)) } };
    throw new HttpError(404, `no route ${route}`);
  }

  /**
   * Makes the server follow `primary` and keeps what that found: a divergence stays marked (on disk, shown in the
   * status) until a later follow finds the server no longer ahead (it was rebuilt) or it is promoted. MariaDB
   * shows some divergences itself (error 1236, cleared at its restart); the one the follow's own check finds
   * (local-db.ts, aheadOfPrimary), only this mark shows.
   */
  private async follow(primary: string, address: string): Promise<FollowResult> {
    const res = await this.db.follow(primary, address);
    const mark: DivergedMark | null = res.outcome === "diverged" ? { primary, primaryAddress: address, detail: res.detail } : res.outcome === "streaming" ? null : (this.state?.diverged ?? null);
    this.markDiverged(mark);
    return res;
  }

  private markDiverged(mark: DivergedMark | null): void {
    if (!this.state || JSON.stringify(this.state.diverged ?? null) === JSON.stringify(mark)) return;
    this.saveState({ ...this.state, diverged: mark });
  }

  /**
   * The controller's fence. With `killFirst` (a failover: the server may hold commits stuck waiting for a lost
   * replica, which would hold `read_only` back), commits waiting for an acknowledgement make it stop MariaDB at once
   * instead, as the self-fence does: killing a waiter's connection can release the others, whose clients then hear
   * "OK" for commits no replica has. MariaDB restarts read-only and cuts those commits (init_rpl_role).
   */
  async fence(killFirst: boolean): Promise<FenceResult> {
    if (killFirst) {
      const t = performance.now();
      const o = await this.db.observe();
      if (o.up && o.semisync.waitSessions > 0) {
        const pid = this.db.crash();
        this.event(
          `${this.cfg.host} stopped MariaDB at once for the controller's fence (SIGKILL to ${pid}; it restarts read-only), ${o.semisync.waitSessions} commit(s) waiting for a replica left unanswered`,
          { step: "fence", waiting: o.semisync.waitSessions },
        );
        if (this.lease) void this.lease.release();
        return { host: this.cfg.host, readOnly: true, killed: 0, ms: Math.round(performance.now() - t), gtidBinlogPos: "", stopped: true };
      }
    }
    const r = await this.db.fence(killFirst);
    // read-only: the key is given back, so the promotion that follows takes it at once
    if (this.lease) await this.lease.release();
    return r;
  }

  /** Promotes: writable as soon as everything received is applied; the old replica threads stop afterwards. */
  private async promote(body: Record<string, unknown>): Promise<unknown> {
    if (this.acting) throw new HttpError(409, "another action is running on this server");
    this.acting = true;
    let detached = false;
    try {
      // With a lease, the primary key is taken once the relay log is applied, right before the server becomes writable.
      const gate = this.lease ? () => this.takeKey() : undefined;
      const { result, detach } = await this.db.promote(typeof body.waitFor === "string" ? body.waitFor : undefined, typeof body.timeoutMs === "number" ? body.timeoutMs : TIMING.applyWaitMs, gate);
      this.promoting = true;
      if (this.state?.selfFenced) this.saveState({ ...this.state, selfFenced: null });
      // What it held is now the history every other server follows.
      this.markDiverged(null);
      this.stuck = null;
      detached = true;
      void detach
        .catch((e: unknown) => this.log(`promotion: stopping the old replication failed: ${String(e)}`))
        .then(() => this.freshLook())
        .finally(() => {
          // Only once a look taken after the old replication stopped is stored: until then `last` may still show it.
          this.promoting = false;
          this.acting = false;
        });
      await this.freshLook();
      return result;
    } finally {
      if (!detached) this.acting = false;
    }
  }

  /**
   * Takes the primary key in etcd before the server becomes writable: at once when it is free (the old primary
   * gave it back when fenced, or the leading controller revoked its lease after finding it lost), else waiting
   * for the old lease to run out (LEASE_TIMING.acquireWaitMs); refused when it stays held.
   */
  private async takeKey(): Promise<void> {
    const lease = this.lease!;
    if (await lease.acquire(LEASE_TIMING.acquireWaitMs, sleep)) return;
    throw new HttpError(409, `${this.cfg.host} could not take the primary key in etcd within ${LEASE_TIMING.acquireWaitMs} ms (another server holds it, or etcd has no quorum): not promoted`);
  }

  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.acting) throw new HttpError(409, "another action is running on this server");
    this.acting = true;
    try {
      const out = await fn();
      await this.freshLook();
      return out;
    } finally {
      this.acting = false;
    }
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function listen(server: Server, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.once("listening", () => resolve());
    start();
  });
}
