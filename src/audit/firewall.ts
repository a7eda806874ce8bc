// Is each firewall of the design loaded, default-deny both ways, with one rule per flow of the host?
import type { Host } from "../model/types.js";
import { FIREWALL_TABLE, firewallRules } from "../render/config/nftables.js";
import { designHosts, type AuditContext, type CheckResult } from "./context.js";
import type { HostInventory } from "./inventory.js";
import { allOf, count } from "./words.js";

interface NftChain {
  name: string;
  hook?: string;
  policy?: string;
}
interface NftRule {
  chain: string;
  comment?: string;
  expr?: { counter?: { packets: number } }[];
}

/** The chains and rules of the firewall table as `nft -j list table` prints them; undefined when the table is missing. */
export function parseNftJson(json: string): { chains: NftChain[]; rules: NftRule[] } | undefined {
  let doc: { nftables?: Record<string, unknown>[] };
  try {
    doc = JSON.parse(json) as typeof doc;
  } catch {
    return undefined;
  }
  const items = doc.nftables ?? [];
  if (!items.some((i) => "table" in i)) return undefined;
  return {
    chains: items.filter((i) => "chain" in i).map((i) => i.chain as NftChain),
    rules: items.filter((i) => "rule" in i).map((i) => i.rule as NftRule),
  };
}

/** What is wrong with a host's loaded firewall (empty when it is as rendered), and how many packets it dropped. */
export function firewallProblems(host: Host, loaded: ReturnType<typeof parseNftJson>, expected: { direction: "in" | "out"; flow: string }[]): { problems: string[]; dropped: number } {
  if (!loaded) return { problems: [`${host.name}: no table inet ${FIREWALL_TABLE} is loaded`], dropped: 0 };
  const problems: string[] = [];
  for (const [name, hook] of [
    ["input", "input"],
    ["output", "output"],
  ] as const) {
    const chain = loaded.chains.find((c) => c.hook === hook);
    if (!chain) problems.push(`${host.name}: no ${name} chain`);
    else if (chain.policy !== "drop") problems.push(`${host.name}: the ${name} chain's policy is ${chain.policy ?? "accept"}, not drop`);
  }
  for (const rule of expected) {
    const chain = rule.direction === "in" ? "input" : "output";
    if (!loaded.rules.some((r) => r.chain === chain && r.comment === `flow ${rule.flow}`)) problems.push(`${host.name}: no ${chain} rule for flow ${rule.flow}`);
  }
  const dropped = loaded.rules.filter((r) => r.comment?.startsWith("default deny")).reduce((n, r) => n + (r.expr?.find((e) => e.counter)?.counter?.packets ?? 0), 0);
  return { problems, dropped };
}

/** Checks the firewalls: the design must have them, and each must be loaded as rendered. */
export async function checkFirewalls(ctx: AuditContext, inventories: Map<string, HostInventory>): Promise<CheckResult> {
  const { model } = ctx;
  const hosts = designHosts(model);
  const ports = (h: string) =>
    [
      ...new Set(
        inventories
          .get(h)
          ?.listeners.filter((l) => !l.address.startsWith("127."))
          .map((l) => `${l.port}/${l.transport}`) ?? [],
      ),
    ].join(", ");
  const bare = hosts.filter((h) => !h.firewall);
  if (bare.length) {
    return {
      id: "firewall",
      title: "host firewalls",
      status: "fail",
      summary: `${bare.length} of ${count(hosts.length, "host")} of the design run${bare.length === 1 ? "s" : ""} no firewall (firewall.policy: ${model.firewall}): every port they listen on is open to every host on their networks`,
      details: bare.map((h) => `${h.name}: no firewall; listening on ${ports(h.name) || "nothing"}`),
    };
  }
  const results = await Promise.all(
    hosts
      .filter((h) => ctx.isUp(h.name))
      .map(async (h) => {
        const r = await ctx.inHost(h.name, ["nft", "-j", "list", "table", "inet", FIREWALL_TABLE]);
        const rules = firewallRules(model, h).map((x) => ({ direction: x.direction, flow: x.flow }));
        return { host: h, rules: rules.length, ...firewallProblems(h, r.code === 0 ? parseNftJson(r.stdout) : undefined, rules) };
      }),
  );
  const problems = results.flatMap((r) => r.problems);
  return {
    id: "firewall",
    title: "host firewalls",
    status: problems.length ? "fail" : "pass",
    summary: problems.length
      ? `${problems.length} problem${problems.length > 1 ? "s" : ""} with the loaded firewalls`
      : `${allOf(results.length, "host")} of the design run${results.length === 1 ? "s" : ""} the table inet ${FIREWALL_TABLE}: default deny in and out, one accept rule per flow`,
    details: [...problems, ...results.map((r) => `${r.host.name}: ${r.rules} flow rules; ${r.dropped} packets dropped by default so far`)],
  };
}
