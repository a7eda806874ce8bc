// The visitor's view: from the user host, every lab address on every port anything in the lab listens on.
import { PORTS, type Flow, type Model } from "../model/index.js";
import type { AuditContext, CheckResult } from "./context.js";
import { hostOfAddress } from "./expected.js";
import type { HostInventory } from "./inventory.js";
import { probeFrom, type ProbeResult, type ProbeTarget } from "./probe.js";

/** Ports scanned on every address on top of those something in the lab listens on. */
const USUAL_PORTS = [22, ...Object.values(PORTS)];

/** Every address of the lab and every port worth trying: what a port scan from the Internet side would try. */
export function scanTargets(model: Model, inventories: Map<string, HostInventory>): ProbeTarget[] {
  const addresses = new Set<string>([...model.hosts.flatMap((h) => h.interfaces.map((i) => i.address)), ...model.entryPoints.map((e) => e.address)]);
  const tcp = new Set<number>(USUAL_PORTS);
  const udp = new Set<number>([PORTS.dns]);
  for (const inv of inventories.values()) for (const l of inv.listeners) (l.transport === "tcp" ? tcp : udp).add(l.port);
  const targets: ProbeTarget[] = [];
  const own = new Set(model.hosts.filter((h) => h.roles.includes("user")).flatMap((h) => h.interfaces.map((i) => i.address)));
  for (const address of [...addresses].filter((a) => !own.has(a))) {
    for (const port of [...tcp].sort((a, b) => a - b)) targets.push({ address, port, transport: "tcp" });
    for (const port of [...udp].sort((a, b) => a - b)) targets.push({ address, port, transport: "udp" });
  }
  return targets;
}

/** The visitors' flow that lets an answer through: to the entry addresses (HTTP, HTTPS, and ports firewall.allow opens), or to the lab's DNS server. */
function expectedFlow(model: Model, r: ProbeResult): Flow | undefined {
  const flow = model.flows.find((f) => f.from.role === "user" && f.port === r.port && f.transport === r.transport && f.to.hosts.includes(hostOfAddress(model, r.address) ?? ""));
  if (!flow) return undefined;
  const entry = model.entryPoints.some((e) => e.address === r.address);
  if (flow.to.role === "dns") return flow;
  return entry ? flow : undefined;
}

function expectedOpen(model: Model, r: ProbeResult): string | undefined {
  return expectedFlow(model, r)?.id;
}

/** Judges the scan: only the entry point answers, only on the visitors' ports; private addresses are out of reach. */
export function judgeScan(model: Model, results: ProbeResult[]): CheckResult {
  const privateCidr = new Set(model.hosts.flatMap((h) => h.interfaces.filter((i) => i.network === "private").map((i) => i.address)));
  const open = results.filter((r) => r.state === "open");
  const unexpected = open.filter((r) => !expectedOpen(model, r));
  const dnsHost = model.hosts.find((h) => h.roles.includes("dns"));
  const dnsAddresses = new Set(dnsHost?.interfaces.map((i) => i.address) ?? []);
  const failing = unexpected.filter((r) => !dnsAddresses.has(r.address));
  const infra = unexpected.filter((r) => dnsAddresses.has(r.address));
  const privReached = results.filter((r) => privateCidr.has(r.address) && r.state !== "unreachable");
  const resets = [...new Set(results.filter((r) => r.state === "refused" && !privateCidr.has(r.address)).map((r) => r.address))];
  const fmt = (r: ProbeResult) => `${r.address}:${r.port}/${r.transport} (${hostOfAddress(model, r.address) ?? "?"})`;
  const extra = open.filter((r) => expectedFlow(model, r)?.declared);
  const answering = open.filter((r) => expectedOpen(model, r) && !expectedFlow(model, r)?.declared).map(fmt);
  const extraLine = (r: ProbeResult) => {
    const f = expectedFlow(model, r)!;
    return `WARN answers because firewall.allow[${f.declared!.index}] opens it (flow ${f.id}${f.declared!.acceptRisk ? `, accepted risk: ${f.declared!.acceptRisk}` : ""}): ${fmt(r)}`;
  };
  const details = [
    ...failing.map((r) => `answers but should not: ${fmt(r)}`),
    ...privReached.map((r) => `private address reachable from the user host: ${fmt(r)} ${r.state}`),
    ...extra.map(extraLine),
    `answers as designed: ${answering.join(", ") || "nothing"}`,
    ...infra.map((r) => `the lab's DNS server (not part of the design, no firewall) also answers on ${fmt(r)}`),
    ...(resets.length ? [`closed ports answer with a reset (no firewall drops them) on ${resets.join(", ")}`] : []),
  ];
  const bad = failing.length + privReached.length;
  const entries = model.entryPoints.map((e) => e.address).join(", ");
  const ports = [...new Set(model.flows.filter((f) => f.from.role === "user" && f.to.role !== "dns" && !f.declared).map((f) => f.port))].join(" and ");
  const extraPorts = [...new Set(extra.map((r) => `${r.port}/${r.transport}`))];
  return {
    id: "exposure",
    title: "scan from the user host",
    status: bad ? "fail" : extra.length ? "warn" : "pass",
    summary: bad
      ? `${bad} unexpected answer${bad > 1 ? "s" : ""} to a scan of ${results.length} address/port pairs from the user host`
      : extra.length
        ? `a scan of ${results.length} address/port pairs from the user host finds the entry point (${entries}) answering on ${ports}, and on ${extraPorts.join(", ")}, which firewall.allow opens to visitors`
        : `a scan of ${results.length} address/port pairs from the user host finds only the entry point (${entries}) answering, on ${ports}; private addresses are out of reach`,
    details,
  };
}

/** Scans the lab from the user host. */
export async function scanFromUser(ctx: AuditContext, inventories: Map<string, HostInventory>): Promise<CheckResult> {
  const results = await probeFrom(ctx, "user", scanTargets(ctx.model, inventories));
  return judgeScan(ctx.model, results);
}
