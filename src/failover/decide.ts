// The controller's judgement, as pure functions: from what it has seen to what it should do.
import { compareGtid, gtidCovers, gtidDistance } from "./gtid.js";
import { isWritablePrimary, reachedPos } from "./observe.js";
import type { AgentStatus } from "./types.js";

/** What the controller remembers of one database host's agent. */
export interface HostTrack {
  /** The last status its agent gave. */
  last: AgentStatus | null;
  /** When its agent last answered. */
  lastOkAt: number | null;
  /** First failed call since it last answered (null while it answers). */
  firstFailAt: number | null;
  failures: number;
}

/** The last moment the primary was seen replicating semi-synchronously, and to whom. */
export interface SyncMark {
  at: number;
  primary: string;
  /** Rpl_semi_sync_master_status: ON while commits wait for a replica's acknowledgement. */
  masterStatus: boolean;
  clients: number;
  gtid: string;
  /** Replicas that were streaming from it and acknowledging at that moment. */
  replicas: string[];
}

/** Whether promoting a replica keeps every acknowledged write, and why. */
export interface SyncVerdict {
  inSync: boolean;
  reason: string;
}

export interface DecideInput {
  now: number;
  /** Database hosts in model order. */
  hosts: string[];
  /** Private address of each database host. */
  addresses: Record<string, string>;
  /** Who the controller believes is the primary. */
  primary: string | null;
  tracks: Record<string, HostTrack>;
  lastSync: SyncMark | null;
  replication: "none" | "async" | "semisync";
  deadAfterMs: number;
  confirmFailures: number;
  semisyncTimeoutMs: number;
  /** Hosts whose last rejoin failed recently (not retried yet). */
  rejoinBlocked?: string[];
  /** Hosts the controller may make follow the primary on its own (default: all); a lab being set up is left alone. */
  rejoinable?: string[];
  /** A replica found diverged is rebuilt from the primary (default: false, the divergence is only recorded). */
  autoRebuild?: boolean;
  /**
   * With a primary lease: the last read of the primary key in etcd, who held it (null: nobody) and when the read
   * was sent. Absent: no lease, or not read yet.
   */
  leaseKey?: { holder: string | null; readAt: number };
}

/** How the primary looks. */
export type PrimaryHealth =
  | { state: "up" }
  | { state: "suspect"; reason: string }
  | { state: "dead"; reason: string; since: number }
  /** Reachable but read-only (restarted, or fenced): positions can be compared exactly. */
  | { state: "fenced"; reason: string };

/** What to do now. */
export type Decision =
  | { action: "none"; note: string }
  | { action: "wait"; reason: string }
  | { action: "adopt"; primary: string; reason: string }
  | { action: "failover"; from: string; to: string; reason: string; sync: SyncVerdict; others: string[] }
  | { action: "refuse"; from: string; reason: string; candidate: string | null; sync: SyncVerdict }
  | { action: "unfence"; host: string; reason: string }
  | { action: "fence-extra"; hosts: string[]; reason: string }
  | { action: "conflict"; writable: string[]; reason: string }
  | { action: "rejoin"; host: string; primary: string; reason: string }
  /** `host` follows the primary but holds transactions it never had: its data is replaced by a copy of the primary's. */
  | { action: "rebuild"; host: string; primary: string; reason: string };

/** MariaDB's answer to a replica asking for a GTID position the primary's binary log does not hold: it diverged. */
export const DIVERGED_ERRNO = 1236;

/**
 * Whether the replica `h` diverged from `primary`: it follows it, and either its IO thread stopped on error 1236 (it
 * asked for transactions after ones the primary never had) or its agent's follow found its binary log ahead of the
 * primary's (a primary that has written nothing of its own since lets such a server connect). A replica merely
 * behind streams and catches up by GTID.
 */
export function diverged(input: DecideInput, h: string, primary: string): boolean {
  return divergence(input.tracks[h]?.last ?? null, input.addresses[primary]) !== null;
}

/** What shows that the server of `status` diverged from the primary at `primaryAddress` (its words), or null. */
export function divergence(status: Pick<AgentStatus, "db" | "diverged"> | null, primaryAddress: string | undefined): string | null {
  const r = status?.db.replica;
  if (!r || !primaryAddress || r.masterHost !== primaryAddress) return null;
  if (r.io !== "Yes" && r.lastIoErrno === DIVERGED_ERRNO) return r.lastIoError || `error ${DIVERGED_ERRNO}`;
  if (status?.diverged?.primaryAddress === primaryAddress) return status.diverged.detail;
  return null;
}

const fresh = (t: HostTrack | undefined, now: number, ms: number): t is HostTrack & { last: AgentStatus } => Boolean(t?.last && t.lastOkAt !== null && now - t.lastOkAt < ms);

/** Judges the believed primary from its own agent and, when that is silent, from the replicas' pings. */
export function primaryHealth(input: DecideInput): PrimaryHealth {
  const { now, primary, tracks, deadAfterMs } = input;
  if (!primary) return { state: "suspect", reason: "no primary known" };
  const t = tracks[primary];
  if (fresh(t, now, deadAfterMs)) {
    const s = t.last;
    if (s.db.up && isWritablePrimary(s.db)) return { state: "up" };
    if (s.db.up)
      return { state: "fenced", reason: s.selfFenced ? `${primary} fenced itself: ${s.selfFenced.reason}` : `${primary} answers but is read-only${s.db.replica ? " and follows another server" : ""}` };
    const downFor = now - (s.dbLastOkAt ?? s.startedAt);
    if (downFor >= deadAfterMs) return { state: "dead", reason: `MariaDB on ${primary} has not answered its own agent for ${downFor} ms`, since: s.dbLastOkAt ?? s.startedAt };
    return { state: "suspect", reason: `MariaDB on ${primary} stopped answering its agent ${downFor} ms ago` };
  }
  const silentFor = t?.lastOkAt ? now - t.lastOkAt : Infinity;
  if (silentFor < deadAfterMs) return { state: "suspect", reason: `no answer from ${primary}'s agent for ${silentFor} ms` };
  // With a primary lease, etcd is a witness too: a silent primary that no longer holds the key (read after it went
  // silent) is read-only, or its agent is gone and no proxy sends it writes (they ask the agent): it may be replaced
  // even while a replica still reaches its MariaDB (it was cut off from etcd and the controllers only).
  const k = input.leaseKey;
  if (k && t?.lastOkAt != null && k.holder !== primary && k.readAt > t.lastOkAt) {
    const since = t?.firstFailAt ?? t?.lastOkAt ?? now;
    const ms = Number.isFinite(silentFor) ? `${silentFor} ms` : "ever";
    return { state: "dead", reason: `no answer from ${primary} for ${ms}, and it does not hold the primary lease in etcd any more${k.holder ? ` (${k.holder} does)` : ""}: it went read-only`, since };
  }
  // Second opinion: every replica that answers must also fail to reach the primary's database.
  const address = input.addresses[primary];
  const witnesses = input.hosts.filter((h) => h !== primary && fresh(tracks[h], now, deadAfterMs));
  const seeing = witnesses.filter((h) => {
    const p = tracks[h]!.last!.probe;
    return p && p.target === address && p.ok;
  });
  if (seeing.length) return { state: "suspect", reason: `${primary}'s agent is silent, but ${seeing.join(", ")} still reach${seeing.length === 1 ? "es" : ""} its database` };
  const confirming = witnesses.filter((h) => {
    const p = tracks[h]!.last!.probe;
    const db = tracks[h]!.last!.db;
    return (p && p.target === address && p.failures >= input.confirmFailures) || (db.replica !== null && db.replica.masterHost === address && db.replica.io !== "Yes");
  });
  if (!witnesses.length) return { state: "suspect", reason: `${primary}'s agent is silent and no replica's agent answers to confirm` };
  if (confirming.length < witnesses.length) return { state: "suspect", reason: `${primary}'s agent is silent; waiting for ${witnesses.filter((w) => !confirming.includes(w)).join(", ")} to confirm` };
  const since = t?.firstFailAt ?? t?.lastOkAt ?? now;
  const ms = Number.isFinite(silentFor) ? `${silentFor} ms` : "ever";
  return { state: "dead", reason: `no answer from ${primary} for ${ms}; ${confirming.join(", ")} cannot reach its database either`, since };
}

/** Replicas that could take over, most advanced first (by the furthest GTID they hold, then model order). */
export function rankCandidates(input: DecideInput): string[] {
  const { now, primary, tracks, deadAfterMs } = input;
  const usable = input.hosts.filter((h) => {
    if (h === primary || !fresh(tracks[h], now, deadAfterMs)) return false;
    const db = tracks[h]!.last!.db;
    return db.up && db.replica !== null && db.replica.lastSqlErrno === 0;
  });
  return usable.sort((a, b) => {
    const order = compareGtid(reachedPos(tracks[a]!.last!.db), reachedPos(tracks[b]!.last!.db));
    if (order === "ahead") return -1;
    if (order === "behind") return 1;
    return input.hosts.indexOf(a) - input.hosts.indexOf(b);
  });
}

/** Whether `candidate` holds every write the dead primary acknowledged, judged from the last semi-sync mark. */
export function syncVerdict(input: DecideInput, candidate: string, failedSince: number): SyncVerdict {
  if (input.replication !== "semisync")
    return { inSync: false, reason: `replication is ${input.replication === "none" ? "not set up" : "asynchronous"}: writes the primary acknowledged may be on no replica` };
  const mark = input.lastSync;
  if (!mark || mark.primary !== input.primary) return { inSync: false, reason: "the controller never saw the primary replicating semi-synchronously" };
  if (!mark.masterStatus) return { inSync: false, reason: `semi-synchronous replication had fallen back to asynchronous when ${mark.primary} was last seen (Rpl_semi_sync_master_status OFF)` };
  if (mark.clients === 0) return { inSync: false, reason: `no replica was acknowledging ${mark.primary}'s writes when it was last seen` };
  const gap = failedSince - mark.at;
  if (gap > input.semisyncTimeoutMs)
    return { inSync: false, reason: `${mark.primary} was last seen in sync ${gap} ms before it failed, longer than the ${input.semisyncTimeoutMs} ms after which it falls back to asynchronous` };
  if (!mark.replicas.includes(candidate)) return { inSync: false, reason: `${candidate} was not acknowledging ${mark.primary}'s writes when it was last seen in sync` };
  return { inSync: true, reason: `${mark.primary} was replicating semi-synchronously ${Math.max(0, gap)} ms before it failed, and ${candidate} holds the furthest position` };
}

/** Decides the next step from what the controller has seen. `force` promotes even when no replica is known to be in sync. */
export function decide(input: DecideInput, opts: { force?: boolean; to?: string } = {}): Decision {
  const { now, tracks, deadAfterMs } = input;
  const live = input.hosts.filter((h) => fresh(tracks[h], now, deadAfterMs));
  const writable = live.filter((h) => isWritablePrimary(tracks[h]!.last!.db));
  const primary = input.primary;

  if (writable.length > 1) {
    if (primary && writable.includes(primary))
      return { action: "fence-extra", hosts: writable.filter((h) => h !== primary), reason: `${writable.join(" and ")} all take writes; only ${primary} is the primary` };
    return { action: "conflict", writable, reason: `${writable.join(" and ")} all take writes and none is the known primary: a person must choose` };
  }
  if (writable.length === 1 && writable[0] !== primary) return { action: "adopt", primary: writable[0]!, reason: `${writable[0]} is the only server taking writes` };
  if (!primary) return { action: "none", note: "no primary known yet" };

  const health = primaryHealth(input);
  if (health.state === "up") {
    for (const h of live) {
      if (h === primary || input.rejoinBlocked?.includes(h) || (input.rejoinable && !input.rejoinable.includes(h))) continue;
      const db = tracks[h]!.last!.db;
      if (!db.up) continue;
      if (!db.replica) return { action: "rejoin", host: h, primary, reason: `${h} follows no server` };
      if (db.replica.masterHost !== input.addresses[primary]) return { action: "rejoin", host: h, primary, reason: `${h} follows ${db.replica.masterHost}, not ${primary}` };
      const why = input.autoRebuild ? divergence(tracks[h]!.last, input.addresses[primary]) : null;
      if (why) return { action: "rebuild", host: h, primary, reason: `${h} holds transactions ${primary} never had (${why})` };
    }
    return { action: "none", note: `${primary} is up` };
  }
  if (health.state === "suspect") return { action: "wait", reason: health.reason };

  const ranked = rankCandidates(input);
  const wanted = opts.to ?? ranked[0] ?? null;
  if (opts.to && !ranked.includes(opts.to))
    return {
      action: "refuse",
      from: primary,
      reason: `${opts.to} cannot take over: its agent does not answer, or it is not a working replica`,
      candidate: null,
      sync: { inSync: false, reason: "no candidate" },
    };
  if (!wanted && health.state === "fenced" && input.leaseKey) {
    // With a primary lease only, and no replica to compare with (the other servers follow nobody, or do not
    // answer): a fenced primary that holds every transaction each answering server holds takes writes again (its
    // lease fence when etcd was slow to renew removed no replica). The promotion takes the primary key first, so a
    // server that lost it to another cannot. (Without a lease the controller keeps refusing here, as before.)
    const old = tracks[primary]!.last!.db;
    const others = live.filter((h) => h !== primary && tracks[h]!.last!.db.up);
    const behind = others.filter((h) => !gtidCovers(old.gtidBinlogPos, reachedPos(tracks[h]!.last!.db)));
    if (!old.replica && !behind.length && !opts.to)
      return { action: "unfence", host: primary, reason: `${health.reason}; no replica follows it, and it holds every transaction the other servers hold, so it takes writes again` };
  }
  if (!wanted)
    return {
      action: "refuse",
      from: primary,
      reason: `${health.reason}; no replica can take over (none answers, or none replicates)`,
      candidate: null,
      sync: { inSync: false, reason: "no candidate" },
    };
  const others = ranked.filter((h) => h !== wanted);

  if (health.state === "fenced") {
    // The old primary answers: compare positions exactly instead of trusting the semi-sync history.
    const old = tracks[primary]!.last!.db;
    const cand = tracks[wanted]!.last!.db;
    const order = compareGtid(reachedPos(cand), old.gtidBinlogPos);
    if (!opts.to && (order === "behind" || order === "equal") && !old.replica)
      return { action: "unfence", host: primary, reason: `${health.reason}; it holds every transaction the replicas hold, so it takes writes again` };
    if (gtidCovers(reachedPos(cand), old.gtidBinlogPos))
      return {
        action: "failover",
        from: primary,
        to: wanted,
        reason: health.reason,
        sync: { inSync: true, reason: `${wanted} holds everything ${primary} has (${old.gtidBinlogPos || "empty"})` },
        others,
      };
    const sync = {
      inSync: false,
      reason: order === "diverged" ? `${wanted} and ${primary} hold different histories` : `${wanted} is ${gtidDistance(old.gtidBinlogPos, reachedPos(cand))} transactions behind ${primary}`,
    };
    if (opts.force) return { action: "failover", from: primary, to: wanted, reason: `${health.reason} (forced)`, sync, others };
    return { action: "refuse", from: primary, reason: health.reason, candidate: wanted, sync };
  }

  const best = ranked[0]!;
  if (wanted !== best && compareGtid(reachedPos(tracks[best]!.last!.db), reachedPos(tracks[wanted]!.last!.db)) === "ahead" && !opts.force)
    return { action: "refuse", from: primary, reason: `${health.reason}; ${wanted} is behind ${best}`, candidate: wanted, sync: { inSync: false, reason: `${wanted} is behind ${best}` } };
  const sync = syncVerdict(input, wanted, health.since);
  if (!sync.inSync && !opts.force) return { action: "refuse", from: primary, reason: health.reason, candidate: wanted, sync };
  return { action: "failover", from: primary, to: wanted, reason: opts.force && !sync.inSync ? `${health.reason} (forced)` : health.reason, sync, others };
}

/** The sync mark to remember from the current statuses (call it when the primary's agent has just answered). */
export function syncMark(input: DecideInput): SyncMark | null {
  const { primary, tracks, now, deadAfterMs } = input;
  if (!primary) return null;
  const t = tracks[primary];
  if (!fresh(t, now, deadAfterMs) || !isWritablePrimary(t.last.db)) return null;
  const address = input.addresses[primary];
  const replicas = input.hosts.filter((h) => {
    if (h === primary || !fresh(tracks[h], now, deadAfterMs)) return false;
    const db = tracks[h]!.last!.db;
    return db.up && db.semisync.slaveStatus && db.replica !== null && db.replica.masterHost === address && db.replica.io === "Yes";
  });
  const s = t.last.db.semisync;
  return { at: t.last.db.at, primary, masterStatus: s.masterStatus, clients: s.masterClients, gtid: t.last.db.gtidBinlogPos, replicas };
}
