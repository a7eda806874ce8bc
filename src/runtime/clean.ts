// `clean`: removes every leftover of stacklab on this machine, found from recorded state and from stacklab's own marks only.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { down } from "./down.js";
import { run } from "./exec.js";
import { deleteNamespaces, listStacklabNamespaces } from "./network.js";
import { NETNS_PREFIX, stateRoot } from "./paths.js";
import { listLabs } from "./state.js";
import { requireRoot } from "./preflight.js";

export interface CleanReport {
  labs: string[];
  namespaces: string[];
  processes: number[];
  directories: string[];
}

/** Pids of processes in the root namespaces whose command line names stacklab's state directory (our publishing relays). */
function markedProcesses(): number[] {
  const mark = join(stateRoot(), "labs") + "/";
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmd[0]?.endsWith("socat") && cmd.some((a) => a.includes(mark))) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Removes everything stacklab left behind: recorded labs, then namespaces carrying its prefix and the processes inside them. */
export async function clean(): Promise<CleanReport> {
  requireRoot("clean");
  const report: CleanReport = { labs: [], namespaces: [], processes: [], directories: [] };
  for (const lab of listLabs()) {
    await down(lab, { quiet: true }).catch(() => undefined);
    report.labs.push(lab);
  }
  const leftovers = await listStacklabNamespaces(NETNS_PREFIX);
  for (const ns of leftovers) {
    const r = await run(["ip", "netns", "pids", ns], { check: false });
    for (const pid of r.stdout.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        process.kill(pid, "SIGKILL");
        report.processes.push(pid);
      } catch {
        // already gone
      }
    }
  }
  for (const pid of markedProcesses()) {
    try {
      process.kill(pid, "SIGKILL");
      report.processes.push(pid);
    } catch {
      // already gone
    }
  }
  if (leftovers.length) await new Promise((r) => setTimeout(r, 200));
  await deleteNamespaces(leftovers);
  report.namespaces = leftovers;
  const labsDir = join(stateRoot(), "labs");
  if (existsSync(labsDir)) {
    for (const d of readdirSync(labsDir)) {
      rmSync(join(labsDir, d), { recursive: true, force: true });
      report.directories.push(join(labsDir, d));
    }
  }
  return report;
}
