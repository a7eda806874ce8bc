// The load generator: runs inside the lab's `user` host and sends a steady, bounded stream of page reads and
// API writes to the site by name, as a visitor would. Every operation is appended to a file as one JSON line.
// Usage: node dist/experiment/loadgen.js CONFIG.json
import diagnostics from "node:diagnostics_channel";
import { Resolver } from "node:dns";
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import { once } from "node:events";
import { createSecureContext } from "node:tls";
import { pathToFileURL } from "node:url";
import { Agent } from "undici";
import { DnsCache } from "./dns-cache.js";
import type { LoadgenConfig, Operation } from "./operations.js";

const now = () => performance.timeOrigin + performance.now();
const OP_HEADER = "x-stacklab-op";
/** A closed-loop writer waits this long after a failed write before the next one (a failing site answers fast). */
const WRITER_PAUSE_MS = 50;

type LookupCallback = (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void;

/**
 * Resolves through the host's /etc/resolv.conf (the lab's DNS) with short timeouts, without the libuv thread pool,
 * keeping each answer for its TTL as a visitor's resolver does (dns-cache.ts says why).
 */
function labLookup(timeoutMs: number) {
  const resolver = new Resolver({ timeout: Math.max(100, Math.min(500, timeoutMs)), tries: 2 });
  const cache = new DnsCache((hostname) => new Promise((resolve, reject) => resolver.resolve4(hostname, { ttl: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)))));
  return (hostname: string, options: { all?: boolean }, cb: LookupCallback) => {
    cache.lookup(hostname).then(
      (addresses) => {
        // Several A records (active-active): each new connection picks one, like a client walking the list.
        const address = addresses[Math.floor(Math.random() * addresses.length)]!;
        if (options.all) cb(null, [{ address, family: 4 }]);
        else cb(null, address, 4);
      },
      (err: Error) => cb(err, ""),
    );
  };
}

function errorCode(err: unknown): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError") return "timeout";
  const code = e.code ?? e.cause?.code ?? e.name ?? "error";
  return /TIMEOUT/.test(code) ? "timeout" : code;
}

function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Sends the configured load and records every operation; resolves once the last answer (or timeout) is in. */
export async function runLoad(cfg: LoadgenConfig): Promise<{ operations: number }> {
  const agent = new Agent({
    // One TLS context for every connection: building it from a CA bundle costs milliseconds of CPU each time.
    connect: { timeout: cfg.timeoutMs, lookup: labLookup(cfg.timeoutMs), ...(existsSync(cfg.caFile) ? { secureContext: createSecureContext({ ca: readFileSync(cfg.caFile) }) } : {}) },
    pipelining: cfg.reuseConnections ? 1 : 0,
    keepAliveTimeout: 1000,
    keepAliveMaxTimeout: 1000,
    headersTimeout: cfg.timeoutMs,
    bodyTimeout: cfg.timeoutMs,
  });
  // A request whose headers never reached a connection certainly did not run: record that per operation.
  const sent = new Set<number>();
  const onSend = (msg: unknown) => {
    const m = new RegExp(`${OP_HEADER}: (\\d+)`, "i").exec((msg as { headers?: string }).headers ?? "");
    if (m) sent.add(Number(m[1]));
  };
  diagnostics.subscribe("undici:client:sendHeaders", onSend);
  const out = createWriteStream(cfg.out, { flags: "a" });
  let seq = 0;
  let inFlight = 0;
  let count = 0;
  let stopped = false;
  const watcher = setInterval(() => (stopped ||= existsSync(cfg.stopFile)), 100);
  const pending = new Set<Promise<boolean>>();
  let readTurn = 0;

  /** Sends one operation and records it; true when it succeeded. */
  async function one(op: "read" | "write"): Promise<boolean> {
    const n = ++seq;
    const path = op === "write" ? "/api/entries" : cfg.readPaths[readTurn++ % cfg.readPaths.length]!;
    const key = op === "write" ? `${cfg.author}-${n}` : undefined;
    const rec: Operation = { op, path, start: now(), end: 0, status: null, ok: false, ...(key ? { key } : {}) };
    if (inFlight >= cfg.maxInFlight) {
      Object.assign(rec, { end: rec.start, error: "client-overload", sent: false });
      out.write(`${JSON.stringify(rec)}\n`);
      return false;
    }
    inFlight++;
    try {
      const res = await agent.request({
        origin: cfg.origin,
        path,
        method: op === "write" ? "POST" : "GET",
        headers: { [OP_HEADER]: String(n), "user-agent": "stacklab-loadgen", ...(op === "write" ? { "content-type": "application/json" } : {}) },
        ...(op === "write" ? { body: JSON.stringify({ author: cfg.author, message: key }) } : {}),
        signal: AbortSignal.timeout(cfg.timeoutMs),
      });
      const text = await res.body.text();
      rec.status = res.statusCode;
      const lb = res.headers["x-served-by-lb"];
      if (typeof lb === "string") rec.lb = lb;
      const body = parseBody(text);
      const by = body?.servedBy as Record<string, unknown> | undefined;
      for (const k of ["lb", "web", "app", "db"] as const) if (typeof by?.[k] === "string") rec[k] = by[k] as string;
      if (typeof body?.id === "number") rec.id = body.id;
      if (typeof body?.maybeExecuted === "boolean") rec.maybeExecuted = body.maybeExecuted;
      rec.ok = res.statusCode >= 200 && res.statusCode < 300 && (op === "read" || rec.id !== undefined);
      if (!rec.ok) rec.error = res.statusCode >= 200 && res.statusCode < 300 ? "no-id" : String(res.statusCode);
    } catch (err) {
      rec.error = errorCode(err);
    } finally {
      rec.end = now();
      rec.sent = sent.delete(n);
      inFlight--;
      count++;
      out.write(`${JSON.stringify(rec)}\n`);
    }
    return rec.ok;
  }

  // Open loop: requests leave on a fixed schedule whether or not earlier ones have answered.
  async function schedule(rate: number, op: "read" | "write", offset: number): Promise<void> {
    if (rate <= 0) return;
    const interval = 1000 / rate;
    for (let i = 0; ; i++) {
      const due = cfg.startAt + offset * interval + i * interval;
      if (due >= cfg.startAt + cfg.durationMs || stopped) return;
      const wait = due - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (stopped) return;
      const p = one(op).finally(() => pending.delete(p));
      pending.add(p);
    }
  }

  // Closed loop: a writer sends its next write once its previous one is answered (or timed out), so `writers`
  // writes are in flight all the time; after a failure it waits a little, as a client would, rather than spin.
  async function writer(offset: number): Promise<void> {
    const first = cfg.startAt + offset;
    if (first - now() > 0) await new Promise((r) => setTimeout(r, first - now()));
    // Bounded in count too: at most the schema's highest write rate (200/s) over the load, per writer.
    for (let i = 0; i < Math.ceil(cfg.durationMs / 5) && !stopped && now() < cfg.startAt + cfg.durationMs; i++) {
      const p = one("write").finally(() => pending.delete(p));
      pending.add(p);
      if (!(await p)) await new Promise((r) => setTimeout(r, WRITER_PAUSE_MS));
    }
  }

  // Writers start 10 ms apart, not all in the same instant.
  const writers = Array.from({ length: cfg.writers ?? 0 }, (_, i) => writer(i * 10));
  await Promise.all([schedule(cfg.readsPerSecond, "read", 0), schedule(cfg.writesPerSecond, "write", 0.5), ...writers]);
  await Promise.allSettled([...pending]);
  clearInterval(watcher);
  diagnostics.unsubscribe("undici:client:sendHeaders", onSend);
  out.end();
  await once(out, "finish");
  await agent.destroy();
  return { operations: count };
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error("usage: loadgen.js CONFIG.json");
  const cfg = JSON.parse(readFileSync(file, "utf8")) as LoadgenConfig;
  const r = await runLoad(cfg);
  // What the generator itself used of the CPU: a saturation run is only as good as a generator that keeps up.
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ ...r, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`loadgen: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
