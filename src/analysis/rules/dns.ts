// The DNS provider: outside the design, noted so readers know it was left out of the single-point check.
import type { Finding } from "../types.js";
import type { RuleContext } from "./context.js";

/** Raises `dns.provider` (info): the name lookup depends on a provider outside the design. */
export function dnsRules(ctx: RuleContext): Finding[] {
  const { model, graph } = ctx;
  return [
    {
      id: "dns.provider",
      severity: "info",
      category: "availability",
      title: "the DNS provider is outside the design",
      elements: [model.dns.server],
      evidence: `every visit starts with a lookup of ${graph.site} at ${model.dns.server}, the lab's stand-in for a DNS provider; it is not counted as a single point of failure of the design, and the estimate assumes it is up ${(model.availability.dns * 100).toFixed(2)}% of the time`,
      impact: `if the provider fails, visitors whose resolver still caches the answer keep reaching the site for up to the TTL (${model.dns.ttl} s); others cannot`,
      remedy: "use a provider that serves the zone from several name servers on separate networks",
    },
  ];
}
