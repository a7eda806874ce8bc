// Plaintext behind the entry point: unencrypted flows carrying user data on the private network.
import type { Finding } from "../types.js";
import { list } from "../words.js";
import type { RuleContext } from "./context.js";
import { carriesUserData } from "./security.js";

/** Raises `security.tls-terminated-at-lb` and `security.plaintext-internal` (only when visitors use HTTPS; else `security.no-https` covers it). */
export function encryptionRules(ctx: RuleContext): Finding[] {
  const { model } = ctx;
  const https = model.flows.some((f) => f.from.role === "user" && f.encrypted);
  if (!https) return [];
  const plain = model.flows.filter((f) => carriesUserData(f) && f.network === "private" && !f.encrypted);
  const fromLb = plain.filter((f) => f.from.role === "lb");
  const others = plain.filter((f) => f.from.role !== "lb");
  const out: Finding[] = [];
  for (const f of fromLb)
    out.push({
      id: "security.tls-terminated-at-lb",
      severity: "high",
      category: "security",
      title: "TLS ends at the load balancer; traffic behind it is plaintext",
      elements: [...f.from.hosts, ...f.to.hosts],
      evidence: `HTTPS from visitors ends on ${list(f.from.hosts)} (tls.mode: ${model.tls.mode}); flow ${f.id} then carries the decrypted requests as ${f.protocol.toUpperCase()} on port ${f.port} across the private network to ${list(f.to.hosts)}`,
      impact: "anyone who gets onto the private network (a compromised server, a misconfigured switch) can read and alter visitors' requests, cookies and passwords",
      remedy: "set tls.mode: reencrypt (or passthrough) so the load balancer talks HTTPS to the web servers",
    });
  if (others.length)
    out.push({
      id: "security.plaintext-internal",
      severity: "medium",
      category: "security",
      title: "internal hops carry user data unencrypted",
      elements: others.map((f) => f.id),
      evidence: `${list(others.map((f) => `${f.id} (${f.protocol} on port ${f.port}, ${list(f.from.hosts)} -> ${list(f.to.hosts)})`))} cross the private network without encryption`,
      impact: "queries, answers and replicated rows can be read by anyone who gets onto the private network",
      remedy: "set tls.internal: true to encrypt the web -> app and app -> database hops and replication",
    });
  return out;
}
