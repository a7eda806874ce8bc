import { describe, expect, it } from "vitest";
import { listBlueprints, loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel } from "../../src/model/index.js";

describe("blueprints", () => {
  it("ships the four seed designs, each valid", () => {
    expect(listBlueprints().map((b) => b.name)).toEqual(["0-simple_web_stack", "1-distributed_web_infrastructure", "2-secured_and_monitored_web_infrastructure", "3-scale_up"]);
  });

  it("design 0 is one server carrying web, app and db, reached by its own address", () => {
    const m = buildModel(loadBlueprint("0"));
    const servers = m.hosts.filter((h) => h.kind === "server");
    expect(servers.map((h) => [h.name, h.roles])).toEqual([["server-1", ["web", "app", "db"]]]);
    expect(m.loadBalancer).toBeNull();
    expect(m.entryPoints).toEqual([{ address: "198.18.0.20", kind: "host", holders: ["server-1"] }]);
    expect(m.dns.records.find((r) => r.fqdn === "www.foobar.com")).toMatchObject({ type: "A", values: ["198.18.0.20"] });
  });

  it("design 1 is one round-robin load balancer and two identical servers with primary and replica", () => {
    const m = buildModel(loadBlueprint("1"));
    expect(m.hosts.filter((h) => h.kind === "server").map((h) => h.name)).toEqual(["lb-1", "server-1", "server-2"]);
    expect(m.loadBalancer).toMatchObject({ algorithm: "roundrobin", ha: "single" });
    expect(m.database).toMatchObject({ primary: "server-1", replicas: ["server-2"], failover: "manual" });
    expect(m.firewall).toBe("none");
    expect(m.tls.mode).toBe("none");
  });

  it("design 2 has three firewalled, monitored servers and TLS ending at the load balancer", () => {
    const m = buildModel(loadBlueprint("2"));
    const servers = m.hosts.filter((h) => h.kind === "server");
    expect(servers).toHaveLength(3);
    expect(servers.every((h) => h.firewall && h.monitored)).toBe(true);
    expect(m.tls.mode).toBe("terminate");
    expect(m.flows.find((f) => f.id === "lb-web")).toMatchObject({ encrypted: false, port: 80 });
  });

  it("design 3 splits the tiers, pairs the load balancers on a floating IP and encrypts every hop", () => {
    const m = buildModel(loadBlueprint("3"));
    const roles = Object.fromEntries(m.hosts.map((h) => [h.name, h.roles]));
    expect(roles).toMatchObject({ "lb-1": ["lb"], "lb-2": ["lb"], "web-1": ["web"], "web-2": ["web"], "app-1": ["app"], "app-2": ["app"], "db-1": ["db"], "db-2": ["db"] });
    expect(m.entryPoints).toEqual([{ address: "198.18.0.100", kind: "floating", holders: ["lb-1", "lb-2"] }]);
    expect(m.database).toMatchObject({ primary: "db-1", replicas: ["db-2"], replication: "semisync", failover: "automatic" });
    const userData = m.flows.filter((f) => f.protocol !== "prometheus" && f.protocol !== "dns" && f.protocol !== "vrrp" && f.id !== "user-http");
    expect(userData.every((f) => f.encrypted)).toBe(true);
  });

  it("allocates every address from 198.18.0.0/15, in the slot's own block", () => {
    const m = buildModel(loadBlueprint("3"), { slot: 5 });
    expect(m.block).toBe("198.18.20.0/22");
    for (const h of m.hosts) for (const i of h.interfaces) expect(i.address.startsWith("198.18.2")).toBe(true);
  });
});
