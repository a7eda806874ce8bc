// Every delay of the failover machinery in one place, with why it has its value.

export const TIMING = {
  /** The agent looks at its own MariaDB this often (one local socket connection, three small queries). */
  agentPollMs: 100,
  /** A replica's agent pings the primary it follows this often... */
  probeEveryMs: 200,
  /** ...and gives up on one ping after this long (lab hosts share a machine: answers take < 5 ms). */
  probeTimeoutMs: 300,
  /** The controller asks every agent for its status this often... */
  controllerPollMs: 200,
  /** ...and waits this long for an answer. */
  agentCallTimeoutMs: 400,
  /**
   * A controller that stands by (another one holds the etcd leader key) asks every agent this often instead: a
   * takeover waits for the leader's key anyway (seconds), and once it leads it asks every agent again at once
   * and judges only from those fresh looks (controller.ts, takeOver). Part of a lab's idle CPU.
   */
  standbyPollMs: 1000,
  /** The primary counts as lost when the controller has not heard from it (or it has not answered its agent) for this long... */
  deadAfterMs: 800,
  /** ...and every replica that answers saw at least this many pings of it fail in a row (the second opinion). */
  confirmFailures: 2,
  /** A primary fences itself when the controller has been silent this long (before the controller can declare it dead) and its replica stopped acknowledging. */
  selfFenceSilenceMs: 600,
  /**
   * A primary that fenced itself takes writes again when every other server has streamed from it, semi-synchronously,
   * this long without a break (rules.ts, selfUnfenceReason): longer than a promotion takes between making a replica
   * writable and stopping its replication, so a replica being promoted cannot pass for one that follows.
   */
  selfUnfenceAfterMs: 2000,
  /** A commit waiting this long for a replica's acknowledgement means the replica is gone (semi-sync times out later: 3 s, 6 s with the primary lease; render/config/mariadb.ts). */
  stuckCommitMs: 300,
  /** A replica further behind than this (seconds) stops serving reads while its primary is reachable. */
  maxReadLagS: 10,
  /** Promotion waits at most this long for a replica to apply what it received. */
  applyWaitMs: 5000,
  /** A planned switchover waits at most this long for the target to catch up before pausing writes. */
  catchUpMs: 5000,
  /** How long the controller waits after start for the primary to show up before judging it. */
  startupGraceMs: 60_000,
} as const;
