// Serving speed of a running lab: wrk against a dynamic page through the whole path, against a static file,
// and against nginx and the app server alone, all in the same run, each from inside a lab host.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Model } from "../model/types.js";
import { appPort, webCertificate } from "../render/config/common.js";
import { cpuOverWindow, hostUsage } from "../runtime/cgroups.js";
import { runInHost } from "../runtime/host.js";
import { hostDir } from "../runtime/paths.js";
import { siteUrl } from "../runtime/site.js";
import type { LabState } from "../runtime/state.js";
import { ratio, summarize } from "./stats.js";
import type { ServingResult, ServingTarget } from "./types.js";
import { parseWrk, WRK_SCRIPT, wrkArgs, wrkText, type WrkLoad, type WrkRun } from "./wrk.js";

/** A dynamic page: the app reads the five latest entries from the database. */
export const DYNAMIC_PATH = "/api/entries?limit=5";
/** A static file nginx serves from disk. */
export const STATIC_PATH = "/static/style.css";

/** Where each target is loaded from, and its URL (lab addresses and the host's own loopback only). */
export function servingTargets(model: Model): Pick<ServingTarget, "id" | "label" | "from" | "url">[] {
  const site = siteUrl(model).replace(/\/$/, "");
  const web = model.hosts.find((h) => h.roles.includes("web"));
  const app = model.hosts.find((h) => h.roles.includes("app"));
  if (!web || !app) throw new Error(`design ${model.name} has no web or no app server`);
  const webUrl = `${webCertificate(model) === "none" ? "http" : "https"}://127.0.0.1`;
  const appUrl = `${model.tls.internal ? "https" : "http"}://127.0.0.1:${appPort(model)}`;
  return [
    { id: "path-dynamic", label: "dynamic page, whole path (DNS, floating IP, HAProxy, nginx, app, database)", from: "user", url: `${site}${DYNAMIC_PATH}` },
    { id: "path-static", label: "static file, whole path (DNS, floating IP, HAProxy, nginx)", from: "user", url: `${site}${STATIC_PATH}` },
    { id: "nginx-static", label: `static file, nginx alone (on ${web.name})`, from: web.name, url: `${webUrl}${STATIC_PATH}` },
    { id: "app-direct", label: `dynamic page, app server alone (on ${app.name}, with its database read)`, from: app.name, url: `${appUrl}${DYNAMIC_PATH}` },
  ];
}

const SCRIPT_IN_HOST = "/tmp/stacklab-bench-wrk.lua";
/** How long the hosts' CPU at rest is measured before the runs. */
const REST_WINDOW_MS = 5000;

/** Every host's CPU seconds so far, from its cgroup's accounting; undefined when a host has none. */
function cpuSeconds(state: LabState): Map<string, number> | undefined {
  const out = new Map<string, number>();
  for (const h of state.hosts) {
    const u = hostUsage(state.name, h.name);
    if (!u) return undefined;
    out.set(h.name, u.cpuSeconds);
  }
  return out;
}

/**
 * CPU milliseconds each host spent per answered request over a run of `seconds` (wrk's own host included: it shares
 * the cores), from two readings of the hosts' accounting, less what the host burns at rest (`idleCores`, measured
 * before: health checks, agents, etcd, scrapes), the service demand of the utilisation law. Hosts that spent less
 * than 0.001 ms per request beyond their rest are left out.
 */
export function cpuPerRequest(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  requests: number,
  seconds: number,
  idleCores: ReadonlyMap<string, number> = new Map(),
): Record<string, number> {
  const out: Record<string, number> = {};
  if (requests <= 0) return out;
  for (const [host, b] of after) {
    const a = before.get(host);
    if (a === undefined) continue;
    const ms = ((b - a - (idleCores.get(host) ?? 0) * seconds) * 1000) / requests;
    if (ms >= 0.001) out[host] = Math.round(ms * 1000) / 1000;
  }
  return out;
}

async function wrkOnce(state: LabState, from: string, url: string, load: WrkLoad, idleCores?: ReadonlyMap<string, number>): Promise<WrkRun & { cpuMsPerRequest?: Record<string, number> }> {
  const host = state.hosts.find((h) => h.name === from);
  if (!host?.init) throw new Error(`host ${from} is not running`);
  // The host's /tmp is its own directory of the lab's tree: the script is written there, and goes with the lab.
  writeFileSync(join(hostDir(state.name, from), "tmp", "stacklab-bench-wrk.lua"), WRK_SCRIPT);
  const before = cpuSeconds(state);
  const t0 = performance.now();
  const r = await runInHost(host.init.pid, wrkArgs(load, url, SCRIPT_IN_HOST), { check: false, timeoutMs: (load.durationS + load.timeoutS + 30) * 1000 });
  const after = cpuSeconds(state);
  const seconds = (performance.now() - t0) / 1000;
  if (r.code !== 0) throw new Error(`wrk in ${from} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split("\n").slice(-2).join(" ")}`);
  const w = parseWrk(r.stdout);
  return before && after && idleCores ? { ...w, cpuMsPerRequest: cpuPerRequest(before, after, w.requests, seconds, idleCores) } : w;
}

export interface ServingOptions {
  load: WrkLoad;
  runs: number;
  say: (m: string) => void;
}

/** Runs every target `runs` times, round-robin (after one short warm-up of each), and summarizes. */
export async function benchServing(state: LabState, model: Model, opts: ServingOptions): Promise<ServingResult> {
  const targets = servingTargets(model);
  const runs = new Map(targets.map((t) => [t.id, { ok: [] as (WrkRun & { cpuMsPerRequest?: Record<string, number> })[], failures: [] as string[] }]));
  const warm: WrkLoad = { ...opts.load, durationS: 1 };
  for (const t of targets) await wrkOnce(state, t.from, t.url, warm).catch(() => undefined);
  // What each host burns with nothing to serve, taken off each run's CPU so that a request is charged only its own cost.
  const rest = await cpuOverWindow(
    state.name,
    state.hosts.map((h) => h.name),
    REST_WINDOW_MS,
  );
  const idleCores = rest.size === state.hosts.length ? new Map([...rest].map(([h, v]) => [h, v.cores])) : undefined;
  for (let r = 0; r < opts.runs; r++) {
    for (const t of targets) {
      const into = runs.get(t.id)!;
      try {
        const w = await wrkOnce(state, t.from, t.url, opts.load, idleCores);
        into.ok.push(w);
        opts.say(`[${r + 1}/${opts.runs}] ${t.id}: ${Math.round(w.rps)} req/s, p50 ${w.p50.toFixed(1)} ms, p99 ${w.p99.toFixed(1)} ms, ${w.errors} errors`);
      } catch (err) {
        into.failures.push((err as Error).message);
        opts.say(`[${r + 1}/${opts.runs}] ${t.id}: ${(err as Error).message}`);
      }
    }
  }
  const out: ServingTarget[] = targets.map((t) => {
    const { ok, failures } = runs.get(t.id)!;
    const s = (pick: (w: WrkRun) => number) => summarize(ok.map(pick));
    const errorKinds: Record<string, number> = {};
    for (const w of ok) for (const [k, n] of Object.entries(w.errorKinds)) errorKinds[k] = (errorKinds[k] ?? 0) + n;
    const costed = ok.filter((w) => w.cpuMsPerRequest);
    const hosts = [...new Set(costed.flatMap((w) => Object.keys(w.cpuMsPerRequest!)))];
    const cpu = costed.length ? Object.fromEntries(hosts.map((h) => [h, summarize(costed.map((w) => w.cpuMsPerRequest![h] ?? 0))!])) : undefined;
    return {
      ...t,
      ...(cpu ? { cpuMsPerRequest: cpu } : {}),
      rps: s((w) => w.rps),
      p50: s((w) => w.p50),
      p90: s((w) => w.p90),
      p99: s((w) => w.p99),
      maxMs: s((w) => w.max),
      requests: ok.reduce((a, w) => a + w.requests, 0),
      errors: ok.reduce((a, w) => a + w.errors, 0),
      errorKinds,
      failures,
    };
  });
  const rps = (id: ServingTarget["id"]) => out.find((t) => t.id === id)?.rps?.median;
  const cost = (id: ServingTarget["id"]) => {
    const c = out.find((t) => t.id === id)?.cpuMsPerRequest;
    return c ? Object.values(c).reduce((a, x) => a + x.median, 0) : undefined;
  };
  return {
    load: wrkText(opts.load),
    runs: opts.runs,
    targets: out,
    ratios: [
      { label: "dynamic page: whole path / app server alone", value: ratio(rps("path-dynamic"), rps("app-direct")) },
      { label: "static file: whole path / nginx alone", value: ratio(rps("path-static"), rps("nginx-static")) },
      { label: "whole path: dynamic page / static file", value: ratio(rps("path-dynamic"), rps("path-static")) },
    ],
    // On cores every process shares, answers/s follow the CPU a request costs: this is the ratio the costs allow.
    costRatios: [{ label: "dynamic page: CPU per request of the app server alone / of the whole path", value: ratio(cost("app-direct"), cost("path-dynamic")) }],
  };
}
