// The diagram's DOT source: golden files per blueprint, and what a reader must see in it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listBlueprints, loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel } from "../../src/model/index.js";
import { chooseFormat, toDot } from "../../src/render/diagram/index.js";
import { validateStack } from "../../src/spec/load.js";

const GOLDEN = join(import.meta.dirname, "..", "golden", "diagram");
const update = process.env.UPDATE_GOLDEN === "1";
const dotOf = (bp: string) => toDot(buildModel(loadBlueprint(bp)), { title: `${bp} · foobar.com` });

/** The edge lines of a DOT text whose attributes include a given label. */
const edgesLabelled = (dot: string, label: string) => dot.split("\n").filter((l) => l.includes(" -> ") && l.includes(`label=" ${label}"`));

describe("diagram DOT", () => {
  for (const bp of listBlueprints().map((b) => b.name)) {
    it(`matches the golden file for ${bp}`, () => {
      const dot = dotOf(bp);
      const file = join(GOLDEN, `${bp}.dot`);
      if (update) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, dot);
      }
      expect(existsSync(file), `${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/unit/diagram.test.ts`).toBe(true);
      expect(dot).toBe(readFileSync(file, "utf8"));
    });
  }

  it("is deterministic: the same design gives the same text", () => {
    expect(dotOf("3-scale_up")).toBe(dotOf("3-scale_up"));
  });

  it("draws both network segments as clusters labelled with their CIDR", () => {
    const dot = dotOf("2");
    expect(dot).toContain('subgraph "cluster_net_public"');
    expect(dot).toContain('label="public network 198.18.0.0/24"');
    expect(dot).toContain('subgraph "cluster_net_private"');
    expect(dot).toContain('label="private network 198.18.1.0/24"');
  });

  it("marks the plaintext hop behind a TLS-terminating load balancer in red, and HTTPS from the user in green", () => {
    const dot = dotOf("2");
    const lbToWeb = edgesLabelled(dot, "HTTP :80 · plaintext").filter((l) => l.includes('"h_lb-1" ->'));
    expect(lbToWeb).toHaveLength(1);
    expect(lbToWeb[0]).toContain('color="#c62828"');
    const https = edgesLabelled(dot, "HTTPS :443 · TLS");
    expect(https).toHaveLength(1);
    expect(https[0]).toContain('"h_user" -> "h_lb-1"');
    expect(https[0]).toContain('color="#2e7d32"');
    expect(dot).toContain("TLS ends here");
  });

  it("draws every hop of design 3 except the HTTP redirect in green", () => {
    const dot = dotOf("3");
    for (const label of ["HTTPS :443 · TLS", "HTTPS :8000 · TLS", "MySQL/TLS :3306 · TLS", "replication · MySQL/TLS :3306 · TLS"]) {
      const edges = edgesLabelled(dot, label);
      expect(edges.length, label).toBeGreaterThan(0);
      for (const e of edges) expect(e).toContain('color="#2e7d32"');
    }
    expect(dot).not.toContain("MySQL :3306 · plaintext");
  });

  it("shows the floating IP with its holder (solid) and the standby (dashed)", () => {
    const dot = dotOf("3");
    expect(dot).toContain("<b>floating IP</b>");
    expect(dot).toContain("198.18.0.100");
    expect(dot).toContain("held by lb-1; lb-2 takes over");
    expect(dot).toMatch(/"entry_1" -> "h_lb-1" \[[^\]]*style="solid"/);
    expect(dot).toMatch(/"entry_1" -> "h_lb-2" \[[^\]]*style="dashed"/);
    expect(dotOf("1")).not.toContain("floating IP");
  });

  it("puts a firewall marker on exactly the firewalled hosts", () => {
    const count = (dot: string) => dot.split("> firewall</font>").length - 1;
    expect(count(dotOf("0"))).toBe(0);
    expect(count(dotOf("1"))).toBe(0);
    expect(count(dotOf("2"))).toBe(buildModel(loadBlueprint("2")).hosts.filter((h) => h.firewall).length);
    expect(count(dotOf("3"))).toBe(9);
  });

  it("draws the monitoring host's scrapes light and dashed, without pulling the layout", () => {
    const scrape = (dot: string) => dot.split("\n").filter((l) => l.includes('color="#90a4ae"') && l.includes(" -> "));
    expect(scrape(dotOf("1"))).toHaveLength(0);
    const three = scrape(dotOf("3"));
    expect(three).toHaveLength(4); // one per tier: load balancers, web, app, database
    for (const e of three) {
      expect(e).toContain('style="dashed"');
      expect(e).toContain('constraint="false"');
      expect(e).toContain("mon-1");
    }
  });

  it("names each database's part: primary and replica", () => {
    const dot = dotOf("1");
    expect(dot).toMatch(/h_server-1[^\n]*MariaDB[^\n]*primary/);
    expect(dot).toMatch(/h_server-2[^\n]*MariaDB[^\n]*replica · async/);
    expect(edgesLabelled(dot, "writes · MySQL :3306 · plaintext")[0]).toContain('"h_server-2":"app" -> "h_server-1":"mariadb"');
  });

  it("groups several floating IPs (active-active) and points the user at the group once per protocol", () => {
    const r = validateStack({ loadBalancer: { ha: "active-active", count: 3 }, servers: [{ roles: ["web", "app", "db"], count: 2 }], tls: { mode: "terminate" } });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const dot = toDot(buildModel(r.value));
    expect(dot).toContain('subgraph "cluster_entry"');
    expect(dot.split("\n").filter((l) => l.startsWith('  "h_user" -> "entry_'))).toHaveLength(2);
    expect(dot).toContain('lhead="cluster_entry"');
  });

  it("escapes text that would break an HTML label", () => {
    const r = validateStack({ description: "a <b>bold</b> & risky design", servers: [{ roles: ["web", "app", "db"] }] });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(toDot(buildModel(r.value))).toContain("a &lt;b&gt;bold&lt;/b&gt; &amp; risky design");
  });
});

describe("diagram output format", () => {
  it("follows the file's extension", () => {
    expect(chooseFormat("a.svg", undefined)).toBe("svg");
    expect(chooseFormat("a.PNG", undefined)).toBe("png");
    expect(chooseFormat("a.gv", undefined)).toBe("dot");
    expect(chooseFormat(undefined, undefined)).toBe("dot");
    expect(chooseFormat(undefined, "svg")).toBe("svg");
    expect(chooseFormat("diagram", "png")).toBe("png");
  });

  it("refuses an extension it does not write, a clash with --format, and PNG to the terminal", () => {
    expect(() => chooseFormat("a.jpg", undefined)).toThrow(/name the file \.svg, \.png or \.dot/);
    expect(() => chooseFormat("a.jpg", "png")).toThrow(/cannot write a diagram to "a.jpg"/);
    expect(() => chooseFormat("diagram", undefined)).toThrow(/name the file/);
    expect(() => chooseFormat("a.svg", "png")).toThrow(/--format is png/);
    expect(() => chooseFormat(undefined, "png")).toThrow(/-o FILE.png/);
  });
});
