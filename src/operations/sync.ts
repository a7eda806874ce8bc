// Brings a running lab's files in line with a model, and reloads exactly the services whose files changed.
import { SERVICES } from "../runtime/services/index.js";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Model } from "../model/types.js";
import { hostFiles } from "../runtime/files.js";
import { mapPath, runInHost, writeHostFile, type HostFile } from "../runtime/host.js";
import { hostDir } from "../runtime/paths.js";
import type { Secrets } from "../runtime/secrets.js";
import type { ServiceContext } from "../runtime/services/types.js";
import { control, type Control } from "../runtime/supervise.js";
import { isAlive, type LabState } from "../runtime/state.js";
import { labTlsFiles } from "../runtime/tls.js";

export interface FileChange {
  host: string;
  path: string;
  change: "added" | "changed";
}

/** How a service takes a new configuration without dropping connections. */
export interface Reload {
  host: string;
  service: string;
  how: "signal" | "nft" | "restart-needed";
  signal?: Control;
  why: string;
}

/** Which service reads a file, and how it reloads: from each kind's ServiceDef, plus the host's firewall. */
const RELOADS: { prefix: string; service: string; signal?: Control; how?: Reload["how"] }[] = [
  ...Object.values(SERVICES).flatMap((d) =>
    (d!.reload?.files ?? []).map((prefix) => ({
      prefix,
      service: d!.kind as string,
      ...(d!.reload!.signal ? { signal: d!.reload!.signal } : {}),
      ...(d!.reload!.restartNeeded ? { how: "restart-needed" as const } : {}),
    })),
  ),
  { prefix: "/etc/nftables.conf", service: "firewall", how: "nft" },
];

/** The reloads a set of changed files calls for, one per host and service. */
export function reloadsFor(changes: FileChange[]): Reload[] {
  const out = new Map<string, Reload>();
  for (const c of changes) {
    const svc = /^\/etc\/stacklab\/service\/([^/]+)\/run$/.exec(c.path);
    if (svc && c.change === "changed") {
      out.set(`${c.host}/${svc[1]}`, { host: c.host, service: svc[1]!, how: "signal", signal: "term", why: "its run script changed (runit restarts it)" });
      continue;
    }
    const rule = RELOADS.find((r) => c.path.startsWith(r.prefix));
    if (!rule) continue;
    out.set(`${c.host}/${rule.service}`, { host: c.host, service: rule.service, how: rule.how ?? "signal", ...(rule.signal ? { signal: rule.signal } : {}), why: `${c.path} ${c.change}` });
  }
  return [...out.values()];
}

/** Files a host should have under a model (rendered, TLS, run scripts), without writing them. */
export async function desiredFiles(lab: string, model: Model, secrets: Secrets, specDir?: string): Promise<Map<string, HostFile[]>> {
  const tls = labTlsFiles(lab, model);
  const out = new Map<string, HostFile[]>();
  for (const host of model.hosts) {
    const ctx: ServiceContext = { lab, model, host, root: hostDir(lab, host.name), secrets, ...(specDir ? { specDir } : {}) };
    out.set(host.name, hostFiles(ctx, tls.get(host.name) ?? []));
  }
  return out;
}

/** Compares desired files with what the hosts have on disk. */
export function diffFiles(lab: string, desired: Map<string, HostFile[]>, hosts?: string[]): FileChange[] {
  const changes: FileChange[] = [];
  for (const [host, files] of desired) {
    if (hosts && !hosts.includes(host)) continue;
    const root = hostDir(lab, host);
    for (const f of files) {
      const target = join(root, mapPath(f.path));
      if (!existsSync(target)) changes.push({ host, path: f.path, change: "added" });
      else if (readFileSync(target, "utf8") !== f.content) changes.push({ host, path: f.path, change: "changed" });
    }
  }
  return changes;
}

/** Writes the changed files into the hosts' trees. */
export function writeChanges(lab: string, desired: Map<string, HostFile[]>, changes: FileChange[]): void {
  for (const c of changes) {
    const f = desired.get(c.host)!.find((x) => x.path === c.path)!;
    writeHostFile(hostDir(lab, c.host), f);
  }
}

/** Carries out reloads on running hosts; returns what could not be done (host down, restart needed). */
export async function runReloads(state: LabState, reloads: Reload[]): Promise<string[]> {
  const skipped: string[] = [];
  for (const r of reloads) {
    const hs = state.hosts.find((h) => h.name === r.host);
    if (!hs || !isAlive(hs.init)) {
      skipped.push(`${r.host}: down, ${r.service} takes the change when it starts`);
      continue;
    }
    if (r.how === "nft") {
      const conf = readFileSync(join(hostDir(state.name, r.host), "etc/nftables.conf"), "utf8");
      // One nft transaction: drop the old table and load the new ruleset, so no packet sees a half-loaded firewall.
      await runInHost(hs.init!.pid, ["nft", "-f", "-"], { input: `add table inet stacklab\ndelete table inet stacklab\n${conf}` });
    } else if (r.how === "restart-needed") {
      skipped.push(`${r.host}: ${r.service} needs a restart to take ${r.why}`);
    } else if (!control(state.name, r.host, r.service, r.signal!)) {
      skipped.push(`${r.host}: ${r.service} is not supervised`);
    }
  }
  return skipped;
}
