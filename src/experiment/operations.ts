// One request of an experiment's load, as recorded by the load generator: every figure is derived from these.
import { existsSync, readFileSync } from "node:fs";

/** One operation: what was asked, when, and how it ended. Times are milliseconds since the epoch. */
export interface Operation {
  op: "read" | "write";
  path: string;
  start: number;
  end: number;
  /** HTTP status; null when no answer came. */
  status: number | null;
  /** A 2xx answer (and, for a write, a committed id). */
  ok: boolean;
  /** The committed id the app returned for an acknowledged write. */
  id?: number;
  /** The unique message a write carried, to find it in the database. */
  key?: string;
  /** Why it failed: an HTTP status ("503") or the client's error code ("timeout", "ECONNREFUSED"). */
  error?: string;
  /** The request was handed to a connection (false: it certainly never reached a server). */
  sent?: boolean;
  /** The app's own answer said whether a failed write may have run (503 `maybeExecuted`). */
  maybeExecuted?: boolean;
  /** Which load balancer, web server, app server and database host answered (from headers and the JSON body). */
  lb?: string;
  web?: string;
  app?: string;
  db?: string;
}

/** What the load generator is asked to do. */
export interface LoadgenConfig {
  /** Scheme and host as a visitor types it: https://www.foobar.com */
  origin: string;
  /** When to send the first request (ms since the epoch), so faults can be timed against it. */
  startAt: number;
  durationMs: number;
  readsPerSecond: number;
  writesPerSecond: number;
  /** Closed-loop writers instead of a write rate: each sends its next write once its previous one is answered. */
  writers?: number;
  /** Paths read in turn. */
  readPaths: string[];
  /** Whole-request timeout (DNS, connect, TLS, answer). */
  timeoutMs: number;
  /** Keep connections between requests (a dead load balancer is then noticed only when a connection breaks). */
  reuseConnections: boolean;
  /** Author of every entry written: unique per run, so the run's writes can be found in the database. */
  author: string;
  /** Where each operation is appended as one JSON line. */
  out: string;
  /** The generator stops early when this file appears (Ctrl-C on the CLI). */
  stopFile: string;
  /** CA bundle to trust (the user host's system bundle, which holds the lab CA). */
  caFile: string;
  /** Upper bound of requests in flight; beyond it a request is recorded as failed without being sent. */
  maxInFlight: number;
}

/** Reads the operations a load generator wrote (malformed lines are skipped). */
export function readOperations(file: string): Operation[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Operation];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.start - b.start);
}
