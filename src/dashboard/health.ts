// Live health of a lab's hosts and services: the host's init alive, runit's view of each service, and each
// service's readiness probe, all probes of a host run by one shell inside it (one process per host per round).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Model } from "../model/types.js";
import { runInHost } from "../runtime/host.js";
import { hostDir } from "../runtime/paths.js";
import { labSecrets } from "../runtime/secrets.js";
import { SERVICES } from "../runtime/services/index.js";
import { isAlive, type LabState } from "../runtime/state.js";

/** A service's health: answering its probe, failing it, stopped on purpose, on a host that is down, or not run. */
export type ServiceHealth = "ok" | "failing" | "stopped" | "down" | "unknown";

/** One service of a host as the page shows it. */
export interface ServiceView {
  kind: string;
  health: ServiceHealth;
  /** What the probe checks, in words. */
  detail: string;
}

/** The outcome of one host's round of probes. */
export interface HostProbe {
  host: string;
  up: boolean;
  services: ServiceView[];
}

/** Quotes one argument for sh. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** One sh script running every probe with a time limit and printing `KIND EXITCODE` per line. */
export function probeScript(probes: { kind: string; argv: string[] }[], limitS = 2): string {
  return probes.map((p) => `timeout ${limitS} ${p.argv.map(shellQuote).join(" ")} >/dev/null 2>&1 </dev/null; echo "${p.kind} $?"`).join("\n");
}

/** Reads `KIND CODE` lines into a map of kind to exit code. */
export function parseProbeOutput(stdout: string): Map<string, number> {
  const codes = new Map<string, number>();
  for (const line of stdout.split("\n")) {
    const m = /^(\S+) (\d+)$/.exec(line.trim());
    if (m) codes.set(m[1]!, Number(m[2]));
  }
  return codes;
}

function runitState(root: string, kind: string): string {
  const stat = join(root, "etc/stacklab/service", kind, "supervise/stat");
  try {
    return existsSync(stat) ? readFileSync(stat, "utf8").trim() : "";
  } catch {
    return "";
  }
}

/** Probes every service of every host of a running lab; a host that is down has all its services down. */
export async function probeHosts(state: LabState, model: Model): Promise<HostProbe[]> {
  const secrets = labSecrets(state.name);
  return Promise.all(
    model.hosts.map(async (h): Promise<HostProbe> => {
      const init = state.hosts.find((x) => x.name === h.name)?.init;
      const up = isAlive(init);
      const root = hostDir(state.name, h.name);
      const kinds = model.services.filter((s) => s.host === h.name).map((s) => s.kind);
      const probes = kinds.flatMap((kind) => {
        const def = SERVICES[kind];
        return def ? [{ kind, ...def.probe({ lab: state.name, model, host: h, root, secrets }) }] : [];
      });
      if (!up) return { host: h.name, up, services: kinds.map((kind) => ({ kind, health: "down" as const, detail: "host down" })) };
      const r = probes.length ? await runInHost(init!.pid, ["sh", "-c", probeScript(probes)], { check: false, timeoutMs: 8000 }) : undefined;
      const codes = parseProbeOutput(r?.stdout ?? "");
      const services = kinds.map((kind): ServiceView => {
        const probe = probes.find((p) => p.kind === kind);
        if (!probe) return { kind, health: "unknown", detail: "not run by this stacklab version" };
        const code = codes.get(kind);
        const stopped = runitState(root, kind) === "down";
        const health: ServiceHealth = code === 0 ? "ok" : stopped ? "stopped" : code === undefined ? "unknown" : "failing";
        return { kind, health, detail: probe.what };
      });
      return { host: h.name, up, services };
    }),
  );
}

/** Probes with each host's liveness checked again now (cheap): a host that died since its probes shows down at once. */
export function withLiveness(probes: HostProbe[], state: LabState): HostProbe[] {
  return probes.map((p) => {
    const up = isAlive(state.hosts.find((h) => h.name === p.host)?.init);
    if (up === p.up) return p;
    // a host that came back keeps "unknown" services until its next round of probes
    return { host: p.host, up, services: p.services.map((s) => ({ ...s, health: up ? "unknown" : "down", detail: up ? s.detail : "host down" })) };
  });
}
