// A packet capture on the private segment while requests flow: is anything readable where the design says TLS?
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Flow, Model } from "../model/types.js";
import { run } from "../runtime/exec.js";
import { BRIDGES, labDir, switchNetns } from "../runtime/paths.js";
import { siteUrl } from "../runtime/site.js";
import type { AuditContext, CheckResult } from "./context.js";
import { declaredFlow, hostOfAddress } from "./expected.js";
import { plaintextIn, tcpSegments, type TcpSegment } from "./pcap.js";

/** How long the capture goes on after the visitor's requests are answered. */
export const SETTLE_MS = 700;

/** The flow a segment belongs to (either direction), with the client and server hosts. */
export function flowOfSegment(model: Model, s: TcpSegment): { flow?: Flow; client: string; server: string; port: number } {
  const a = hostOfAddress(model, s.src) ?? s.src;
  const b = hostOfAddress(model, s.dst) ?? s.dst;
  const forward = declaredFlow(model, a, b, s.dst, s.dport, "tcp");
  if (forward) return { flow: forward, client: a, server: b, port: s.dport };
  const back = declaredFlow(model, b, a, s.src, s.sport, "tcp");
  if (back) return { flow: back, client: b, server: a, port: s.sport };
  return s.sport < s.dport ? { client: b, server: a, port: s.sport } : { client: a, server: b, port: s.dport };
}

/** Flows a visitor's request takes over the private segment from one host to another (not within a host). */
export function requestFlowsAcrossHosts(model: Model): Flow[] {
  return model.flows.filter((f) => ["lb-web", "web-app", "app-db"].includes(f.id) && f.network === "private" && f.from.hosts.some((a) => f.to.hosts.some((b) => a !== b)));
}

interface Seen {
  flow?: Flow;
  client: string;
  server: string;
  port: number;
  packets: number;
  plaintext: Set<string>;
}

/** Judges the segments captured: plaintext on a flow the design encrypts, or on no declared flow, fails. */
export function judgeCapture(model: Model, segments: TcpSegment[], marker: string): CheckResult {
  const seen = new Map<string, Seen>();
  for (const s of segments) {
    const f = flowOfSegment(model, s);
    const key = `${f.flow?.id ?? "undeclared"} ${f.client} -> ${f.server}:${f.port}`;
    const entry = seen.get(key) ?? { ...f, packets: 0, plaintext: new Set<string>() };
    entry.packets++;
    for (const p of plaintextIn(s.payload, marker)) entry.plaintext.add(p);
    seen.set(key, entry);
  }
  const rows = [...seen.values()].sort((a, b) => (a.flow?.id ?? "~").localeCompare(b.flow?.id ?? "~") || a.client.localeCompare(b.client));
  const line = (r: Seen) =>
    `${r.flow ? `flow ${r.flow.id}` : "no declared flow"}: ${r.client} -> ${r.server}:${r.port}, ${r.packets} packets${r.plaintext.size ? `, plaintext ${[...r.plaintext].join("+")}` : ""}`;
  const plain = rows.filter((r) => r.plaintext.size);
  const scrapes = plain.filter((r) => r.flow?.protocol === "prometheus");
  const leaks = plain.filter((r) => !r.flow || r.flow.encrypted);
  const declared = plain.filter((r) => r.flow && !r.flow.encrypted && r.flow.protocol !== "prometheus");
  const encrypted = rows.filter((r) => r.flow?.encrypted && !r.plaintext.size);
  const details = [
    ...leaks.map((r) => `FAIL ${line(r)} (${r.flow ? "the design encrypts this hop" : "traffic the design does not declare"})`),
    ...declared.map((r) => `WARN ${line(r)} (declared plaintext: ${r.flow!.purpose})`),
    ...encrypted.map((r) => `encrypted: ${line(r)}`),
    ...scrapes.map((r) => `excluded, Prometheus scrape declared as plaintext: ${line(r)}`),
    ...rows.filter((r) => !r.plaintext.size && !r.flow?.encrypted).map((r) => `no readable payload: ${line(r)}`),
  ];
  const total = segments.length;
  const crossing = requestFlowsAcrossHosts(model);
  if (!total && crossing.length) {
    return {
      id: "plaintext",
      title: "plaintext on the private segment",
      status: "fail",
      summary: `the capture saw no packet, although the visitor's requests cross the private segment (${crossing.map((f) => f.id).join(", ")}): nothing can be said about plaintext`,
      details: [],
    };
  }
  const status = leaks.length ? "fail" : declared.length ? "warn" : "pass";
  const why = model.tls.mode === "none" ? "the design has no TLS" : declared.some((r) => r.flow!.id === "lb-web") ? "TLS ends at the load balancer" : "tls.internal is false";
  const scrapeNote = model.monitoring.host ? "; Prometheus scrapes, plaintext by design, are left out" : "";
  const undeclared = (r: Seen) => r.flow?.id ?? `${r.client} -> ${r.server}:${r.port}`;
  const summary = leaks.length
    ? `plaintext where the design says TLS or declares no traffic: ${leaks.map(undeclared).join(", ")}`
    : declared.length
      ? `plaintext on the private segment, as the design declares (${why}): ${[...new Set(declared.map((r) => r.flow!.id))].join(", ")}${scrapeNote}`
      : total
        ? `no readable HTTP or SQL on the private segment in ${total} packets (${encrypted.length} encrypted conversations)${scrapeNote}`
        : "no traffic crossed the private segment during the capture (every tier on one host)";
  return { id: "plaintext", title: "plaintext on the private segment", status, summary, details };
}

/** Requests the user host makes while the capture runs, each carrying a marker that must never be readable inside. */
function trafficScript(model: Model, marker: string): string {
  const base = siteUrl(model);
  const paths = model.app.type === "demo" ? ["", "api/whoami", "static/style.css"] : [""];
  return paths.map((p) => `curl -s -o /dev/null --max-time 5 -H 'X-Stacklab-Audit: ${marker}' '${base}${p}${p.includes("?") ? "&" : "?"}audit=${marker}'`).join("\n");
}

/** Waits until a condition holds, polling, for at most `ms`; returns whether it held. */
async function until(ok: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * Captures the private bridge in the lab's switch namespace while the user host makes its requests:
 * tcpdump starts, the requests run once it writes its file header, and it stops (SIGINT, by its pid) shortly after.
 */
export async function checkPlaintext(ctx: AuditContext): Promise<CheckResult> {
  const marker = `stacklab-audit-${randomBytes(6).toString("hex")}`;
  const dir = join(labDir(ctx.lab), "audit");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `capture-${process.pid}.pcap`);
  const pidFile = join(dir, `tcpdump-${process.pid}.pid`);
  const script = `tcpdump -i ${BRIDGES.private} -nn -U --immediate-mode -s 0 -w '${file}' tcp 2>/dev/null & echo $! > '${pidFile}'; wait $!`;
  try {
    const capture = run(["ip", "netns", "exec", switchNetns(ctx.lab), "timeout", "60", "sh", "-c", script], { check: false, timeoutMs: 65_000 });
    const started = await until(() => existsSync(file) && statSync(file).size >= 24, 5000);
    const pid = Number(existsSync(pidFile) ? readFileSync(pidFile, "utf8") : 0);
    if (!started || !pid) {
      if (pid) process.kill(pid, "SIGINT");
      const r = await capture;
      throw new Error(`tcpdump did not start on ${BRIDGES.private} (exit ${r.code}); is it installed? apt-get install -y tcpdump`);
    }
    await ctx.inHost("user", ["bash", "-c", trafficScript(ctx.model, marker)], { timeoutMs: 30_000 });
    // Replies, the replicas' copy of the writes and a round of health checks cross in the next moment.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    process.kill(pid, "SIGINT");
    await capture;
    return judgeCapture(ctx.model, tcpSegments(readFileSync(file)), marker);
  } finally {
    rmSync(file, { force: true });
    rmSync(pidFile, { force: true });
  }
}
