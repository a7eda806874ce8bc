// `clean`: removes every leftover of stacklab under this state root, found from recorded state and stacklab's own
// marks only: the labs' records, namespaces named after a recorded lab, and processes carrying the lab mark.
// A lab whose lock is held by a live command is left alone (it is being worked on), and so is anything that
// belongs to no lab of this state root (another user's labs, or not stacklab's at all).
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { killRecorded, markedProcesses, namespacesOf, removeLab, waitGone } from "./lifecycle.js";
import { deleteNamespaces, listStacklabNamespaces } from "./network.js";
import { labOfNetns, lockDir, NETNS_PREFIX, stateRoot } from "./paths.js";
import { isAlive, labFolders, readStateRaw, type LabState } from "./state.js";
import { requireRoot } from "./preflight.js";
import { labCgroupsEmpty, labsWithCgroups, removeLabCgroups } from "./cgroups.js";
import { isLocked, lockHolder, lockLab, removeStaleLock } from "./lock.js";

/** One thing clean removed (or would remove), and why it is stacklab's. */
export interface CleanItem {
  what: string;
  why: string;
}

export interface CleanReport {
  dryRun: boolean;
  labs: CleanItem[];
  namespaces: CleanItem[];
  processes: CleanItem[];
  directories: CleanItem[];
  /** What clean saw and left alone, with the reason. */
  skipped: CleanItem[];
}

/** Removes (or, with dryRun, lists) everything stacklab left behind under this state root. */
export async function clean(opts: { dryRun?: boolean } = {}): Promise<CleanReport> {
  requireRoot("clean");
  const dryRun = opts.dryRun === true;
  const report: CleanReport = { dryRun, labs: [], namespaces: [], processes: [], directories: [], skipped: [] };
  const root = join(stateRoot(), "labs");
  const allNamespaces = await listStacklabNamespaces(NETNS_PREFIX);
  const busy = new Set<string>();

  for (const lab of labFolders()) {
    if (isLocked(lab)) {
      const h = lockHolder(lab)!;
      busy.add(lab);
      report.skipped.push({ what: `lab ${lab}`, why: `\`${h.command}\` (pid ${h.pid}) holds its lock` });
      continue;
    }
    let state: LabState | undefined;
    let why = `recorded in ${join(root, lab, "state.json")}`;
    try {
      state = readStateRaw(lab);
    } catch (err) {
      why = `its folder ${join(root, lab)} (${(err as Error).message.split(";")[0]})`;
    }
    if (!state) why = existsSync(join(root, lab, "state.json")) ? why : `its folder ${join(root, lab)} (no state recorded: an \`up\` stopped early)`;
    const record: Pick<LabState, "name" | "hosts" | "switchNetns" | "extra"> = state ?? { name: lab, hosts: [], switchNetns: "", extra: [] };
    const named = allNamespaces.filter((n) => labOfNetns(n) === lab);
    const recordedNs = new Set([record.switchNetns, ...record.hosts.map((h) => h.netns)].filter(Boolean));
    const procs = [...record.extra, ...record.hosts.flatMap((h) => [h.init, h.launcher])].filter((p) => p !== undefined);
    const marked = markedProcesses(join(root, lab));
    report.labs.push({ what: lab, why });
    for (const ns of new Set([...recordedNs].filter((n) => allNamespaces.includes(n)).concat(named)))
      report.namespaces.push({ what: ns, why: recordedNs.has(ns) ? `recorded by lab ${lab}` : `named after lab ${lab}` });
    for (const p of marked) report.processes.push({ what: `${p.pid} (${p.comm})`, why: `carries lab ${lab}'s mark ${p.mark}` });
    for (const p of procs) if (!marked.some((m) => m.pid === p.pid) && isAlive(p)) report.processes.push({ what: String(p.pid), why: `recorded by lab ${lab}` });
    report.directories.push({ what: join(root, lab), why: `lab ${lab}'s folder` });
    if (dryRun) continue;
    const lock = await lockLab(lab, "stacklab clean");
    try {
      await removeLab(record);
      // Namespaces named after the lab that its record did not list yet (an `up` killed between two writes).
      await deleteNamespaces(await namespacesOf(lab));
    } finally {
      lock.release();
      removeStaleLock(lab);
    }
  }

  // Marked processes whose lab folder is gone (removed by hand, or an older stacklab's clean).
  const orphans = markedProcesses(root).filter((p) => !busy.has(labOfMark(p.mark, root) ?? ""));
  for (const p of orphans.filter((o) => !report.processes.some((x) => x.what.startsWith(`${o.pid} `))))
    report.processes.push({ what: `${p.pid} (${p.comm})`, why: `carries the mark ${p.mark} of a lab that has no folder any more` });
  if (!dryRun) {
    for (const p of orphans) killRecorded(p);
    await waitGone(orphans);
  }

  // Namespaces that look like stacklab's but belong to no lab here: another state root's, or nobody's. Left alone.
  const known = new Set(labFolders());
  for (const ns of allNamespaces) {
    const lab = labOfNetns(ns);
    if (lab === undefined)
      report.skipped.push({
        what: `namespace ${ns}`,
        why: "not named the way this stacklab names namespaces (an older version's, or not stacklab's): remove it by hand if it is yours (`ip netns delete`)",
      });
    else if (!known.has(lab) && !report.namespaces.some((n) => n.what === ns))
      report.skipped.push({ what: `namespace ${ns}`, why: `lab ${lab} is not recorded under ${root} (another user's or another STACKLAB_HOME's)` });
  }

  // cgroups of sized hosts whose lab is gone (an `up` killed before its record, or removed by hand);
  // only empty ones: a cgroup with processes belongs to a lab that runs, perhaps under another state root.
  for (const lab of labsWithCgroups().filter((l) => !busy.has(l) && labCgroupsEmpty(l) && (dryRun ? !report.labs.some((x) => x.what === l) : true))) {
    report.directories.push({ what: `cgroups of lab ${lab}`, why: `under stacklab's own cgroup folder (stacklab/${lab})` });
    if (!dryRun) await removeLabCgroups(lab).catch((err: unknown) => report.skipped.push({ what: `cgroups of lab ${lab}`, why: (err as Error).message }));
  }

  if (!dryRun && existsSync(lockDir())) for (const f of readdirSync(lockDir())) if (f.endsWith(".lock") && !known.has(f.slice(0, -5)) && f !== "_slots.lock") removeStaleLock(f.slice(0, -5));
  if (!dryRun && existsSync(root)) for (const d of readdirSync(root)) if (!busy.has(d) && !known.has(d)) rmSync(join(root, d), { recursive: true, force: true });
  return report;
}

/** The lab a mark belongs to (`<root>/<lab>/...`). */
function labOfMark(mark: string, root: string): string | undefined {
  return mark.startsWith(`${root}/`) ? mark.slice(root.length + 1).split("/")[0] : undefined;
}
