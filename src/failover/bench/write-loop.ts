// A bounded write loop run inside a lab's user host: POST /api/entries every N ms for S seconds, recording every
// operation's start, end and outcome (Jepsen's rule: a write whose answer never came is indeterminate, not lost).
//   node dist/failover/bench/write-loop.js --url https://www.foobar.com --every 50 --seconds 15 --out /tmp/writes.json
// With --get PATH it sends GET PATH instead (reads: an answer 200 counts as ok).
import { readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { request as httpRequest, Agent as HttpAgent } from "node:http";
import { parseArgs } from "node:util";

/** One write as the client saw it. */
export interface WriteOp {
  seq: number;
  message: string;
  start: number;
  end: number;
  /** ok: 201 with an id; failed: a definite error answer; unknown: no answer (timeout, reset). */
  outcome: "ok" | "failed" | "unknown";
  status?: number;
  id?: number;
  primary?: string;
  /** The app said the write may have happened even though it answered with an error. */
  maybeExecuted?: boolean;
  error?: string;
}

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "https://www.foobar.com" },
    every: { type: "string", default: "50" },
    seconds: { type: "string", default: "15" },
    timeout: { type: "string", default: "3000" },
    ca: { type: "string", default: "/etc/ssl/stacklab/ca.crt" },
    out: { type: "string", default: "/tmp/writes.json" },
    tag: { type: "string", default: `w${Date.now().toString(36)}` },
    get: { type: "string" },
  },
});
const every = Math.max(5, Number(values.every));
const seconds = Math.min(120, Math.max(1, Number(values.seconds)));
const timeoutMs = Number(values.timeout);
const url = new URL(values.get ?? "/api/entries", values.url);
const method = values.get ? "GET" : "POST";
const https = url.protocol === "https:";
const agent = https ? new Agent({ keepAlive: true, maxSockets: 16, ca: readFileSync(values.ca!, "utf8") }) : new HttpAgent({ keepAlive: true, maxSockets: 16 });

function post(seq: number): Promise<WriteOp> {
  const message = `${values.tag}-${seq}`;
  const body = method === "POST" ? JSON.stringify({ author: "write-loop", message }) : "";
  const start = Date.now();
  return new Promise((resolve) => {
    const done = (op: Omit<WriteOp, "seq" | "message" | "start" | "end">) => resolve({ seq, message, start, end: Date.now(), ...op });
    const req = (https ? request : httpRequest)(url, { method, agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }, timeout: timeoutMs }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => {
        let json: { id?: number; primary?: string; maybeExecuted?: boolean; detail?: string } = {};
        try {
          json = JSON.parse(text) as typeof json;
        } catch {
          // not JSON (a proxy's error page)
        }
        if (method === "GET" && res.statusCode === 200) done({ outcome: "ok", status: 200 });
        else if (res.statusCode === 201 && typeof json.id === "number") done({ outcome: "ok", status: 201, id: json.id, ...(json.primary ? { primary: json.primary } : {}) });
        // A 502 or 504 from a proxy in front of the app (the app died or stalled with the request), or an app that
        // says the write may have run, is not a definite failure.
        else if (json.maybeExecuted || [502, 504].includes(res.statusCode ?? 0))
          done({ outcome: "unknown", status: res.statusCode ?? 0, maybeExecuted: Boolean(json.maybeExecuted), ...(json.detail ? { error: json.detail.slice(0, 300) } : {}) });
        else done({ outcome: "failed", status: res.statusCode ?? 0, ...(json.detail ? { error: json.detail.slice(0, 300) } : {}) });
      });
      res.on("error", (e) => done({ outcome: "unknown", error: e.message }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e) => done({ outcome: "unknown", error: e.message }));
    req.end(body);
  });
}

const started = Date.now();
const pending: Promise<WriteOp>[] = [];
for (let seq = 0; Date.now() - started < seconds * 1000; seq++) {
  pending.push(post(seq));
  const next = started + (seq + 1) * every;
  await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
}
const ops = await Promise.all(pending);
agent.destroy();
writeFileSync(values.out!, JSON.stringify({ tag: values.tag, started, every, seconds, ops }));
const ok = ops.filter((o) => o.outcome === "ok").length;
process.stdout.write(
  `${ops.length} writes: ${ok} acknowledged, ${ops.filter((o) => o.outcome === "failed").length} failed, ${ops.filter((o) => o.outcome === "unknown").length} unknown -> ${values.out}\n`,
);
