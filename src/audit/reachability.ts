// The reachability matrix: from every host to every listening port of every other host, declared against actual.
import type { Model } from "../model/types.js";
import { designHosts, type AuditContext, type CheckResult } from "./context.js";
import { flowDestinations } from "../render/config/nftables.js";
import { declaredFlow, onLink } from "./expected.js";
import type { HostInventory } from "./inventory.js";
import { probeFrom, type ProbeState, type ProbeTarget } from "./probe.js";
import { count } from "./words.js";

/** One probe of the matrix: from a host to an address and port of another host. */
export interface MatrixCell extends ProbeTarget {
  from: string;
  to: string;
  /** Something listens there (from the destination's `ss`); false for a declared flow with no listener yet. */
  listening: boolean;
  /** The flow that allows it, when the design declares one. */
  flow?: string;
  state: ProbeState;
  /** The probe got through every firewall (a reset from a port nothing listens on counts too). */
  through: boolean | null;
}

/** The endpoints of a host to probe: its listeners on each of its addresses, and the ports declared flows expect there. */
export function endpointsOf(model: Model, inv: HostInventory): { target: ProbeTarget; listening: boolean }[] {
  const own = inv.addresses.map((a) => a.address);
  const out = new Map<string, { target: ProbeTarget; listening: boolean }>();
  const add = (target: ProbeTarget, listening: boolean) => {
    const key = `${target.transport} ${target.address}:${target.port}`;
    if (!out.has(key) || listening) out.set(key, { target, listening });
  };
  for (const l of inv.listeners) {
    if (l.address.startsWith("127.")) continue;
    for (const address of l.address === "*" ? own : [l.address]) add({ address, port: l.port, transport: l.transport }, true);
  }
  for (const f of model.flows) {
    if (f.transport === "vrrp" || !f.to.hosts.includes(inv.host)) continue;
    // A floating IP counts only on the host that holds it now.
    for (const address of flowDestinations(model, f, inv.host).filter((a) => own.includes(a))) add({ address, port: f.port, transport: f.transport }, false);
  }
  return [...out.values()];
}

function through(state: ProbeState, listening: boolean): boolean | null {
  if (state === "silent" || state === "local") return null;
  return state === "open" || (!listening && state === "refused");
}

/** Probes the whole matrix: one probe process per source host, all hosts at once. */
export async function probeMatrix(ctx: AuditContext, inventories: Map<string, HostInventory>): Promise<MatrixCell[]> {
  const { model } = ctx;
  const endpoints = [...inventories.values()].map((inv) => ({ host: inv.host, list: endpointsOf(model, inv) }));
  const perSource = await Promise.all(
    [...inventories.values()].map(async (src) => {
      const plan = endpoints
        .filter((e) => e.host !== src.host)
        .flatMap((e) => e.list.filter((x) => onLink(x.target.address, src.addresses)).map((x) => ({ to: e.host, ...x })))
        // A port nothing listens on is only tried by the hosts a flow lets through: it tells whether the firewall would.
        .filter((p) => p.listening || declaredFlow(model, src.host, p.to, p.target.address, p.target.port, p.target.transport));
      const results = await probeFrom(
        ctx,
        src.host,
        plan.map((p) => p.target),
      );
      return plan.map((p, i): MatrixCell => {
        const state = results[i]!.state;
        const flow = declaredFlow(model, src.host, p.to, p.target.address, p.target.port, p.target.transport);
        return { ...p.target, from: src.host, to: p.to, listening: p.listening, ...(flow ? { flow: flow.id } : {}), state, through: through(state, p.listening) };
      });
    }),
  );
  return perSource.flat();
}

function describe(c: MatrixCell): string {
  return `${c.from} -> ${c.to} ${c.address}:${c.port}/${c.transport}${c.flow ? ` (flow ${c.flow})` : ""}: ${c.state}${c.listening ? "" : ", nothing listens"}`;
}

/** Judges the matrix: a declared flow that is blocked always fails; an undeclared one that gets through fails on the design's hosts. */
export function judgeMatrix(model: Model, cells: MatrixCell[]): CheckResult {
  const enforced = new Set(designHosts(model).map((h) => h.name));
  const blocked = cells.filter((c) => c.flow && c.through === false);
  const open = cells.filter((c) => !c.flow && c.through === true);
  const openEnforced = open.filter((c) => enforced.has(c.to));
  const openInfra = open.filter((c) => !enforced.has(c.to));
  // A floating IP that moved to the probing host while the audit ran: that probe never left the host.
  const local = cells.filter((c) => c.state === "local");
  const unknown = cells.filter((c) => c.through === null && c.state !== "local");
  const failed = blocked.length + openEnforced.length;
  const extra = new Set(model.flows.filter((f) => f.declared).map((f) => f.id));
  const details = [
    ...blocked.map((c) => `blocked but should be allowed: ${describe(c)}`),
    ...openEnforced.map((c) => `allowed but should be blocked: ${describe(c)}`),
    ...openInfra.map((c) => `open on the lab's own ${c.to} host (not a server of the design): ${describe(c)}`),
    ...unknown.map((c) => `no answer and no refusal (UDP cannot tell open from dropped): ${describe(c)}`),
    ...local.map((c) => `not judged: ${c.from} held ${c.address} itself during the probes (a floating IP moved while the audit ran): ${describe(c)}`),
    ...cells.filter((c) => c.through === true && extra.has(c.flow ?? "")).map((c) => `gets through as firewall.allow declares: ${describe(c)}`),
  ];
  const declared = cells.filter((c) => c.flow).length;
  return {
    id: "reachability",
    title: "reachability matrix",
    status: failed ? "fail" : "pass",
    summary: failed
      ? `${failed} of ${count(cells.length, "probe")} disagree with the design: ${blocked.length} blocked but should be allowed, ${openEnforced.length} allowed but should be blocked`
      : `all ${cells.length} probes between hosts match the design: ${declared} on declared flows get through, ${cells.filter((c) => !c.flow && c.through === false).length} others are blocked${openInfra.length ? ` (${openInfra.length} open on the lab's DNS server, which has no firewall)` : ""}`,
    details,
  };
}

/** Checks that each floating IP is held by exactly one load balancer: VRRP adverts get through the firewalls. */
export function judgeVrrp(model: Model, inventories: Map<string, HostInventory>): CheckResult | undefined {
  const floating = model.entryPoints.filter((e) => e.kind === "floating");
  if (!floating.length) return undefined;
  const details = floating.map((e) => {
    const holders = e.holders.filter((h) => inventories.get(h)?.addresses.some((a) => a.address === e.address));
    return { e, holders, line: `${e.address}: held by ${holders.length ? holders.join(", ") : "nobody"} (candidates ${e.holders.join(", ")})` };
  });
  const bad = details.filter((d) => d.holders.length !== 1);
  return {
    id: "vrrp",
    title: "VRRP between the load balancers",
    status: bad.length ? "fail" : "pass",
    summary: bad.length
      ? `${bad.length} floating IP${bad.length > 1 ? "s are" : " is"} held by ${bad.some((d) => d.holders.length > 1) ? "more than one load balancer: their VRRP adverts do not reach each other" : "no load balancer"}`
      : `each floating IP is held by exactly one load balancer: their VRRP adverts reach each other`,
    details: details.map((d) => d.line),
  };
}
