// `explain` answers every question the course asks, for each blueprint, with the design's own hosts, addresses and ports.
import { describe, expect, it } from "vitest";
import { explain, type Explanation, type Hop } from "../../src/explain/index.js";
import type { Model } from "../../src/model/index.js";
import { BLUEPRINTS, blueprintModel, inlineModel, sectionText } from "./explain-helpers.js";

const designs: [string, Model, Explanation][] = BLUEPRINTS.map((name) => {
  const model = blueprintModel(name);
  return [name, model, explain(model)];
});
type Case = { m: Model; e: Explanation };
const [d0, d1, d2, d3] = designs.map(([, m, e]) => ({ m, e })) as [Case, Case, Case, Case];

const hopText = (hops: Hop[]) => hops.map((h) => h.what).join("\n");

describe.each(designs)("explain %s", (_name, model, e) => {
  it("has every section, none empty", () => {
    expect(e.sections.map((s) => s.id)).toEqual(["overview", "basics", "components", "dns", "load-balancing", "redundancy", "database", "elements", "firewall", "https", "monitoring"]);
    for (const s of e.sections) expect(s.blocks.length, s.id).toBeGreaterThan(0);
  });

  it("answers the course's basic questions", () => {
    const basics = sectionText(e, "basics");
    for (const q of ["What a server is", "What the domain name is for", "Web server, application server and database", "How the server talks to the user's computer"]) expect(basics).toContain(q);
    expect(basics).toMatch(/static content/);
    expect(basics).toMatch(/dynamic content/);
    expect(basics).toContain("TCP/IP");
    expect(basics).toContain(model.domain);
  });

  it("says www is an A record and names the address it points to", () => {
    const www = model.dns.records.find((r) => r.fqdn === `www.${model.domain}`)!;
    const dns = sectionText(e, "dns");
    expect(dns).toContain(`www.${model.domain} is an A record`);
    for (const address of www.values) expect(dns).toContain(address);
    expect(dns).toMatch(/CNAME holds a name/);
  });

  it("explains every element: each host, and each service on it", () => {
    const elements = e.sections.find((s) => s.id === "elements")!;
    const headings = elements.blocks.filter((b) => b.kind === "subheading").map((b) => (b.kind === "subheading" ? b.text : ""));
    for (const h of model.hosts)
      expect(
        headings.some((t) => t.includes(h.name)),
        h.name,
      ).toBe(true);
    const text = sectionText(e, "elements");
    const labels: Record<string, string> = {
      haproxy: "HAProxy on",
      keepalived: "keepalived:",
      nginx: "nginx on",
      app: "app on",
      mariadb: "MariaDB on",
      prometheus: "Prometheus on",
      alertmanager: "Alertmanager on",
      "node-exporter": "node exporter on",
      "nginx-exporter": "nginx exporter on",
      "mysqld-exporter": "(mysqld) exporter on",
      "failover-controller": "failover controller on",
      "db-agent": "database agent on",
      "db-proxy": "database proxy (HAProxy) on",
      dns: "DNS server on",
      etcd: "etcd on",
    };
    for (const s of model.services) expect(text, s.kind).toContain(labels[s.kind]);
    if (model.firewall === "default-deny") expect(text).toContain("nftables firewall: lets in");
    if (model.tls.mode !== "none") expect(text).toContain("TLS certificate:");
  });

  it("explains firewalls, HTTPS and monitoring, including the web server's QPS", () => {
    expect(sectionText(e, "firewall")).toMatch(/default deny/);
    expect(sectionText(e, "https")).toMatch(/HTTPS is HTTP sent inside\s+TLS/);
    const monitoring = sectionText(e, "monitoring");
    expect(monitoring).toContain("QPS");
    expect(monitoring).toMatch(/agents?/);
  });

  it("always explains the difference between active-active and active-passive", () => {
    const text = sectionText(e, "redundancy");
    expect(text).toMatch(/The difference: in an active-active setup every member serves traffic at the\s+same time/);
    expect(text).toMatch(/In an active-passive setup one member serves while another stands by/);
  });

  it("starts the journey with a DNS lookup over UDP 53 and ends with the response reaching the user", () => {
    const hops = e.journey.hops;
    expect(hops[0]).toMatchObject({ from: "user", to: "dns", transport: "udp", port: 53, protocol: "DNS", toAddress: model.dns.address });
    expect(hops.at(-1)).toMatchObject({ to: "user" });
    expect(hops.map((h) => h.step)).toEqual(hops.map((_, i) => i + 1));
    const tcp = hops.find((h) => h.protocol === "TCP" && h.from === "user");
    expect(tcp?.what).toMatch(/SYN, .* answers SYN-ACK, the browser replies ACK/);
    expect(tcp?.toAddress).toBe(model.entryPoints[0]!.address);
  });

  it("takes the journey through the web server, the application and the database with the model's ports", () => {
    const hops = e.journey.hops;
    const webApp = model.flows.find((f) => f.id === "web-app")!;
    const appDb = model.flows.find((f) => f.id === "app-db")!;
    const toApp = hops.find((h) => h.port === webApp.port && model.hosts.find((x) => x.name === h.to)!.roles.includes("app"))!;
    expect(toApp.what).toMatch(/A static file/);
    expect(toApp.what).toMatch(/dynamic page/);
    expect(toApp.encrypted).toBe(webApp.encrypted);
    const query = hops.find((h) => h.port === appDb.port && h.what.includes("SELECT"))!;
    expect(query.encrypted).toBe(appDb.encrypted);
    const db = model.database;
    expect(query.what).toContain(db.replicas.length ? `the primary ${db.primary}` : `MariaDB on ${db.primary}`);
    expect(query.to).toBe(db.replicas[0] ?? db.primary);
  });
});

describe("explain, design by design", () => {
  it("design 0: no load balancer hop; everything after the entry stays inside server-1; plain HTTP", () => {
    const hops = d0.e.journey.hops;
    expect(hops.some((h) => h.from.startsWith("lb") || h.to.startsWith("lb"))).toBe(false);
    expect(hops.some((h) => h.protocol === "TLS")).toBe(false);
    expect(hops.filter((h) => h.sameHost).every((h) => h.from === "server-1")).toBe(true);
    expect(hops.filter((h) => h.sameHost)).toHaveLength(4);
    expect(sectionText(d0.e, "load-balancing")).toContain("This design has no load balancer");
    expect(sectionText(d0.e, "redundancy")).toMatch(/^Neither/);
    expect(sectionText(d0.e, "elements")).toContain("server-1 carries web, app and db: the whole site runs on this one machine");
    expect(sectionText(d0.e, "dns")).toContain("198.18.0.20");
    expect(sectionText(d0.e, "database")).toContain("There is no replica");
    expect(sectionText(d0.e, "monitoring")).toContain("This design has no monitoring");
  });

  it("design 1: round robin over server-1 and server-2; a single load balancer is neither active-active nor active-passive", () => {
    const lb = sectionText(d1.e, "load-balancing");
    expect(lb).toContain("uses the roundrobin algorithm");
    expect(lb).toContain("server-1 (198.18.1.11) and server-2 (198.18.1.12)");
    expect(lb).toContain("server-1, then server-2, then server-1 again");
    const red = sectionText(d1.e, "redundancy");
    expect(red).toMatch(/^Neither\. There is one load balancer, lb-1/);
    expect(red).toContain("single point of failure");
    const db = sectionText(d1.e, "database");
    expect(db).toContain("server-1 (198.18.1.11) is the primary");
    expect(db).toContain("server-2 (198.18.1.12) is a replica");
    expect(db).toContain("every write must go to server-1");
    expect(db).toContain("replication lag");
    expect(db).toContain("Replication here is asynchronous");
    expect(db).toContain("Failover is manual");
    expect(sectionText(d1.e, "firewall")).toContain("This design has no firewall");
    expect(sectionText(d1.e, "https")).toContain("This design has no certificate");
    const hops = d1.e.journey.hops;
    expect(hops.find((h) => h.from === "lb-1")).toMatchObject({ to: "server-1", port: 80, protocol: "HTTP", encrypted: false });
    expect(hops.find((h) => h.what.includes("SELECT"))).toMatchObject({ from: "server-1", to: "server-2", port: 3306 });
  });

  it("design 2: HTTPS ends at lb-1, the hop to the web server is plain; firewalls and monitoring come from the flows", () => {
    const hops = d2.e.journey.hops;
    expect(hops.find((h) => h.protocol === "TLS")).toMatchObject({ from: "user", to: "lb-1", port: 443, encrypted: true });
    expect(hops.find((h) => h.from === "user" && h.port === 80)?.what).toContain("redirect (301)");
    expect(hops.find((h) => h.from === "lb-1" && h.to === "server-1")).toMatchObject({ port: 80, encrypted: false });
    expect(hopText(hops)).toContain("the encryption ends here");
    expect(sectionText(d2.e, "https")).toContain("TLS termination");
    const fw = sectionText(d2.e, "firewall");
    expect(fw).toContain("lb-1: TCP 80 and 443 from anyone");
    expect(fw).toContain("server-1: TCP 80 from lb-1");
    const mon = sectionText(d2.e, "monitoring");
    expect(mon).toContain("Prometheus on mon-1");
    expect(mon).toContain("nginx_http_requests_total");
    expect(mon).toContain("500 requests per second");
    expect(mon).toContain("the nginx exporter: server-1 and server-2, port 9113");
  });

  it("design 3: floating IP, re-encryption, tiers on their own hosts, semi-sync and automatic failover", () => {
    const hops = d3.e.journey.hops;
    const text = hopText(hops);
    expect(text).toContain("198.18.0.100 is a floating IP: right now lb-1 holds it");
    expect(text).toContain("keepalived on lb-2 would take the address over");
    expect(text).toContain("re-encryption");
    expect(hops.find((h) => h.from === "lb-1" && h.to === "web-1")).toMatchObject({ protocol: "HTTPS", port: 443, encrypted: true, toAddress: "198.18.1.12" });
    expect(hops.find((h) => h.from === "web-1" && h.to === "app-1")).toMatchObject({ protocol: "HTTPS", port: 8000, encrypted: true, sameHost: false });
    expect(hops.find((h) => h.from === "app-1" && h.to === "db-2")).toMatchObject({ protocol: "MySQL over TLS", port: 3306, encrypted: true });
    expect(text).toContain("would go to the primary db-1 (198.18.1.16)");
    expect(hops.filter((h) => !h.encrypted).map((h) => h.step)).toEqual([1, 2, 3]);
    const red = sectionText(d3.e, "redundancy");
    expect(red).toMatch(/^Active-passive\. lb-1 and lb-2/);
    expect(red).toContain("VRRP");
    const db = sectionText(d3.e, "database");
    expect(db).toContain("semi-synchronous");
    expect(db).toContain("Failover is automatic, with no single controller: a failover controller runs on each of lb-1, lb-2 and mon-1");
    expect(sectionText(d3.e, "elements")).toContain("web-1 and web-2 are dedicated web servers");
    expect(sectionText(d3.e, "dns")).toContain("the floating IP 198.18.0.100");
  });
});

describe("explain follows the model, not the blueprints", () => {
  it("source hashing, three web hosts and an A record per web host without a load balancer", () => {
    const m = inlineModel({
      name: "tiny",
      domain: "tiny.test",
      servers: [{ name: "web", roles: ["web"], count: 2 }, { roles: ["app", "db"] }],
      database: { replication: "none" },
    });
    const e = explain(m);
    expect(sectionText(e, "load-balancing")).toContain("visitors are spread by DNS round robin");
    expect(sectionText(e, "dns")).toContain("It lists 2 addresses");
    expect(e.journey.hops.find((h) => h.to === "server-1" && h.what.includes("SELECT"))).toMatchObject({ from: "server-1", sameHost: true });
    expect(sectionText(e, "elements")).toContain("server-1 carries app and db");
  });

  it("names the algorithm actually configured", () => {
    const source = explain(inlineModel({ loadBalancer: { algorithm: "source" }, servers: [{ roles: ["web", "app"], count: 2 }, { roles: ["db"] }] }));
    expect(sectionText(source, "load-balancing")).toContain("Source hashing (source) computes a hash of the visitor's IP address");
    expect(sectionText(source, "load-balancing")).toContain("198.18.0.10");
    expect(hopText(source.journey.hops)).toContain("with source hashing, the hash of the visitor's address 198.18.0.10 picks the server");
  });
});
