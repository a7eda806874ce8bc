// Taking servers out of rotation and back: app servers out of nginx's upstreams, web servers out of HAProxy's backend.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Model } from "../model/types.js";
import { renderHost } from "../render/config/index.js";
import { runInHost } from "../runtime/host.js";
import { hostDir } from "../runtime/paths.js";
import { labSecrets } from "../runtime/secrets.js";
import { addressOf } from "../runtime/services/types.js";
import { control } from "../runtime/supervise.js";
import { isAlive, type LabState } from "../runtime/state.js";

const NGINX_CONF = "etc/nginx/nginx.conf";
/** How long nginx gets to start its new workers after a reload, before we count on the new upstream list. */
const NGINX_SETTLE_MS = 400;

/**
 * nginx.conf with the given app servers drained: each becomes a `backup` of the upstream and every other one a
 * primary, so new requests go to the others while one of them is live. Not `down`: when nginx has just marked the
 * only other app server failed (a TLS handshake over the connect timeout on a busy machine, right after the
 * reload emptied its pool of kept-alive connections), `down` left "no live upstreams" and a 502 for every request
 * until the failure expired (seen: 2.4 s and 273 failed requests in a rolling deploy), while the drained server,
 * whose runner keeps serving through its reload, could still answer them. The drained server gets max_fails=0 so
 * that nginx never marks the fallback itself failed.
 */
export function markDrained(conf: string, addresses: string[]): string {
  const seen = new Set<string>();
  return conf
    .split("\n")
    .flatMap((line) => {
      const m = /^(\s*server\s+(\d+\.\d+\.\d+\.\d+):\d+)([^;]*);/.exec(line);
      if (!m) return [line];
      // The fallback lines (the same servers as backups never marked failed) stay as they are.
      if (/\bbackup\b/.test(m[3]!) && /\bmax_fails=0\b/.test(m[3]!)) return seen.has(line.trim()) ? [] : (seen.add(line.trim()), [line]);
      const options = m[3]!.replace(/\s+(backup|down)\b/g, "");
      // A drained server is never marked failed (max_fails=0): it stays the fallback whatever happens to the others.
      const drained = addresses.includes(m[2]!) ? `${options.replace(/\s+max_fails=\d+/, "").replace(/\s+fail_timeout=\S+/, "")} backup max_fails=0` : options;
      const out = `${m[1]}${drained};${line.slice(m[0].length)}`;
      // Drained, it is the same line as its fallback line: listed once.
      if (seen.has(out.trim())) return [];
      seen.add(out.trim());
      return [out];
    })
    .join("\n");
}

function liveWebHosts(state: LabState, model: Model) {
  return model.hosts.filter((h) => h.roles.includes("web") && isAlive(state.hosts.find((x) => x.name === h.name)?.init));
}

/** Takes app servers out of every web server's rotation (backups only); false when none would be left (nothing is changed then). */
export async function drainApps(state: LabState, model: Model, hosts: string[]): Promise<boolean> {
  const apps = model.hosts.filter((h) => h.roles.includes("app"));
  if (apps.every((a) => hosts.includes(a.name))) return false;
  const addresses = apps.filter((a) => hosts.includes(a.name)).map((a) => addressOf(a, "private"));
  for (const web of liveWebHosts(state, model)) {
    const file = join(hostDir(state.name, web.name), NGINX_CONF);
    writeFileSync(file, markDrained(readFileSync(file, "utf8"), addresses));
    control(state.name, web.name, "nginx", "hup");
  }
  await new Promise((r) => setTimeout(r, NGINX_SETTLE_MS));
  return true;
}

/** Puts every app server back: each web server's nginx.conf as the model renders it. */
export async function undrainApps(state: LabState, model: Model): Promise<void> {
  const secrets = labSecrets(state.name);
  for (const web of liveWebHosts(state, model)) {
    const conf = renderHost(model, web.name, secrets).find((f) => f.path === "/etc/nginx/nginx.conf");
    if (!conf) continue;
    writeFileSync(join(hostDir(state.name, web.name), NGINX_CONF), conf.content);
    control(state.name, web.name, "nginx", "hup");
  }
  await new Promise((r) => setTimeout(r, NGINX_SETTLE_MS));
}

/** Sets a web server's state in every load balancer's HAProxy through the runtime API (ready, drain or maint). */
export async function setWebState(state: LabState, model: Model, web: string, to: "ready" | "drain" | "maint"): Promise<void> {
  for (const lb of model.hosts.filter((h) => h.roles.includes("lb"))) {
    const hs = state.hosts.find((x) => x.name === lb.name);
    if (!isAlive(hs?.init)) continue;
    // A load balancer whose HAProxy is stopped (itself in maintenance) has nothing to update.
    await runInHost(hs!.init!.pid, ["socat", "-", "UNIX-CONNECT:/run/haproxy/admin.sock"], { input: `set server web/${web} state ${to}\n`, timeoutMs: 5000, check: false });
  }
}

/** Sessions HAProxy still has open to a web server, summed over the load balancers (0 once it is drained). */
export async function webSessions(state: LabState, model: Model, web: string): Promise<number> {
  let total = 0;
  for (const lb of model.hosts.filter((h) => h.roles.includes("lb"))) {
    const hs = state.hosts.find((x) => x.name === lb.name);
    if (!isAlive(hs?.init)) continue;
    const r = await runInHost(hs!.init!.pid, ["socat", "-", "UNIX-CONNECT:/run/haproxy/admin.sock"], { input: "show stat\n", timeoutMs: 5000, check: false });
    const header = r.stdout.split("\n")[0]?.replace(/^# /, "").split(",") ?? [];
    const scur = header.indexOf("scur");
    for (const line of r.stdout.split("\n")) {
      const cols = line.split(",");
      if (cols[0] === "web" && cols[1] === web) total += Number(cols[scur] ?? 0);
    }
  }
  return total;
}
