// Network faults: partitions (nftables in each host's namespace) and delay and loss on a host's links.
import type { Model } from "../../model/types.js";
import { UsageError } from "../../spec/errors.js";
import type { ProcRecord } from "../state.js";
import { run } from "../exec.js";
import { startDelayQueue, stopDelayQueue } from "./delay-queue.js";
import type { LinkImpairment } from "./types.js";
import { addFault, dropFaults, FAULT_TABLE, faults, hostOf, result, type ActiveFault, type FaultLab, type FaultResult } from "./ledger.js";

function addresses(model: Model, host: string): string[] {
  return model.hosts.find((h) => h.name === host)?.interfaces.map((i) => i.address) ?? [];
}

/** The fault table of one host: drops traffic to and from every host it is cut off from (an empty table is deleted). */
export function partitionRuleset(model: Model, active: readonly ActiveFault[], host: string): string {
  const blocked = new Set<string>();
  for (const f of active) {
    if (f.kind !== "partition") continue;
    const other = f.hosts.includes(host) ? f.from : f.from.includes(host) ? f.hosts : [];
    for (const o of other) for (const a of addresses(model, o)) blocked.add(a);
  }
  const lines = [`table inet ${FAULT_TABLE}`, `delete table inet ${FAULT_TABLE}`];
  if (blocked.size) {
    const set = [...blocked].sort().join(", ");
    lines.push(
      `table inet ${FAULT_TABLE} {`,
      `  chain input {`,
      `    type filter hook input priority filter - 10; policy accept;`,
      `    ip saddr { ${set} } counter drop comment "stacklab fault: partition"`,
      `  }`,
      `  chain output {`,
      `    type filter hook output priority filter - 10; policy accept;`,
      `    ip daddr { ${set} } counter drop comment "stacklab fault: partition"`,
      `  }`,
      `}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export async function applyPartitions(lab: FaultLab, hosts: string[]): Promise<void> {
  await Promise.all(hosts.map((host) => run(["ip", "netns", "exec", hostOf(lab, host).netns, "nft", "-f", "-"], { input: partitionRuleset(lab.model, faults(lab), host) })));
}

/** Cuts a group of hosts off from others (every other host by default), both directions, with nftables in each host's namespace. */
export async function partition(lab: FaultLab, hosts: string[], from?: string[]): Promise<FaultResult> {
  if (!hosts.length) throw new UsageError("name at least one host to cut off");
  const group = [...new Set(hosts)];
  for (const h of [...group, ...(from ?? [])]) hostOf(lab, h);
  const others = [...new Set(from ?? lab.state.hosts.map((h) => h.name))].filter((h) => !group.includes(h));
  if (!others.length) throw new UsageError(`nothing to cut ${group.join(", ")} off from: --from names only the same hosts`);
  const at = Date.now();
  addFault(lab, { kind: "partition", hosts: group, from: others, at });
  await applyPartitions(lab, [...group, ...others]);
  return result(lab, "fault", "partition", group, at, `cut ${group.join(", ")} off from ${from ? others.join(", ") : "every other host"} (both directions)`, { from: others });
}

// ---------------------------------------------------------------- delay and loss

let netemInKernel: boolean | undefined;

async function tcNetem(netns: string, ifname: string, imp: LinkImpairment): Promise<boolean> {
  if (netemInKernel === false) return false;
  const args = ["ip", "netns", "exec", netns, "tc", "qdisc", "replace", "dev", ifname, "root", "netem"];
  if (imp.delayMs || imp.jitterMs) args.push("delay", `${imp.delayMs}ms`, ...(imp.jitterMs ? [`${imp.jitterMs}ms`] : []));
  if (imp.lossPct) args.push("loss", `${imp.lossPct}%`);
  const r = await run(args, { check: false });
  if (r.code === 0) return (netemInKernel = true);
  if (/unknown/i.test(r.stderr)) return (netemInKernel = false);
  throw new Error(`tc netem on ${ifname} failed: ${r.stderr.trim()}`);
}

export async function undoNetem(lab: FaultLab, f: Extract<ActiveFault, { kind: "netem" }>): Promise<void> {
  const netns = hostOf(lab, f.host).netns;
  if (f.via === "tc") await Promise.all(f.links.map((l) => run(["ip", "netns", "exec", netns, "tc", "qdisc", "del", "dev", l, "root"], { check: false })));
  else await stopDelayQueue(lab.state.name, f.host, netns, f.links, f.proc);
  if (f.proc) lab.state.extra = lab.state.extra.filter((p) => p.pid !== f.proc!.pid);
}

/** Rejects delay, jitter and loss values that make no sense. */
export function checkImpairment(imp: LinkImpairment): void {
  if (!(imp.delayMs >= 0 && imp.delayMs <= 10_000)) throw new UsageError(`delay must be between 0 and 10 s; got ${imp.delayMs} ms`);
  if (!(imp.jitterMs >= 0 && imp.jitterMs <= imp.delayMs)) throw new UsageError(`jitter must be between 0 and the delay (${imp.delayMs} ms); got ${imp.jitterMs} ms`);
  if (!(imp.lossPct >= 0 && imp.lossPct <= 100)) throw new UsageError(`loss must be between 0% and 100%; got ${imp.lossPct}%`);
  if (!imp.delayMs && !imp.lossPct) throw new UsageError("give a delay or a loss (or both)");
}

/** Delays (with jitter) and drops a share of the packets a host sends on its links: netem, or a userspace queue where the kernel lacks it. */
export async function netem(lab: FaultLab, host: string, imp: LinkImpairment, link?: string): Promise<FaultResult> {
  const h = hostOf(lab, host);
  const mh = lab.model.hosts.find((x) => x.name === host)!;
  const links = mh.interfaces.filter((i) => !link || i.ifname === link || i.network === link).map((i) => i.ifname);
  if (!links.length) throw new UsageError(`${host} has no link "${link}"; its links: ${mh.interfaces.map((i) => `${i.ifname} (${i.network})`).join(", ")}`);
  checkImpairment(imp);
  const at = Date.now();
  for (const old of dropFaults(lab, (f) => f.kind === "netem" && f.host === host)) await undoNetem(lab, old as Extract<ActiveFault, { kind: "netem" }>);
  let via: "tc" | "queue" = "tc";
  for (const l of links) if (!(await tcNetem(h.netns, l, imp))) via = "queue";
  let proc: ProcRecord | undefined;
  if (via === "queue") {
    proc = await startDelayQueue(lab.state.name, host, h.netns, links, imp);
    lab.state.extra.push({ ...proc, what: `packet delayer for ${host}` });
  }
  addFault(lab, { kind: "netem", host, links, via, ...(proc ? { proc } : {}), ...imp, at });
  const what = [imp.delayMs ? `${imp.delayMs} ms delay${imp.jitterMs ? ` ± ${imp.jitterMs} ms` : ""}` : "", imp.lossPct ? `${imp.lossPct}% loss` : ""].filter(Boolean).join(", ");
  return result(lab, "fault", "netem", [host], at, `${what} on what ${host} sends over ${links.join(", ")}${via === "queue" ? " (userspace queue: this kernel has no netem)" : ""}`, { ...imp, links });
}
