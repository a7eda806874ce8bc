// Helpers for the failover lab tests: a bounded write loop from the user host, and checking its acknowledged
// writes against the database.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { judgeWrites, type WriteVerdict } from "../../src/failover/bench/judge.js";
import type { WriteOp } from "../../src/failover/bench/write-loop.js";
import { notWhole } from "../../src/failover/whole.js";
import { BIN, ROOT, cli, inHost, labPath } from "./helpers.js";

/** A write loop running in the lab's user host. */
export interface WriteLoop {
  done: Promise<{ tag: string; ops: WriteOp[] }>;
}

/** Starts POST /api/entries every `everyMs` for `seconds` from the user host (bounded in count and time). */
export function startWrites(lab: string, url: string, seconds: number, everyMs = 50): WriteLoop {
  const out = `/tmp/writes-${Date.now()}.json`;
  const child = spawn(
    process.execPath,
    [BIN, "exec", "--name", lab, "user", "--", process.execPath, join(ROOT, "dist/failover/bench/write-loop.js"), "--url", url, "--every", String(everyMs), "--seconds", String(seconds), "--out", out],
    { stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } },
  );
  const done = new Promise<{ tag: string; ops: WriteOp[] }>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`write loop exited ${code}`));
      else resolve(JSON.parse(readFileSync(labPath(lab, "hosts", `user${out}`), "utf8")) as { tag: string; ops: WriteOp[] });
    });
  });
  return { done };
}

/** The rows a loop wrote that `host` holds, by id. */
export function rowsOn(lab: string, host: string, tag: string): Map<number, string> {
  const out = inHost(lab, host, ["mariadb", "-N", "-B", "-e", `SELECT id, message FROM foobar.entries WHERE message LIKE '${tag}-%'`]);
  return new Map(
    out
      .split("\n")
      .filter(Boolean)
      .map((l) => [Number(l.split("\t")[0]), l.split("\t")[1]!] as const),
  );
}

/** Judges a finished loop against a database host. */
export async function judge(lab: string, loop: WriteLoop, host: string, faultAt?: number): Promise<WriteVerdict> {
  const { tag, ops } = await loop.done;
  return judgeWrites(ops, rowsOn(lab, host, tag), faultAt);
}

/** What the tests read of `stacklab db status --json`. */
export interface DbStatusJson {
  replication: "none" | "async" | "semisync";
  primary: string | null;
  writable: string[];
  servers: {
    host: string;
    hostUp: boolean;
    role: string;
    db: {
      up: boolean;
      gtidBinlogPos: string;
      gtidCurrentPos: string;
      semisync: { masterStatus: boolean; masterClients: number; waitSessions: number };
      replica: { io: string; sqlRunning: boolean; masterHost: string; lastIoErrno: number } | null;
    };
    agent: { selfFenced: { reason: string } | null; answers: { write: string }; diverged?: { primary: string; detail: string } | null } | { error: string } | null;
  }[];
  proxies: { host: string; servers: { backend: string; server: string; status: string }[] | { error: string } }[];
  controller: { phase: string; primary: string; refused: unknown; autoRebuild?: boolean; diverged?: string[]; rebuilding?: string[] } | null;
  /** The host of the controller that leads now (with etcd, the holder of the leader lease). */
  controllerHost: string | null;
  /** The transactions saved from diverged servers before their rebuilds, oldest first. */
  saved: { host: string; primary: string; file: string; gtids: string[] }[];
}

/** POSTs an entry through the site from the user host: the HTTP status as curl prints it ("000": no answer) and the body. */
export function postEntry(lab: string, url: string, message: string, maxTimeS = 8): { code: string; body: string } {
  const body = JSON.stringify({ author: "t", message });
  const r = cli(["exec", "--name", lab, "user", "--", "curl", "-s", "-w", "\\n%{http_code}", "--max-time", String(maxTimeS), "-H", "content-type: application/json", "-d", body, `${url}/api/entries`]);
  const lines = r.stdout.trim().split("\n");
  return { code: lines.pop() ?? "", body: lines.join("\n") };
}

/** `stacklab db status --json`. */
export function dbStatus(lab: string): DbStatusJson {
  return JSON.parse(cli(["db", "status", "--name", lab, "--json"]).stdout) as DbStatusJson;
}

/** Why the lab's database is not yet "`primary` takes writes, every other server streams from it in sync, every proxy sends writes to it" (null: it is). */
export function notSettled(s: DbStatusJson, primary: string, controller: boolean): string | null {
  return notWhole(s, { primary, controller });
}

/**
 * Brings the lab's database to a known state through the CLI, so that a test (and its retry) starts from it:
 * no fault left (`fault heal` boots hosts, starts services, lifts partitions), a diverged server rebuilt from the
 * primary (by the controller on its own; by `db rejoin --rebuild` without one, or with its autoRebuild off), `primary` the primary (a planned switchover when another server is), every other server streaming
 * from it and caught up, semi-sync acknowledged by all of them, and every proxy sending writes to it.
 * Waits on these conditions (bounded), never on a fixed delay.
 */
export async function settle(lab: string, primary: string, opts: { controller?: boolean; timeoutMs?: number } = {}): Promise<DbStatusJson> {
  const controller = opts.controller ?? true;
  const heal = cli(["fault", "heal", "--name", lab], 120_000);
  if (heal.code !== 0) throw new Error(`fault heal failed: ${heal.stderr}${heal.stdout}`);
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  const actions: string[] = [];
  let why = "";
  while (Date.now() < deadline) {
    const s = dbStatus(lab);
    const problem = notSettled(s, primary, controller);
    if (!problem) return s;
    why = problem;
    const act = (args: string[]) => {
      const r = cli([...args, "--name", lab], 120_000);
      actions.push(`${args.join(" ")}: ${r.code}${r.code ? ` ${r.stderr.trim().slice(0, 200)}` : ""}`);
      return r.code === 0;
    };
    const current = s.primary;
    // Diverged: MariaDB said so (error 1236), or its agent's follow found it ahead of the primary.
    const isDiverged = (x: DbStatusJson["servers"][number]) => x.db.replica?.lastIoErrno === 1236 || Boolean(x.agent && "answers" in x.agent && x.agent.diverged);
    const diverged = s.servers.find((x) => x.host !== current && isDiverged(x));
    const idle = s.servers.find((x) => x.host !== current && x.db.up && !x.db.replica);
    // A replica someone stopped (STOP SLAVE) is left alone by the controller: it follows the right primary.
    const stopped = s.servers.find((x) => x.host !== current && x.db.replica?.io === "No" && !isDiverged(x));
    // (With a controller, it rebuilds a diverged server by itself, unless its autoRebuild is off: settle waits for that.)
    if (current && diverged && (!controller || s.controller?.autoRebuild === false)) act(["db", "rejoin", diverged.host, "--rebuild"]);
    else if (current && stopped) act(["db", "rejoin", stopped.host]);
    // (With a controller, it makes such a server follow the primary by itself.)
    else if (current && idle && !controller) act(["db", "rejoin", idle.host]);
    else if (current && current !== primary && s.servers.find((x) => x.host === primary)?.db.replica?.io === "Yes") act(["db", "failover", "--to", primary]);
    // Without a controller, a primary that restarted read-only takes writes again only when a person asks.
    else if (current === null && !s.writable.length && !controller && s.servers.some((x) => x.host === primary && x.db.up && !x.db.replica)) act(["db", "failover"]);
    if (actions.length > 10) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the database did not settle with ${primary} as the primary: ${why}; did: ${actions.join("; ") || "nothing"}`);
}

/** Waits until `check` holds (polling every 200 ms), or fails with what was awaited. */
export async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
}

/** Failover events of the lab's log at or after `since`, as {step, time, message}. */
export function failoverEvents(lab: string, since: number): { step: string; time: number; message: string; source: string }[] {
  const lines = readFileSync(labPath(lab, "events.jsonl"), "utf8").split("\n").filter(Boolean);
  return lines
    .map((l) => JSON.parse(l) as { time: number; kind: string; message: string; source?: string; data?: { step?: string } })
    .filter((e) => e.kind === "failover" && e.time >= since)
    .map((e) => ({ step: e.data?.step ?? "", time: e.time, message: e.message, source: e.source ?? "" }));
}
