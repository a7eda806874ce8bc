// `status`: each host of a lab, its addresses, and its services' state from runit and from their readiness probes.
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

export interface HostStatus {
  name: string;
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

/** Gathers the status of every host and service of a lab (alerts: monitoring/status-alerts.ts). */
export async function labStatus(lab?: string): Promise<LabStatus> {
  const { state, model } = openLab(lab);
  const secrets = labSecrets(state.name);
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
      return { name: h.name, roles: h.roles, up: alive, addresses: h.interfaces.map((i) => i.address), holds, services };
    }),
  );
  return { name: state.name, status: state.status, source: state.source, createdAt: state.createdAt, url: siteUrl(model), published: state.published, hosts };
}
