// Builders of agent statuses and controller inputs for the failover unit tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, vi } from "vitest";
import type { ControllerConfig } from "../../src/render/config/failover.js";
import type { DecideInput, HostTrack, SyncMark } from "../../src/failover/decide.js";
import type { DbObservation, ReplicaState } from "../../src/failover/observe.js";
import type { AgentStatus, PrimaryProbe } from "../../src/failover/types.js";

export const NOW = 1_000_000;
export const ADDR: Record<string, string> = { "db-1": "198.18.1.11", "db-2": "198.18.1.12", "db-3": "198.18.1.13" };

/** A database observation; `replicaOf` makes it a streaming replica of that host. */
export function obs(o: Partial<DbObservation> & { replicaOf?: string; io?: ReplicaState["io"]; ioPos?: string } = {}): DbObservation {
  const { replicaOf, io, ioPos, ...rest } = o;
  return {
    at: NOW,
    up: true,
    hostname: "h",
    readOnly: replicaOf !== undefined,
    gtidBinlogPos: "0-1-100",
    gtidCurrentPos: "0-1-100",
    gtidSlavePos: replicaOf ? "0-1-100" : "",
    semisync: { masterStatus: replicaOf === undefined, masterClients: replicaOf === undefined ? 1 : 0, waitSessions: 0, yesTx: 100, noTx: 0, slaveStatus: replicaOf !== undefined },
    replica: replicaOf
      ? { masterHost: ADDR[replicaOf]!, io: io ?? "Yes", sqlRunning: true, gtidIoPos: ioPos ?? "0-1-100", secondsBehind: 0, lastIoErrno: 0, lastIoError: "", lastSqlErrno: 0, lastSqlError: "" }
      : null,
    ...rest,
  };
}

/** An agent status around an observation. */
export function status(host: string, db: DbObservation, probe: PrimaryProbe | null = null): AgentStatus {
  return {
    host,
    now: NOW,
    startedAt: NOW - 60_000,
    db,
    dbLastOkAt: db.up ? db.at : NOW - 5000,
    probe,
    selfFenced: null,
    answers: { write: "up", replica: "down" },
    checkers: {},
    controllerSeenAt: NOW,
  };
}

/** A track whose agent answered `agoMs` ago (null: never). */
export function track(s: AgentStatus | null, agoMs: number | null = 0): HostTrack {
  return { last: s, lastOkAt: agoMs === null ? null : NOW - agoMs, firstFailAt: agoMs && agoMs > 0 ? NOW - agoMs + 200 : null, failures: agoMs && agoMs > 0 ? Math.floor(agoMs / 200) : 0 };
}

/** A probe of `target` with `failures` failed pings in a row. */
export function probe(target: string, failures: number): PrimaryProbe {
  return { target: ADDR[target]!, ok: failures === 0, failures, lastOkAt: NOW - failures * 200 };
}

/** The semi-sync mark taken when db-1 was last seen. */
export function mark(over: Partial<SyncMark> = {}): SyncMark {
  return { at: NOW - 1000, primary: "db-1", masterStatus: true, clients: 1, gtid: "0-1-100", replicas: ["db-2"], ...over };
}

/** A controller input for db-1 (primary) and the given tracks. */
export function input(tracks: Record<string, HostTrack>, over: Partial<DecideInput> = {}): DecideInput {
  return {
    now: NOW,
    hosts: Object.keys(tracks),
    addresses: ADDR,
    primary: "db-1",
    tracks,
    lastSync: mark(),
    replication: "semisync",
    deadAfterMs: 800,
    confirmFailures: 2,
    semisyncTimeoutMs: 1000,
    ...over,
  };
}

/**
 * A controller's config for the unit tests that drive a real Controller with fake agents: db-1 and db-2 in
 * semi-sync, no etcd, no TLS, its API socket and state file in `dir`.
 */
export function controllerConfig(dir: string, over: Partial<ControllerConfig> = {}): ControllerConfig {
  return {
    host: "mon-1",
    primary: "db-1",
    dbHosts: ["db-1", "db-2"].map((name) => ({ name, address: ADDR[name]! })),
    replication: "semisync",
    apiPort: 0,
    apiSocket: join(dir, "api.sock"),
    agentApiPort: 0,
    ca: null,
    token: "t",
    proxies: {},
    stateFile: join(dir, `state-${Math.random()}.json`),
    metricsFile: null,
    semisyncTimeoutMs: 3000,
    autoRebuild: true,
    etcd: null,
    ...over,
  };
}

/** Each test on a virtual clock (timers, hrtime, performance, Date), with a fresh temporary folder: `dir()` names it. */
export function virtualClockAndFolder(prefix: string): () => string {
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "hrtime", "performance", "Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => dir;
}
