// `status`: each host of a lab, its addresses, and its services' state from runit and from their readiness probes.
import { cpuOverWindow } from "./cgroups.js";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runInHost } from "./host.js";
import { hostDir } from "./paths.js";
import { SERVICES } from "./services/index.js";
import { openLab } from "./lab.js";
import { isAlive, type LabState } from "./state.js";
import { labSecrets } from "./secrets.js";
import { siteUrl } from "./site.js";

export interface ServiceStatus {
  kind: string;
  /** runit's view: run, down, or finish; "missing" when this stacklab version does not run it. */
  supervisor: string;
  healthy: boolean | null;
  detail: string;
}

/** A sized host's use of its size, from its cgroup's accounting. */
export interface HostSizeStatus {
  cpu: number;
  memoryBytes: number;
  /** CPU time since the host's cgroup was made, seconds. */
  cpuSeconds: number;
  /** Share of its CPU size used over the status's short sample (0.25 s), 0..1 (more when bursting is allowed: never here). */
  cpuUse: number;
  /** Memory in use now, bytes (page cache included, as the kernel counts it against the limit). */
  memoryUsed: number;
  /** Processes the kernel killed for want of memory since the cgroup was made. */
  oomKills: number;
}

export interface HostStatus {
  name: string;
  /** Size and usage when the design gives the host a size. */
  size?: HostSizeStatus;
  /** What the host uses, from its cgroup (every host has one where the machine has cgroups): cores now, memory now. */
  usage?: { cores: number; cpuSeconds: number; memoryUsed: number };
  roles: string[];
  up: boolean;
  addresses: string[];
  holds: string[];
  services: ServiceStatus[];
}

export interface LabStatus {
  name: string;
  status: LabState["status"];
  source: string;
  createdAt: string;
  url: string;
  published: LabState["published"];
  hosts: HostStatus[];
}

/** The old name of `openLab` (runtime/lab.ts), still used by `down`. */
export { openLab as loadLab } from "./lab.js";

function runitState(root: string, kind: string): string {
  const stat = join(root, "etc/stacklab/service", kind, "supervise/stat");
  return existsSync(stat) ? readFileSync(stat, "utf8").trim() : "not started";
}

/** Each sized host's usage: CPU time read twice 250 ms apart for the current share of its size, memory now. */
async function sizeSamples(lab: string, hosts: string[], sizes: Map<string, number>): Promise<Map<string, Omit<HostSizeStatus, "cpu" | "memoryBytes">>> {
  const window = await cpuOverWindow(lab, hosts, 250);
  return new Map([...window].map(([h, { cores, usage }]) => [h, { cpuSeconds: usage.cpuSeconds, cpuUse: cores / (sizes.get(h) ?? 1), memoryUsed: usage.memoryBytes, oomKills: usage.oomKills }]));
}

/** Gathers the status of every host and service of a lab (alerts: monitoring/status-alerts.ts). */
export async function labStatus(lab?: string): Promise<LabStatus> {
  const { state, model } = openLab(lab);
  const secrets = labSecrets(state.name);
  const sample = await sizeSamples(
    state.name,
    model.hosts.map((h) => h.name),
    new Map(model.hosts.map((h) => [h.name, h.size?.cpu ?? 1])),
  );
  const hosts = await Promise.all(
    model.hosts.map(async (h): Promise<HostStatus> => {
      const hs = state.hosts.find((x) => x.name === h.name);
      const alive = isAlive(hs?.init);
      const root = hostDir(state.name, h.name);
      let addrs: string[] = [];
      if (alive) {
        const r = await runInHost(hs!.init!.pid, ["ip", "-4", "-o", "addr", "show", "scope", "global"], { check: false, timeoutMs: 3000 });
        addrs = [...r.stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\/(\d+)/g)].map((m) => m[1]!);
      }
      const holds = model.entryPoints.filter((e) => e.kind === "floating" && addrs.includes(e.address)).map((e) => e.address);
      const services = await Promise.all(
        model.services
          .filter((s) => s.host === h.name)
          .map(async (s): Promise<ServiceStatus> => {
            const def = SERVICES[s.kind];
            if (!def) return { kind: s.kind, supervisor: "missing", healthy: null, detail: "not run by this stacklab version" };
            if (!alive) return { kind: s.kind, supervisor: "host down", healthy: false, detail: "" };
            const probe = def.probe({ lab: state.name, model, host: h, root, secrets });
            const r = await runInHost(hs!.init!.pid, probe.argv, { check: false, timeoutMs: 3000 });
            return { kind: s.kind, supervisor: runitState(root, s.kind), healthy: r.code === 0, detail: probe.what };
          }),
      );
      const used = sample.get(h.name);
      const size: HostSizeStatus | undefined = h.size && used ? { cpu: h.size.cpu, memoryBytes: h.size.memoryBytes, ...used } : undefined;
      const usage = used ? { cores: Math.round(used.cpuUse * (h.size?.cpu ?? 1) * 1000) / 1000, cpuSeconds: used.cpuSeconds, memoryUsed: used.memoryUsed } : undefined;
      return { name: h.name, roles: h.roles, ...(size ? { size } : {}), ...(usage ? { usage } : {}), up: alive, addresses: h.interfaces.map((i) => i.address), holds, services };
    }),
  );
  return { name: state.name, status: state.status, source: state.source, createdAt: state.createdAt, url: siteUrl(model), published: state.published, hosts };
}
