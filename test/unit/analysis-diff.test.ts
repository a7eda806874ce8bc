import { describe, expect, it } from "vitest";
import { diffModels, formatDiff } from "../../src/analysis/index.js";
import { blueprintModel } from "./analysis-helpers.js";

describe("diff between two designs", () => {
  const diff = diffModels(blueprintModel("2"), blueprintModel("3"), { labels: ["2", "3"] });

  it("2 -> 3 resolves the TLS-termination, write-primary and load-balancer SPOF findings", () => {
    const resolved = diff.findings.resolved.map((f) => f.id);
    expect(resolved).toEqual(expect.arrayContaining(["security.tls-terminated-at-lb", "spof.write.server-1", "spof.host.lb-1", "scaling.collocated"]));
    expect(diff.findings.introduced.map((f) => f.id)).toEqual([]);
    expect(diff.availability.after.availability).toBeGreaterThan(diff.availability.before.availability);
  });

  it("2 -> 3 adds lb-2 and the split tiers, removes the combined servers, and changes the settings", () => {
    expect(diff.hosts.added.map((h) => h.name)).toEqual(["lb-2", "web-1", "web-2", "app-1", "app-2", "db-1", "db-2"]);
    expect(diff.hosts.removed).toEqual([
      { name: "server-1", roles: ["web", "app", "db"] },
      { name: "server-2", roles: ["web", "app", "db"] },
    ]);
    expect(diff.settings).toEqual(
      expect.arrayContaining([
        { key: "tls.mode", before: "terminate", after: "reencrypt" },
        { key: "database.failover", before: "manual", after: "automatic" },
        { key: "loadBalancer.ha", before: "single", after: "active-passive" },
      ]),
    );
    expect(diff.entryPoints.added).toEqual(["198.18.0.100 (floating: lb-1, lb-2)"]);
    expect(diff.services.added).toEqual(expect.arrayContaining(["lb-2: haproxy", "lb-2: keepalived", "mon-1: failover-controller", "mon-1: etcd", "lb-1: etcd"]));
    // design 3's failover controllers talk to the database agents and elect their leader through etcd, where the
    // primary's agent holds its lease
    expect(diff.flows.added.map((f) => f.id)).toEqual([
      "lb-vrrp",
      "controller-agent",
      "controller-agent-monitor",
      "etcd-peer-lb",
      "etcd-peer-monitor",
      "etcd-client-lb",
      "etcd-client-monitor",
      "etcd-lease-lb",
      "etcd-lease-monitor",
      "scrape-etcd-lb",
      "scrape-etcd-monitor",
    ]);
    expect(diff.flows.changed.find((c) => c.key === "lb-web")).toMatchObject({ before: expect.stringContaining("plaintext"), after: expect.stringContaining("https:443 encrypted") });
  });

  it("1 -> 2 resolves the firewall, HTTPS and monitoring findings and introduces the TLS-termination one", () => {
    const d = diffModels(blueprintModel("1"), blueprintModel("2"));
    expect(d.findings.resolved.map((f) => f.id)).toEqual(expect.arrayContaining(["security.no-firewall", "security.no-https", "monitoring.none"]));
    expect(d.findings.introduced.map((f) => f.id)).toContain("security.tls-terminated-at-lb");
    expect(d.hosts.added.map((h) => h.name)).toEqual(["mon-1"]);
  });

  it("a design compared with itself shows no change", () => {
    const d = diffModels(blueprintModel("3"), blueprintModel("3"));
    expect([d.hosts.added, d.hosts.removed, d.settings, d.flows.changed, d.findings.resolved, d.findings.introduced].every((x) => x.length === 0)).toBe(true);
    expect(formatDiff(d)).toContain("no finding resolved or introduced");
  });

  it("the text view marks additions, removals and resolved findings", () => {
    const text = formatDiff(diff);
    expect(text).toContain("diff 2 -> 3");
    expect(text).toContain("+ lb-2 (lb)");
    expect(text).toContain("- server-1 (web, app, db)");
    expect(text).toContain("~ tls.mode: terminate -> reencrypt");
    expect(text).toMatch(/✓ \[critical\] spof\.host\.lb-1/);
  });
});
