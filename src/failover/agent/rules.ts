// The agent's own judgements, as pure functions: what to tell the database proxies, and when to fence itself.
import { isWritablePrimary, type DbObservation } from "../observe.js";
import { TIMING } from "../timing.js";

/** What the agent knows when it answers a check. */
export interface AnswerInput {
  now: number;
  db: DbObservation | null;
  selfFenced: boolean;
  /** Promoted and writable, still forgetting its old primary (the replica threads stop in the background). */
  promoting?: boolean;
  /** With a primary lease in etcd: whether this agent holds the primary key with time to spare (absent: no lease). */
  leaseHeld?: boolean;
  /** The primary this server was last found diverged from, by address (absent: not found diverged). */
  divergedFrom?: string;
}

/** A look older than this is not trusted for an answer. */
export const STALE_MS = 1000;

function unusable(i: AnswerInput): string | null {
  if (!i.db || i.now - i.db.at > STALE_MS) return "down#no recent look at the local MariaDB";
  if (!i.db.up) return "down#MariaDB does not answer";
  return null;
}

/** The answer to "write": "up" only for a writable primary that has not fenced itself. */
export function writeAnswer(i: AnswerInput): string {
  const bad = unusable(i);
  if (bad) return bad;
  if (i.selfFenced) return "down#fenced itself";
  if (i.db!.readOnly) return "down#read-only";
  if (i.leaseHeld === false) return "down#does not hold the primary lease in etcd";
  if (i.db!.replica) return i.promoting ? "up" : "down#follows another server";
  return isWritablePrimary(i.db) ? "up" : "down#not writable";
}

/**
 * The answer to "replica": "up" for a replica whose SQL thread runs and which is not far behind.
 * A replica whose primary is gone (IO thread reconnecting) keeps serving what it has: reads go on.
 * One whose IO thread stopped on an error (e.g. it diverged) does not.
 */
export function replicaAnswer(i: AnswerInput): string {
  const bad = unusable(i);
  if (bad) return bad;
  const r = i.db!.replica;
  if (!r) return "down#not a replica";
  // Its data has transactions the primary never had, even if MariaDB, restarted, streams again from it.
  if (i.divergedFrom === r.masterHost) return "down#diverged from its primary";
  if (!r.sqlRunning) return `down#SQL thread stopped${r.lastSqlErrno ? ` (error ${r.lastSqlErrno})` : ""}`;
  if (r.io === "No" && r.lastIoErrno) return `down#IO thread stopped (error ${r.lastIoErrno})`;
  if (r.io === "Yes" && r.secondsBehind !== null && r.secondsBehind > TIMING.maxReadLagS) return `down#${r.secondsBehind} s behind`;
  return "up";
}

/** What the self-fence rule looks at. */
export interface SelfFenceInput {
  now: number;
  /** Only with a controller: without one nobody promotes behind the primary's back. */
  enabled: boolean;
  db: DbObservation | null;
  /** When the controller last talked to this agent (null: never). */
  controllerSeenAt: number | null;
  /** Semi-sync was on, with a replica connected, when the controller last talked to this agent. */
  inSyncAtContact: boolean;
  /** Since when a commit has been waiting for an acknowledgement with none arriving (null: none waiting). */
  stuckSince: number | null;
}

/**
 * Why the primary should fence itself now, or null. It does when the controller has been silent long enough
 * to have declared it dead, the controller last saw it in sync (so it may have promoted a replica), and its
 * replica is gone: a write it took now could be acknowledged without any replica having it, then lost.
 */
export function selfFenceReason(i: SelfFenceInput): string | null {
  if (!i.enabled || !isWritablePrimary(i.db) || i.controllerSeenAt === null) return null;
  const silent = i.now - i.controllerSeenAt;
  if (silent < TIMING.selfFenceSilenceMs || !i.inSyncAtContact) return null;
  const s = i.db!.semisync;
  const why = !s.masterStatus
    ? "semi-synchronous replication fell back to asynchronous"
    : s.masterClients === 0
      ? "no replica is connected"
      : i.stuckSince !== null && i.now - i.stuckSince >= TIMING.stuckCommitMs
        ? `a commit has waited ${i.now - i.stuckSince} ms for a replica's acknowledgement`
        : null;
  return why ? `no word from the failover controller for ${silent} ms and ${why}: it may have promoted a replica` : null;
}

/** True when a look shows a fenced primary (read-only, following nobody) whose `replicas` other servers all stream from it again, semi-synchronously, with no commit waiting. */
export function replicasBack(db: DbObservation | null, replicas: number): boolean {
  if (!db?.up || !db.readOnly || db.replica || replicas < 1) return false;
  const s = db.semisync;
  return s.masterStatus && s.masterClients >= replicas && s.waitSessions === 0;
}

/** What the self-unfence rule looks at. */
export interface SelfUnfenceInput {
  now: number;
  /** Only where self-fencing exists (a controller in the design). */
  enabled: boolean;
  db: DbObservation | null;
  /** When this server fenced itself (null: it did not, or something else cleared it). */
  fencedAt: number | null;
  /** When the controller last talked to this agent (null: never). */
  controllerSeenAt: number | null;
  /** How many other database servers the design has: every one must stream from this one again. */
  replicas: number;
  /** Since when every look has shown `replicasBack` (null: the last one did not). */
  backSince: number | null;
}

/**
 * Why a primary that fenced itself may take writes again on its own, or null. The fence guarded against the
 * controller promoting a replica behind its back. A promoted replica never follows its old primary again (it
 * forgets it: RESET SLAVE ALL, and the controller makes the old primary follow the new one, never the reverse).
 * So when, after the fence, every other server streams from this one again, acknowledging semi-synchronously,
 * without a break for `TIMING.selfUnfenceAfterMs` (far longer than a promotion takes to stop its replication),
 * none was promoted, and this server holds everything they hold (a replica asking for a position its binary
 * log does not have is refused, error 1236, and is never a connected client). Taking writes then returns to the
 * normal state, with the self-fence still armed: a write it acknowledges is on a replica (semi-sync), and if the
 * replica goes again while the controller stays silent, it fences again.
 * While the controller talks to it, the controller decides (it gives writes back to a fenced primary holding
 * everything the replicas hold): the agent does not race it.
 */
export function selfUnfenceReason(i: SelfUnfenceInput): string | null {
  if (!i.enabled || i.fencedAt === null || !replicasBack(i.db, i.replicas)) return null;
  if (i.controllerSeenAt !== null && i.controllerSeenAt > i.fencedAt && i.now - i.controllerSeenAt < TIMING.selfFenceSilenceMs) return null;
  if (i.backSince === null || i.backSince <= i.fencedAt) return null;
  const back = i.now - i.backSince;
  if (back < TIMING.selfUnfenceAfterMs) return null;
  const who = i.replicas === 1 ? "its replica has" : `all ${i.replicas} other servers have`;
  return `${who} streamed from it again, acknowledging semi-synchronously, for ${back} ms since it fenced itself: none was promoted (a promoted replica never follows its old primary again), so it takes writes again`;
}
