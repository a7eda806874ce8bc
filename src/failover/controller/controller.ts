// The failover controller: watches every database agent, decides, and runs the procedures.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { ControllerConfig } from "../../render/config/failover.js";
import { decide, divergence, diverged, primaryHealth, rankCandidates, syncMark, syncVerdict, type DecideInput, type Decision, type HostTrack, type SyncMark, type SyncVerdict } from "../decide.js";
import { HttpError, type JsonRequest } from "../http.js";
import { failover, rejoin, switchover, unfence, type ProcedureContext, type ProcedureResult, type StepRecorder } from "../procedures.js";
import { TIMING } from "../timing.js";
import { REBUILD_TIMEOUT_MS } from "../client.js";
import type { AgentClient, FollowResult } from "../types.js";
import { writeMetrics } from "./metrics.js";
import { isWritablePrimary } from "../observe.js";
import { monoNow } from "../clock.js";

/** How long a person's request (failover, rejoin) waits for the step the controller is taking. */
const MANUAL_WAIT_MS = 20_000;
/** A rejoin its agent refused because another action was under way is asked again after this. */
const REJOIN_BUSY_RETRY_MS = 1000;

/** The controller's phase. */
export type Phase = "standby" | "starting" | "watching" | "suspect" | "failing-over" | "switching-over" | "refused" | "conflict";

/** One failover or switchover the controller ran. */
export interface FailoverRecord {
  kind: "failover" | "switchover";
  /** Wall-clock time (ms since the epoch), for people and metrics; every other time here is on the monotonic clock (clock.ts). */
  at: number;
  from: string;
  to: string;
  ok: boolean;
  forced: boolean;
  /** When the old primary was last seen answering (failover only). */
  lastSeenAt?: number;
  /** From last seen (failover) or from the request (switchover) to the proxies following. */
  totalMs: number;
  pauseMs?: number;
  sync: SyncVerdict;
  result: ProcedureResult;
}

/** What `GET /state` answers (and `stacklab db status` shows). */
export interface ControllerState {
  host: string;
  /** This controller leads (holds the etcd leader key, or is the design's only controller); the others stand by. */
  leading: boolean;
  /** The controller's monotonic clock (clock.ts): `startedAt`, `refused.at`, `lastSync.at` and the agents' marks are on it. */
  now: number;
  startedAt: number;
  phase: Phase;
  primary: string | null;
  note: string;
  refused: { at: number; reason: string; candidate: string | null; sync: SyncVerdict } | null;
  lastSync: SyncMark | null;
  /** If the primary died now: who would be promoted, and would it be in sync. */
  ifPrimaryDied: { candidate: string | null; sync: SyncVerdict };
  agents: { host: string; answering: boolean; lastOkAt: number | null; failures: number }[];
  failovers: FailoverRecord[];
  rejoinBlocked: Record<string, { until: number; detail: string }>;
  /** Replicas being rebuilt from the primary now (they diverged). */
  rebuilding: string[];
  /** Replicas found diverged (recorded once in the event log) and not rebuilt yet: with autoRebuild off, left for a person. */
  diverged: string[];
  /** Whether a diverged replica is rebuilt by the controller (spec `database.autoRebuild`), or only recorded. */
  autoRebuild: boolean;
}

interface Persisted {
  primary: string | null;
  failovers: FailoverRecord[];
  /** Hosts seen replicating or once primary: the controller makes them follow the primary on its own. */
  known?: string[];
  /** Replicas whose divergence is in the event log, and those of them recorded as left for a person (not recorded again). */
  diverged?: string[];
  left?: string[];
}

/** What the leader publishes in etcd for the next leader: Persisted without the failover history. */
export type Published = Omit<Persisted, "failovers">;

export class Controller {
  private readonly tracks: Record<string, HostTrack> = {};
  private readonly addresses: Record<string, string>;
  private readonly hosts: string[];
  private readonly startedAt = monoNow();
  private primary: string | null;
  private phase: Phase = "starting";
  private note = "starting";
  private lastSync: SyncMark | null = null;
  private refused: ControllerState["refused"] = null;
  private failovers: FailoverRecord[] = [];
  private rejoinBlocked: ControllerState["rejoinBlocked"] = {};
  private readonly known = new Set<string>();
  /** Replicas whose divergence from the primary is in the event log already (not repeated every step). */
  private readonly diverged = new Set<string>();
  /** Diverged replicas recorded as left for a person (autoRebuild off), once per divergence. */
  private readonly left = new Set<string>();
  /**
   * When the controller last changed each replica (monotonic): a rejoin or a rebuild ended. Its agent's looks
   * started before then (a poll answered while the step ran) show the server as it was: it is judged again, and
   * its divergence noted or forgotten, only from a look started after.
   */
  private readonly changedAt: Record<string, number> = {};
  /** Replicas whose agent is rebuilding them from the primary now. */
  private readonly rebuilding = new Set<string>();
  private busy = false;
  /** When the poll whose answer (or failure) is the latest for each host started (monotonic). */
  private readonly polledAt: Record<string, number> = {};
  /** When this controller last took the lead over (monotonic; 0: never): it judges from looks started after it. */
  private tookOverAt = 0;
  /**
   * When this controller last made a server the primary (a failover's or a switchover's promotion ended; monotonic):
   * a look at it from a poll started before then shows it as it was, a read-only replica, and judging from that
   * made the leader log a refusal right after every failover. It is judged only from a look started after.
   */
  private promoted: { host: string; at: number } | null = null;
  /** The pollers' pauses between polls, which a takeover (or a promotion) cuts short. */
  private readonly naps = new Set<() => void>();
  private lastEventKey = "";
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly cfg: ControllerConfig,
    private readonly client: AgentClient,
    private readonly record: StepRecorder,
    private readonly log: (line: string) => void,
    /** Whether this controller may act now (it leads); always true for a design's only controller. */
    private readonly mayAct: () => boolean = () => true,
    /** Publishes what the leader knows (the primary, the known servers) where the next leader finds it. */
    private readonly publish: (p: Published) => void = () => undefined,
    /** With a primary lease: revokes a lost primary's lease in etcd (procedures.ts, failover). */
    private readonly revokeLease?: (host: string) => Promise<boolean>,
    /** With a primary lease: who holds the primary key in etcd now (null: nobody). */
    private readonly readLeaseHolder?: () => Promise<string | null>,
  ) {
    this.hosts = cfg.dbHosts.map((h) => h.name);
    this.addresses = Object.fromEntries(cfg.dbHosts.map((h) => [h.name, h.address]));
    for (const h of this.hosts) this.tracks[h] = { last: null, lastOkAt: null, firstFailAt: null, failures: 0 };
    const saved = existsSync(cfg.stateFile) ? (JSON.parse(readFileSync(cfg.stateFile, "utf8")) as Persisted) : null;
    this.primary = saved?.primary ?? cfg.primary;
    this.failovers = saved?.failovers ?? [];
    for (const h of saved?.known ?? []) this.known.add(h);
    if (this.primary) this.known.add(this.primary);
    this.remember(saved);
  }

  /** Starts one poller per agent and the decision loop. */
  start(): void {
    for (const h of this.hosts) void this.poll(h);
    if (this.readLeaseHolder) void this.pollLease(this.readLeaseHolder);
    this.timers.push(setInterval(() => void this.step(), TIMING.controllerPollMs / 2));
    this.log(`watching ${this.hosts.join(", ")}; primary ${this.primary ?? "unknown"}`);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
  }

  private async poll(host: string): Promise<void> {
    while (!this.stopped) {
      const started = monoNow();
      const t = this.tracks[host]!;
      try {
        const s = await this.client.status(host, { observe: !this.mayAct() });
        t.last = s;
        t.lastOkAt = started;
        t.firstFailAt = null;
        t.failures = 0;
        if (s.db.replica && !this.known.has(host)) {
          this.known.add(host);
          this.save();
        }
        // A standby's own idea of the primary is its last lead's (or the spec's): it keeps the mark of whichever
        // server its look shows taking writes, so that once it leads it can judge the primary the last leader
        // published as in sync (before: it never had a mark for a primary that changed while it stood by, and
        // refused to promote after the leader's host died with that primary: db-crash-leader).
        const watched = host === this.primary || (!this.mayAct() && isWritablePrimary(s.db)) ? host : null;
        if (watched) {
          // a standby's look at each replica may be up to a poll and an answer's wait old, and still count
          const deadAfterMs = this.mayAct() ? TIMING.deadAfterMs : TIMING.standbyPollMs + TIMING.agentCallTimeoutMs;
          const mark = syncMark({ ...this.input(), primary: watched, deadAfterMs });
          if (mark) this.lastSync = mark;
        }
      } catch {
        t.failures++;
        t.firstFailAt ??= started;
      }
      this.polledAt[host] = started;
      const wait = this.pollEveryMs() - (monoNow() - started);
      if (wait > 0) await this.nap(wait);
    }
  }

  /** The leader asks every agent at the full rate; a standby less often (TIMING.standbyPollMs). */
  private pollEveryMs(): number {
    return this.mayAct() ? TIMING.controllerPollMs : TIMING.standbyPollMs;
  }

  /** A pause between polls that `wake` ends early. */
  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.naps.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.naps.add(done);
    });
  }

  private wake(): void {
    for (const done of [...this.naps]) done();
  }

  /** The last read of the primary key in etcd (with a primary lease): a witness of whether the primary may be writable. */
  private leaseKey: { holder: string | null; readAt: number } | null = null;

  private async pollLease(read: () => Promise<string | null>): Promise<void> {
    while (!this.stopped) {
      const sent = monoNow();
      try {
        this.leaseKey = { holder: await read(), readAt: sent };
      } catch {
        // etcd unreachable: the last read stays, with its time
      }
      const wait = this.pollEveryMs() - (monoNow() - sent);
      if (wait > 0) await this.nap(wait);
    }
  }

  private input(): DecideInput {
    const now = monoNow();
    return {
      now,
      hosts: this.hosts,
      addresses: this.addresses,
      primary: this.primary,
      tracks: this.tracks,
      lastSync: this.lastSync,
      replication: this.cfg.replication,
      deadAfterMs: TIMING.deadAfterMs,
      confirmFailures: TIMING.confirmFailures,
      semisyncTimeoutMs: this.cfg.semisyncTimeoutMs,
      autoRebuild: this.cfg.autoRebuild !== false,
      ...(this.leaseKey ? { leaseKey: this.leaseKey } : {}),
      rejoinBlocked: [
        ...Object.entries(this.rejoinBlocked)
          .filter(([, b]) => b.until > now)
          .map(([h]) => h),
        // a server just rejoined or rebuilt is judged again only from a look its agent took after that ended
        ...this.hosts.filter((h) => this.staleLook(h)),
      ],
      // A server never seen replicating is being set up by `up` (or by a person): left alone for a while.
      ...(now - this.startedAt < TIMING.startupGraceMs ? { rejoinable: [...this.known] } : {}),
    };
  }

  /** Takes in what an earlier controller recorded of diverged replicas (a restart's state file, the last leader's word). */
  private remember(p: Published | null): void {
    for (const h of p?.diverged ?? []) if (this.hosts.includes(h)) this.diverged.add(h);
    for (const h of p?.left ?? []) if (this.hosts.includes(h)) this.left.add(h);
  }

  /**
   * Whether the primary this controller just promoted is known only from a look started before its promotion ended
   * (no poll started since was answered: lastOkAt is when the answered poll started, as polledAt is for any poll).
   * Not once such a look is no longer fresh (deadAfterMs after the promotion): then it is judged as silent, like
   * any primary whose agent does not answer.
   */
  private lookBeforePromotion(): boolean {
    const p = this.promoted;
    if (!p || p.host !== this.primary) return false;
    if ((this.tracks[p.host]?.lastOkAt ?? -1) >= p.at || monoNow() - p.at >= TIMING.deadAfterMs) {
      this.promoted = null;
      return false;
    }
    return true;
  }

  /** Records that `host` was just made the primary, and asks every agent again at once. */
  private promotedNow(host: string): void {
    this.promoted = { host, at: monoNow() };
    this.wake();
  }

  /** Whether the last look at `host` started before the controller's last change to it ended (it shows the server as it was). */
  private staleLook(h: string): boolean {
    const at = this.changedAt[h];
    return at !== undefined && (this.tracks[h]?.lastOkAt ?? 0) <= at;
  }

  private ctx(): ProcedureContext {
    return {
      client: this.client,
      record: this.record,
      addresses: this.addresses,
      proxies: Object.values(this.cfg.proxies),
      followed: (r) => this.followed(r),
      ...(this.revokeLease ? { revokeLease: this.revokeLease } : {}),
    };
  }

  /**
   * A repoint's outcome (a rejoin's, or a failover's of the other replicas): a divergence it found is in the event
   * log already (its repoint event), so the watch does not record it again.
   */
  private followed(r: FollowResult): void {
    this.changedAt[r.host] = monoNow();
    const before = this.divergedKey();
    if (r.outcome === "diverged") this.diverged.add(r.host);
    else if (r.outcome === "streaming") {
      this.diverged.delete(r.host);
      this.left.delete(r.host);
    }
    if (this.divergedKey() !== before) this.save();
  }

  /** The diverged replicas as recorded, to save them (and publish them to the next leader) when that changes. */
  private divergedKey(): string {
    return `${[...this.diverged].sort().join()}/${[...this.left].sort().join()}`;
  }

  /** Records an event once per distinct situation (a refusal is not repeated every 100 ms). */
  private once(key: string, step: string, message: string, data?: Record<string, unknown>): void {
    if (key === this.lastEventKey) return;
    this.lastEventKey = key;
    this.record(step, message, data);
  }

  /**
   * Called when this controller wins the leader key: it takes the primary the last leader published and judges
   * it from the start of its watch. As a standby it asked the agents only every TIMING.standbyPollMs: it asks
   * them all again now, and takes its first step only once each answered (or failed) a poll started from here.
   */
  takeOver(published: Published | null): void {
    this.tookOverAt = monoNow();
    this.wake();
    if (published?.primary && this.hosts.includes(published.primary) && published.primary !== this.primary) this.primary = published.primary;
    // the mark this controller took while standing by counts only if it is of that primary
    if (this.lastSync && this.lastSync.primary !== this.primary) this.lastSync = null;
    for (const h of published?.known ?? []) if (this.hosts.includes(h)) this.known.add(h);
    // The last leader's word on diverged replicas replaces this controller's own, which may be from long ago.
    if (published) {
      this.diverged.clear();
      this.left.clear();
      this.remember(published);
    }
    this.setPhase("starting", `leads now; ${this.primary ?? "no server"} is the primary the last leader published`);
    this.record("lead", `failover controller on ${this.cfg.host} leads (it holds the etcd leader key); primary ${this.primary ?? "unknown"}`, { leader: this.cfg.host });
    this.save();
  }

  /** Whether this controller stands by: once it holds the leader key, it acts only after `takeOver`. */
  standingBy(): boolean {
    return this.phase === "standby";
  }

  /** Called when this controller lost (or could not renew) the leader key: it stops acting at once. */
  standBy(reason: string): void {
    this.setPhase("standby", reason);
    this.record("standby", `failover controller on ${this.cfg.host} stands by: ${reason}`, { leader: null });
  }

  private async step(): Promise<void> {
    if (this.busy || this.stopped) return;
    if (!this.mayAct()) {
      if (this.phase !== "standby") this.setPhase("standby", "another controller leads");
      return;
    }
    // it just won the leader key: it acts once it took over (the published primary read), not on its old idea of it
    if (this.phase === "standby") return;
    const input = this.input();
    if (this.phase === "starting") {
      // a view of every agent from after the takeover (a standby's looks may be a second old)
      if (this.hosts.some((h) => (this.polledAt[h] ?? -1) < this.tookOverAt)) return;
      const s = this.primary ? this.tracks[this.primary]?.last : undefined;
      const p = s?.db;
      const writable = p?.up && !p.readOnly && !p.replica;
      // A primary that fenced itself was writable already (its agent made it so): it showed up, and is judged now
      // (a lease fence early in a bring-up is lifted by the rules of decide.ts), not after the grace for a primary
      // still being set up.
      const fenced = Boolean(p?.up && !p.replica && s?.selfFenced);
      if (!writable && !fenced && monoNow() - this.startedAt < TIMING.startupGraceMs) return;
      this.setPhase("watching", writable ? `${this.primary} is the primary` : fenced ? `${this.primary} fenced itself; judging it now` : "the primary did not show up in time; judging it now");
      this.record("watch", `failover controller on ${this.cfg.host} watches ${this.hosts.join(", ")}; ${this.note}`);
    }
    if (this.lookBeforePromotion()) return;
    const decision = decide(input);
    this.busy = true;
    try {
      await this.act(decision, input);
    } catch (e) {
      this.log(`step failed: ${e instanceof Error ? e.stack : String(e)}`);
    } finally {
      this.busy = false;
    }
  }

  private async act(d: Decision, input: DecideInput): Promise<void> {
    switch (d.action) {
      case "none":
        this.noteDiverged(input);
        if (this.phase !== "watching") {
          if (this.phase === "refused" || this.phase === "suspect") this.once(`ok:${this.primary}`, "recovered", `${d.note}: nothing to do`);
          this.refused = null;
        }
        this.setPhase("watching", d.note);
        return;
      case "wait":
        this.setPhase("suspect", d.reason);
        return;
      case "adopt":
        this.record("adopt", `the controller now knows ${d.primary} as the primary (${d.reason})`, { host: d.primary });
        this.primary = d.primary;
        this.lastSync = null;
        this.save();
        return;
      case "refuse":
        this.refused = { at: monoNow(), reason: d.reason, candidate: d.candidate, sync: d.sync };
        this.setPhase("refused", `not promoting${d.candidate ? ` ${d.candidate}` : ""}: ${d.sync.reason}`);
        this.once(
          `refuse:${d.from}:${d.candidate}:${d.sync.reason}`,
          "refuse",
          `${d.from} is lost (${d.reason}); refusing to promote${d.candidate ? ` ${d.candidate}` : ""}: ${d.sync.reason}. \`stacklab db failover --force\` promotes anyway.`,
          { host: d.from, candidate: d.candidate },
        );
        return;
      case "conflict":
        this.setPhase("conflict", d.reason);
        this.once(`conflict:${d.writable.join()}`, "conflict", d.reason, { writable: d.writable });
        return;
      case "fence-extra":
        for (const h of d.hosts) {
          const r = await this.client.fence(h, "not the primary", { killFirst: false });
          this.record("fence", `fenced ${h} (read-only, ${r.killed} app connections cut): ${d.reason}`, { host: h });
        }
        return;
      case "unfence":
        await unfence(this.ctx(), d.host, d.reason);
        // judged again only from a look taken after: one started before shows it still fenced (it was unfenced twice)
        this.promotedNow(d.host);
        return;
      case "rejoin": {
        this.record("rejoin", `${d.host} rejoins as a replica of ${d.primary} (${d.reason})`, { host: d.host });
        const r = await rejoin(this.ctx(), d.host, d.primary);
        // A diverged server is judged again at the next step from a look taken after the rejoin (staleLook): rebuilt
        // when autoRebuild is on, else left for a person (noteDiverged); not blocked for 30 s.
        // A busy agent (another action under way, e.g. a self-unfence waiting for the lease's key right after a
        // partition healed) is asked again a second later: blocking it for 30 s left the tier without a replica.
        if (r.outcome === "diverged") delete this.rejoinBlocked[d.host];
        else if (r.outcome !== "streaming") this.rejoinBlocked[d.host] = { until: monoNow() + (r.outcome === "busy" ? REJOIN_BUSY_RETRY_MS : 30_000), detail: `${r.outcome}: ${r.detail}` };
        else delete this.rejoinBlocked[d.host];
        return;
      }
      case "rebuild":
        this.startRebuild(d.host, d.primary, d.reason);
        return;
      case "failover":
        await this.runFailover(d, input, false);
        return;
    }
  }

  /**
   * Rebuilds a diverged replica from the primary through its agent, in the background: a copy takes seconds to
   * minutes, and the controller must keep watching the primary meanwhile (the host is left out of its rejoins).
   */
  private startRebuild(host: string, primary: string, reason: string): void {
    if (this.rebuilding.has(host)) return;
    this.rebuilding.add(host);
    if (!this.diverged.has(host)) {
      this.diverged.add(host);
      this.save();
    }
    this.rejoinBlocked[host] = { until: monoNow() + REBUILD_TIMEOUT_MS, detail: `being rebuilt from ${primary}` };
    this.record("rebuild", `rebuilding ${host} from ${primary}: ${reason}; what only ${host} holds is saved to a file first`, { host, primary, outcome: "started" });
    void this.client
      .rebuild(host, primary, this.addresses[primary]!)
      .then((r) => {
        const kept = r.saved
          ? `; the ${r.saved.gtids.length} transaction(s) only ${host} held (${r.saved.gtids.join(", ")}) are kept in ${host}:${r.saved.file} (none of them was acknowledged to a client: with lossless semi-sync a commit is acknowledged only once a replica has it, unless a failover was forced)`
          : `; it held no transaction of its own that ${primary} lacks`;
        const follows = r.follow.outcome === "streaming" ? `follows ${primary}` : `does not stream from ${primary} yet (${r.follow.outcome}${r.follow.detail ? `: ${r.follow.detail}` : ""})`;
        this.record("rebuild", `${host}'s data replaced by a copy of ${primary}'s at ${r.pos} (${r.bytes} bytes in ${r.ms} ms); it ${follows}${kept}`, {
          host,
          primary,
          pos: r.pos,
          outcome: r.follow.outcome === "streaming" ? "done" : r.follow.outcome,
          ...(r.saved ? { saved: r.saved.file, gtids: r.saved.gtids } : {}),
        });
        if (r.follow.outcome === "streaming") delete this.rejoinBlocked[host];
        else this.rejoinBlocked[host] = { until: monoNow() + 30_000, detail: `rebuilt, but ${r.follow.outcome}: ${r.follow.detail}` };
      })
      .catch((e: unknown) => {
        const error = e instanceof Error ? e.message : String(e);
        this.record("rebuild", `rebuilding ${host} from ${primary} failed (tried again in 30 s): ${error}`, { host, primary, outcome: "error" });
        this.rejoinBlocked[host] = { until: monoNow() + 30_000, detail: `rebuild failed: ${error}` };
      })
      .finally(() => {
        this.changedAt[host] = monoNow();
        this.rebuilding.delete(host);
      });
  }

  /**
   * A replica told to follow the primary may find out only later that it diverged: its IO thread was still
   * connecting when the repoint stopped watching (a slow TLS handshake on a busy machine), then stopped on error
   * 1236. It follows the right primary, so no repoint is due; the event log must still say it diverged, once.
   * A look started before the controller's last rejoin or rebuild of the server ended shows it as it was (following
   * nobody, or still connecting): it neither forgets a divergence the rejoin found nor finds one. (It did: the
   * rejoin recorded the divergence, the next step's stale look made the controller forget it, and the look after
   * made it record it again.)
   * With autoRebuild off, the step that would have rebuilt it (it follows the primary, its look is fresh, nothing
   * blocks it) records instead, once per divergence, that it is left as it is for a person.
   */
  private noteDiverged(input: DecideInput): void {
    const before = this.divergedKey();
    this.noteEachDiverged(input);
    if (this.divergedKey() !== before) this.save();
  }

  private noteEachDiverged(input: DecideInput): void {
    const primary = this.primary;
    for (const h of this.hosts) {
      if (this.staleLook(h)) continue;
      const why = primary && h !== primary ? divergence(this.tracks[h]?.last ?? null, this.addresses[primary]) : null;
      if (!primary || !why) {
        this.diverged.delete(h);
        this.left.delete(h);
        continue;
      }
      if (this.rebuilding.has(h)) continue;
      if (!this.diverged.has(h)) {
        this.diverged.add(h);
        this.record("repoint", `${h} holds transactions ${primary} never had: ${why}`, { host: h, outcome: "diverged" });
        // The rejoin that ended while its IO thread was still connecting blocked it for 30 s: judged at the next step instead.
        delete this.rejoinBlocked[h];
        continue;
      }
      if (this.cfg.autoRebuild !== false || this.left.has(h) || !diverged(input, h, primary) || input.rejoinBlocked?.includes(h)) continue;
      this.left.add(h);
      this.record(
        "leave",
        `${h} is left as it is, diverged from ${primary}, for a person to inspect (autoRebuild is off): \`stacklab db rejoin ${h} --rebuild\` saves what only it holds to a file and rebuilds it from ${primary}`,
        { host: h, primary, outcome: "left" },
      );
    }
  }

  private async runFailover(d: Extract<Decision, { action: "failover" }>, input: DecideInput, forced: boolean): Promise<FailoverRecord> {
    const old = this.tracks[d.from]!;
    const lastSeenAt = old.lastOkAt ?? this.startedAt;
    const detectedAt = monoNow();
    this.setPhase("failing-over", `${d.from} -> ${d.to}`);
    this.record("detect", `${d.from} is lost: ${d.reason} (last seen ${detectedAt - lastSeenAt} ms ago)`, { host: d.from, lastSeenAt, sinceLastSeenMs: detectedAt - lastSeenAt });
    this.record("decide", `promoting ${d.to}${forced ? " (forced)" : ""}: ${d.sync.reason}`, { host: d.to, inSync: d.sync.inSync, forced });
    const agentAnswers = old.lastOkAt !== null && detectedAt - old.lastOkAt < TIMING.deadAfterMs;
    const result = await failover(this.ctx(), d.from, d.to, d.others, { lossless: d.sync.inSync, agentAnswers });
    const rec: FailoverRecord = {
      kind: "failover",
      at: Date.now() - (monoNow() - detectedAt),
      from: d.from,
      to: d.to,
      ok: result.ok,
      forced,
      lastSeenAt,
      totalMs: monoNow() - lastSeenAt,
      sync: d.sync,
      result,
    };
    if (result.ok) {
      this.primary = d.to;
      this.promotedNow(d.to);
      this.lastSync = null;
      this.refused = null;
      this.record("done", `failover done: ${d.to} is the primary; writes go to it ${rec.totalMs} ms after ${d.from} was last seen (${monoNow() - detectedAt} ms after detection)`, {
        host: d.to,
        totalMs: rec.totalMs,
        sinceDetectMs: monoNow() - detectedAt,
      });
    }
    this.failovers = [...this.failovers, rec].slice(-20);
    this.setPhase(result.ok ? "watching" : "refused", result.ok ? `${d.to} is the primary` : `failover failed: ${result.error}`);
    void input;
    this.save();
    return rec;
  }

  private setPhase(phase: Phase, note: string): void {
    const changed = phase !== this.phase;
    this.phase = phase;
    this.note = note;
    if (changed) this.log(`${phase}: ${note}`);
    writeMetrics(this.cfg.metricsFile, {
      primary: this.primary,
      state: phase,
      lastFailover:
        this.failovers
          .filter((f) => f.ok)
          .map((f) => ({ from: f.from, to: f.to, at: f.at }))
          .pop() ?? null,
      failovers: this.failovers.filter((f) => f.ok && f.kind === "failover").length,
    });
  }

  private save(): void {
    mkdirSync(dirname(this.cfg.stateFile), { recursive: true });
    const tmp = `${this.cfg.stateFile}.tmp`;
    const published: Published = { primary: this.primary, known: [...this.known], diverged: [...this.diverged], left: [...this.left] };
    writeFileSync(tmp, JSON.stringify({ ...published, failovers: this.failovers } satisfies Persisted));
    renameSync(tmp, this.cfg.stateFile);
    if (this.mayAct()) this.publish(published);
  }

  /** The state for `GET /state`. */
  state(): ControllerState {
    const input = this.input();
    const candidate = rankCandidates(input)[0] ?? null;
    const now = monoNow();
    return {
      host: this.cfg.host,
      leading: this.mayAct(),
      now,
      startedAt: this.startedAt,
      phase: this.phase,
      primary: this.primary,
      note: this.note,
      refused: this.refused,
      lastSync: this.lastSync,
      ifPrimaryDied: { candidate, sync: candidate ? syncVerdict(input, candidate, now) : { inSync: false, reason: "no replica could take over" } },
      agents: this.hosts.map((h) => ({
        host: h,
        answering: this.tracks[h]!.lastOkAt !== null && now - this.tracks[h]!.lastOkAt! < TIMING.deadAfterMs,
        lastOkAt: this.tracks[h]!.lastOkAt,
        failures: this.tracks[h]!.failures,
      })),
      failovers: this.failovers,
      rejoinBlocked: this.rejoinBlocked,
      rebuilding: [...this.rebuilding],
      diverged: [...this.diverged].filter((h) => !this.rebuilding.has(h)),
      autoRebuild: this.cfg.autoRebuild !== false,
    };
  }

  /** Serves the controller's API: GET /state, POST /failover {to, force}, POST /rejoin {host}. */
  async handle(r: JsonRequest): Promise<{ status: number; body: unknown }> {
    const route = `${r.method} ${r.path}`;
    if (route === "GET /state") return { status: 200, body: this.state() };
    if (!r.trusted) throw new HttpError(401, "missing or wrong token");
    if (!this.mayAct()) throw new HttpError(409, `the failover controller on ${this.cfg.host} stands by: another controller holds the etcd leader key; ask that one`);
    const body = (r.body ?? {}) as Record<string, unknown>;
    if (route === "POST /failover") return { status: 200, body: await this.manualFailover(typeof body.to === "string" ? body.to : undefined, body.force === true) };
    if (route === "POST /rejoin") {
      const host = String(body.host ?? "");
      if (!this.hosts.includes(host)) throw new HttpError(400, `${host} is not a database host (${this.hosts.join(", ")})`);
      if (host === this.primary) throw new HttpError(400, `${host} is the primary`);
      return {
        status: 200,
        body: await this.exclusive(async () => {
          delete this.rejoinBlocked[host];
          this.record("rejoin", `${host} rejoins as a replica of ${this.primary} (asked by a person)`, { host });
          return rejoin(this.ctx(), host, this.primary!);
        }),
      };
    }
    throw new HttpError(404, `no route ${route}`);
  }

  /**
   * Runs a person's request once the controller is between steps. Each poll may act for a moment (repointing a
   * replica takes a few seconds): a request that lands then waits for that step instead of failing, and is refused
   * as busy only when the controller stays busy for MANUAL_WAIT_MS.
   */
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = monoNow() + MANUAL_WAIT_MS;
    while (this.busy) {
      if (monoNow() >= deadline) throw new HttpError(409, `the controller is busy (${this.phase}: ${this.note})`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // No await between the check above and this line: a poll cannot start in between.
    this.busy = true;
    try {
      return await fn();
    } finally {
      this.busy = false;
    }
  }

  /** A person asked for a failover: a planned switchover while the primary is up, else a failover (forced if asked). */
  private manualFailover(to: string | undefined, force: boolean): Promise<FailoverRecord> {
    return this.exclusive(async () => {
      if (to !== undefined && !this.hosts.includes(to)) throw new HttpError(400, `${to} is not a database host (${this.hosts.join(", ")})`);
      if (to === this.primary) throw new HttpError(400, `${to} is already the primary`);
      const input = this.input();
      const health = primaryHealth(input);
      if (health.state === "up") {
        const target = to ?? rankCandidates(input)[0];
        if (!target) throw new HttpError(409, "no replica answers and replicates: nothing to switch over to");
        const from = this.primary!;
        const others = this.hosts.filter((h) => h !== from && h !== target && this.tracks[h]!.last?.db.up);
        this.setPhase("switching-over", `${from} -> ${target}`);
        this.record("switchover", `planned switchover from ${from} to ${target} (asked by a person)`, { from, to: target });
        const started = monoNow();
        const startedWall = Date.now();
        const result = await switchover(this.ctx(), from, target, others);
        const rec: FailoverRecord = {
          kind: "switchover",
          at: startedWall,
          from,
          to: target,
          ok: result.ok,
          forced: false,
          totalMs: monoNow() - started,
          ...(result.pauseMs !== undefined ? { pauseMs: result.pauseMs } : {}),
          sync: { inSync: true, reason: "planned: the new primary applied every write first" },
          result,
        };
        if (result.ok) {
          this.primary = target;
          this.promotedNow(target);
          this.lastSync = null;
        }
        this.failovers = [...this.failovers, rec].slice(-20);
        this.setPhase("watching", result.ok ? `${target} is the primary` : `switchover failed: ${result.error}`);
        this.save();
        return rec;
      }
      const d = decide(input, { force, ...(to ? { to } : {}) });
      if (d.action === "failover") return this.runFailover(d, input, force && !d.sync.inSync);
      if (d.action === "refuse") {
        this.record("refuse", `failover asked by a person refused: ${d.reason}; ${d.sync.reason}${force ? "" : ". Add --force to promote anyway."}`, { candidate: d.candidate });
        throw new HttpError(409, `${d.reason}; ${d.sync.reason}${force ? "" : " (add --force to promote anyway)"}`);
      }
      throw new HttpError(409, `not now: ${"reason" in d ? d.reason : d.note}`);
    });
  }
}
