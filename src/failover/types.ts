// What agents report and what the controller and the CLI exchange with them.
import type { DbObservation } from "./observe.js";

/** How a replica's agent sees the primary it follows (the second opinion on a primary's death). */
export interface PrimaryProbe {
  /** Address pinged (the Master_Host the replica follows). */
  target: string;
  ok: boolean;
  /** Failed pings in a row. */
  failures: number;
  lastOkAt: number | null;
  lastError?: string;
}

/** What one kind of check last answered to one database proxy. */
export interface CheckAnswer {
  answer: string;
  /** Since when this proxy has been given this answer without a break. */
  since: number;
  lastAt: number;
}

/** An agent's whole report. Its times are on the machine's monotonic clock (clock.ts), `now` included. */
export interface AgentStatus {
  host: string;
  now: number;
  startedAt: number;
  /** The latest look at the local MariaDB. */
  db: DbObservation;
  /** When the local MariaDB last answered. */
  dbLastOkAt: number | null;
  /** Null on a server that follows nobody. */
  probe: PrimaryProbe | null;
  /** The agent fenced its own server (read-only) because it may have been replaced. */
  selfFenced: { at: number; reason: string } | null;
  /** What the checks answer now. */
  answers: { write: string; replica: string };
  /** Per database proxy (by app host name, else address): what it was last told. */
  checkers: Record<string, { write?: CheckAnswer; replica?: CheckAnswer }>;
  /** When the controller last talked to this agent. */
  controllerSeenAt: number | null;
  /** The last follow found the server diverged from this primary (its own check, or MariaDB's error 1236); null or absent: not. */
  diverged?: DivergedMark | null;
  /** The primary lease in etcd (designs with `database.primaryLease`): the lease id, whether the key is held, for how long still. */
  lease?: { lease: string | null; holds: boolean; holdsForMs: number };
}

/** A server found holding transactions a primary never had, by the follow that tried to make it replicate from it. */
export interface DivergedMark {
  primary: string;
  primaryAddress: string;
  detail: string;
}

/** Result of fencing a server. */
export interface FenceResult {
  host: string;
  readOnly: boolean;
  killed: number;
  ms: number;
  /** Empty when MariaDB was stopped (`stopped`): its position is known again once it restarted. */
  gtidBinlogPos: string;
  /** Commits were waiting for a replica: MariaDB was stopped at once instead (it restarts read-only). */
  stopped?: boolean;
}

/** Result of promoting a server. */
export interface PromoteResult {
  host: string;
  /** Position applied before it took writes. */
  gtid: string;
  /** Time spent applying what the relay log still held. */
  applyMs: number;
  ms: number;
}

/** Result of making a server follow another. */
export interface FollowResult {
  host: string;
  primary: string;
  /**
   * "streaming" once its IO thread runs; "diverged" when it holds transactions the primary never had; "busy" when
   * its agent was in the middle of another action (a self-unfence waiting for the key, a restart) and refused.
   */
  outcome: "streaming" | "connecting" | "diverged" | "busy" | "error";
  detail: string;
  /** Where it started following from. */
  gtid: string;
  ms: number;
}

/** Result of an agent rebuilding its own diverged server from the primary. */
export interface RebuildResult {
  host: string;
  primary: string;
  /** The primary's GTID position the copy was taken at: the server follows it from there. */
  pos: string;
  /** Size of the copy, and the whole rebuild's duration. */
  bytes: number;
  ms: number;
  /** The transactions only this server held, saved before its data was replaced (path inside the host); null when it held none. */
  saved: { file: string; gtids: string[] } | null;
  follow: FollowResult;
}

/** What a controller, or the CLI standing in for one, can ask of a database host's agent. */
export interface AgentClient {
  /** The agent's status; `observe` asks without counting as the controller's contact (a standby controller's look). */
  status(host: string, opts?: { observe?: boolean }): Promise<AgentStatus>;
  fence(host: string, reason: string, opts?: { killFirst?: boolean; timeoutMs?: number }): Promise<FenceResult>;
  promote(host: string, opts?: { waitFor?: string; timeoutMs?: number }): Promise<PromoteResult>;
  follow(host: string, primary: string, primaryAddress: string): Promise<FollowResult>;
  /** Saves what only this (diverged, read-only) server holds, replaces its data with a copy of the primary's, makes it follow. */
  rebuild(host: string, primary: string, primaryAddress: string): Promise<RebuildResult>;
  /** Waits until the host applied `gtid`; true when it did within the time. */
  waitApplied(host: string, gtid: string, timeoutMs: number): Promise<boolean>;
}
