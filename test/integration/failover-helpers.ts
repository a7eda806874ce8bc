// Helpers for the failover lab tests: a bounded write loop from the user host, and checking its acknowledged
// writes against the database.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { judgeWrites, type WriteVerdict } from "../../src/failover/bench/judge.js";
import type { WriteOp } from "../../src/failover/bench/write-loop.js";
import { BIN, ROOT, cli, inHost } from "./helpers.js";

/** A write loop running in the lab's user host. */
export interface WriteLoop {
  done: Promise<{ tag: string; ops: WriteOp[] }>;
}

/** Starts POST /api/entries every `everyMs` for `seconds` from the user host (bounded in count and time). */
export function startWrites(lab: string, url: string, seconds: number, everyMs = 50): WriteLoop {
  const out = `/tmp/writes-${Date.now()}.json`;
  const child = spawn(process.execPath, [BIN, "exec", "--name", lab, "user", "--", process.execPath, join(ROOT, "dist/failover/bench/write-loop.js"), "--url", url, "--every", String(everyMs), "--seconds", String(seconds), "--out", out], { stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } });
  const done = new Promise<{ tag: string; ops: WriteOp[] }>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`write loop exited ${code}`));
      else resolve(JSON.parse(readFileSync(`/var/lib/stacklab/labs/${lab}/hosts/user${out}`, "utf8")) as { tag: string; ops: WriteOp[] });
    });
  });
  return { done };
}

/** The rows a loop wrote that `host` holds, by id. */
export function rowsOn(lab: string, host: string, tag: string): Map<number, string> {
  const out = inHost(lab, host, ["mariadb", "-N", "-B", "-e", `SELECT id, message FROM foobar.entries WHERE message LIKE '${tag}-%'`]);
  return new Map(out.split("\n").filter(Boolean).map((l) => [Number(l.split("\t")[0]), l.split("\t")[1]!] as const));
}

/** Judges a finished loop against a database host. */
export async function judge(lab: string, loop: WriteLoop, host: string, faultAt?: number): Promise<WriteVerdict> {
  const { tag, ops } = await loop.done;
  return judgeWrites(ops, rowsOn(lab, host, tag), faultAt);
}

/** `stacklab db status --json`. */
export function dbStatus(lab: string): { primary: string | null; servers: { host: string; role: string; db: { replica: { io: string; masterHost: string } | null; gtidCurrentPos: string } }[]; controller: { phase: string; primary: string; refused: unknown } | null } {
  return JSON.parse(cli(["db", "status", "--name", lab, "--json"]).stdout) as ReturnType<typeof dbStatus>;
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
  const lines = readFileSync(`/var/lib/stacklab/labs/${lab}/events.jsonl`, "utf8").split("\n").filter(Boolean);
  return lines
    .map((l) => JSON.parse(l) as { time: number; kind: string; message: string; source?: string; data?: { step?: string } })
    .filter((e) => e.kind === "failover" && e.time >= since)
    .map((e) => ({ step: e.data?.step ?? "", time: e.time, message: e.message, source: e.source ?? "" }));
}
