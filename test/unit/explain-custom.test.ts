// A design that is none of the blueprints: the explanation must follow its model (leastconn, web+app together, CNAME, passthrough).
import { afterEach, describe, expect, it, vi } from "vitest";
import { join } from "node:path";
import { register } from "../../src/cli/commands/explain.js";
import { explain, type Explanation } from "../../src/explain/index.js";
import { GOLDEN_DIR, customModel, sectionText } from "./explain-helpers.js";
import { runCli } from "./cli-support.js";

const e = explain(customModel());

describe("explain a custom design", () => {
  it("describes leastconn over the three front hosts, per connection because TLS passes through", () => {
    const lb = sectionText(e, "load-balancing");
    expect(lb).toContain("uses the leastconn algorithm to choose, for each connection");
    expect(lb).toContain("front-1 (198.18.1.12), front-2 (198.18.1.13) and front-3 (198.18.1.14)");
    expect(lb).not.toContain("Round robin hands out");
  });

  it("says web and app share the front hosts, and the journey's web -> app hop stays inside front-1", () => {
    expect(sectionText(e, "elements")).toContain("front-1, front-2 and front-3 each carry web and app");
    const hop = e.journey.hops.find((h) => h.from === "front-1" && h.port === 8000);
    expect(hop).toMatchObject({ to: "front-1", sameHost: true, encrypted: false });
    expect(hop?.what).toContain("the request never leaves front-1");
  });

  it("follows the www CNAME to the A record and both floating IPs", () => {
    const dns = sectionText(e, "dns");
    expect(dns).toContain("www.shop.example is a CNAME record");
    expect(dns).toContain("site.shop.example");
    expect(dns).toContain("DNS round robin");
    expect(e.journey.hops[0]!.what).toContain("alias (CNAME) of site.shop.example");
    expect(sectionText(e, "redundancy")).toMatch(/^Active-active\. Each load balancer holds its own floating IP \(198\.18\.0\.100 on\s+lb-1 and 198\.18\.0\.101 on lb-2\)/);
  });

  it("puts the TLS handshake between the browser and the web server, after the load balancer's choice", () => {
    const hops = e.journey.hops;
    const choice = hops.findIndex((h) => h.from === "lb-1" && h.to === "front-1");
    const tls = hops.findIndex((h) => h.protocol === "TLS");
    expect(choice).toBeGreaterThan(0);
    expect(tls).toBe(choice + 1);
    expect(hops[tls]).toMatchObject({ from: "user", to: "front-1", port: 443, encrypted: true });
    expect(hops[choice]).toMatchObject({ protocol: "TCP", encrypted: true });
    expect(sectionText(e, "https")).toContain("HTTPS passes through the load balancer unopened");
  });

  it("reads from a replica among three database hosts", () => {
    const db = sectionText(e, "database");
    expect(db).toContain("db-2 (198.18.1.16) and db-3 (198.18.1.17) are replicas");
    expect(e.journey.hops.find((h) => h.what.includes("SELECT"))).toMatchObject({ from: "front-1", to: "db-2", port: 3306 });
  });
});

describe("stacklab explain (CLI)", () => {
  afterEach(() => vi.restoreAllMocks());

  async function run(...args: string[]): Promise<string> {
    const r = await runCli([register], ...args);
    if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.out}`);
    return r.out;
  }

  it("--json prints the Explanation value", async () => {
    const value = JSON.parse(await run("explain", "--blueprint", "3", "--json")) as Explanation;
    expect(value.site).toBe("www.foobar.com");
    expect(value.sections).toHaveLength(11);
    expect(value.journey.hops[0]).toMatchObject({ step: 1, protocol: "DNS", port: 53 });
  });

  it("reads a design file and prints text", async () => {
    const out = await run("explain", join(GOLDEN_DIR, "custom-leastconn.yaml"));
    expect(out).toContain('How www.shop.example works: the "shop" design explained');
    expect(out).toContain("The journey of one request to www.shop.example");
  });

  it("rejects a file and a blueprint together", async () => {
    expect(await runCli([register], "explain", "x.yaml", "--blueprint", "0")).toEqual({ code: 2, out: "give a design file or --blueprint, not both" });
  });
});
