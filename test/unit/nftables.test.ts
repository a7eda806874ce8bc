// The firewall renderer: rules come from the model's flows only, each names its flow, and `nft -c` accepts every ruleset.
// `nft -c` runs inside `unshare --net` (root), so checking never touches this machine's own firewall.
// Debian packages: nftables, util-linux.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listBlueprints, loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel, type Flow, type Model } from "../../src/model/index.js";
import { firewallRules, flowDestinations, renderNftables } from "../../src/render/config/nftables.js";
import { PLACEHOLDER_SECRETS, renderAll, renderHost } from "../../src/render/config/index.js";
import { loadStackYaml } from "../../src/spec/load.js";

const isRoot = process.getuid?.() === 0;
const hasNft = spawnSync("sh", ["-c", "command -v nft"]).status === 0;
const cannotCheck = !hasNft ? "nft not installed: apt-get install -y nftables" : !isRoot ? "needs root (unshare --net)" : undefined;

const bp = (name: string): Model => buildModel(loadBlueprint(name));
function design(yaml: string): Model {
  const r = loadStackYaml(yaml, "test.yaml");
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return buildModel(r.value);
}
const PASSTHROUGH = design(`
loadBalancer: { count: 2, ha: active-active }
servers: [{ roles: [web], count: 2 }, { roles: [app, db], count: 2 }]
tls: { mode: passthrough, internal: true }
firewall: { policy: default-deny }
monitoring: { system: prometheus }
`);
const DIRECT = design(`
servers: [{ name: node, roles: [web, app, db], count: 2 }]
tls: { mode: passthrough }
firewall: { policy: default-deny }
`);
const EXTRA = design(`
servers: [{ roles: [web, app, db] }]
firewall:
  policy: default-deny
  allow:
    - { name: mysql-admin, from: user, to: db, port: 3306, acceptRisk: "the DBA, until the VPN exists" }
    - { from: user, to: web, port: 5353, protocol: udp, purpose: "a test service" }
`);
const host = (m: Model, name: string) => m.hosts.find((h) => h.name === name)!;
const nft = (m: Model, name: string) => renderNftables(m, host(m, name)).content;
const addr = (m: Model, name: string, network: "public" | "private") => host(m, name).interfaces.find((i) => i.network === network)!.address;
/** The accept rule line of a flow in a chain of a rendered ruleset. */
function ruleOf(text: string, chain: "input" | "output", flow: string): string | undefined {
  const body = text.split(`chain ${chain} {`)[1]!.split("\n    }")[0]!;
  return body
    .split("\n")
    .find((l) => l.includes(`comment "flow ${flow}"`))
    ?.trim();
}

const work = mkdtempSync(join(tmpdir(), "stacklab-nft-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `nft -c -f` on a ruleset in a throwaway network namespace. */
function nftCheck(text: string): { status: number | null; out: string } {
  const file = join(work, `ruleset-${Math.random().toString(36).slice(2)}.nft`);
  writeFileSync(file, text);
  const r = spawnSync("unshare", ["--net", "nft", "-c", "-f", file], { encoding: "utf8", timeout: 20_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const designs: [string, Model][] = [...listBlueprints().map((b) => [b.name, bp(b.name)] as [string, Model]), ["passthrough", PASSTHROUGH], ["direct", DIRECT], ["extra flows", EXTRA]];

describe("which hosts get a firewall", () => {
  it("renders /etc/nftables.conf on exactly the hosts the model marks firewall=true", () => {
    for (const [name, model] of designs) {
      for (const [h, files] of Object.entries(renderAll(model, PLACEHOLDER_SECRETS))) {
        const has = files.some((f) => f.path === "/etc/nftables.conf");
        expect(has, `${name} ${h}`).toBe(host(model, h).firewall);
      }
    }
    expect(
      Object.values(renderAll(bp("1"), PLACEHOLDER_SECRETS))
        .flat()
        .some((f) => f.path === "/etc/nftables.conf"),
    ).toBe(false);
    expect(renderHost(bp("2"), "server-1", PLACEHOLDER_SECRETS).some((f) => f.path === "/etc/nftables.conf")).toBe(true);
  });
});

describe("the ruleset of a host", () => {
  it("replaces only the table inet stacklab and denies by default in both directions", () => {
    const text = nft(bp("3"), "db-1");
    expect(text).not.toMatch(/flush ruleset/);
    expect(text).not.toMatch(/stacklab_fault/);
    expect(text).toMatch(/^table inet stacklab\ndelete table inet stacklab\n/m);
    expect(text.match(/policy drop;/g)).toHaveLength(3);
    expect(text).toContain('iif "lo" accept');
    expect(text).toContain("ct state established,related accept");
  });

  it("names its flow in the comment of every accept rule, and every flow of the host has its rule", () => {
    for (const [name, model] of designs) {
      for (const h of model.hosts.filter((x) => x.firewall)) {
        const text = nft(model, h.name);
        const accepts = text.split("\n").filter((l) => / accept comment "flow /.test(l));
        for (const f of model.flows) {
          const peersIn = f.from.role === "user" || f.from.hosts.some((x) => x !== h.name);
          if (f.to.hosts.includes(h.name) && peersIn) expect(ruleOf(text, "input", f.id), `${name} ${h.name} in ${f.id}`).toBeDefined();
          if (f.from.hosts.includes(h.name) && f.to.hosts.some((x) => x !== h.name)) expect(ruleOf(text, "output", f.id), `${name} ${h.name} out ${f.id}`).toBeDefined();
        }
        expect(accepts.length, `${name} ${h.name}`).toBe(firewallRules(model, h).length);
      }
    }
  });

  it("lets visitors reach the entry point from anywhere, on 80 and 443 only, and only at the entry addresses (design 3: the floating IP)", () => {
    const m = bp("3");
    const floating = m.entryPoints[0]!.address;
    expect(ruleOf(nft(m, "lb-1"), "input", "user-https")).toBe(`ip daddr ${floating} tcp dport 443 accept comment "flow user-https"`);
    expect(ruleOf(nft(m, "lb-2"), "input", "user-http")).toBe(`ip daddr ${floating} tcp dport 80 accept comment "flow user-http"`);
    expect(nft(m, "lb-1")).not.toContain(`ip daddr ${addr(m, "lb-1", "public")} tcp dport 443`);
    // active-active: each load balancer may hold both floating IPs
    expect(ruleOf(nft(PASSTHROUGH, "lb-1"), "input", "user-https")).toBe(`ip daddr { ${PASSTHROUGH.entryPoints.map((e) => e.address).join(", ")} } tcp dport 443 accept comment "flow user-https"`);
  });

  it("adds the flows of firewall.allow, from anywhere to the entry address, named in their comments", () => {
    const text = nft(EXTRA, "server-1");
    const entry = EXTRA.entryPoints[0]!.address;
    expect(ruleOf(text, "input", "mysql-admin")).toBe(`ip daddr ${entry} tcp dport 3306 accept comment "flow mysql-admin"`);
    expect(text).toContain("# mysql-admin: declared in firewall.allow[0], risk accepted: the DBA, until the VPN exists (from anywhere)");
    expect(ruleOf(text, "input", "allow-2")).toBe(`ip daddr ${entry} udp dport 5353 accept comment "flow allow-2"`);
  });

  it("accepts VRRP (protocol 112) only from the other load balancer, and sends it only there", () => {
    const m = bp("3");
    expect(ruleOf(nft(m, "lb-1"), "input", "lb-vrrp")).toBe(`ip saddr ${addr(m, "lb-2", "public")} ip protocol vrrp accept comment "flow lb-vrrp"`);
    expect(ruleOf(nft(m, "lb-2"), "output", "lb-vrrp")).toBe(`ip daddr ${addr(m, "lb-1", "public")} ip protocol vrrp accept comment "flow lb-vrrp"`);
    expect(nft(m, "web-1")).not.toContain("vrrp");
  });

  it("opens each backend only to the tier in front of it (design 3)", () => {
    const m = bp("3");
    const lbs = `{ ${addr(m, "lb-1", "private")}, ${addr(m, "lb-2", "private")} }`;
    expect(ruleOf(nft(m, "web-1"), "input", "lb-web")).toBe(`ip saddr ${lbs} ip daddr ${addr(m, "web-1", "private")} tcp dport 443 accept comment "flow lb-web"`);
    expect(ruleOf(nft(m, "app-1"), "input", "web-app")).toContain(`ip saddr { ${addr(m, "web-1", "private")}, ${addr(m, "web-2", "private")} }`);
    const db = nft(m, "db-1");
    const input = db.split("chain input {")[1]!.split("chain output {")[0]!;
    const on3306 = input.split("\n").filter((l) => l.includes("tcp dport 3306") && l.includes("accept"));
    expect(on3306.map((l) => /flow (\S+)"/.exec(l)![1]).sort()).toEqual(["app-db", "db-replication"]);
    expect(ruleOf(db, "input", "app-db")).toContain(`ip saddr { ${addr(m, "app-1", "private")}, ${addr(m, "app-2", "private")} }`);
    expect(ruleOf(db, "input", "db-replication")).toContain(`ip saddr ${addr(m, "db-2", "private")} `);
    expect(db).not.toMatch(new RegExp(`ip saddr [^\\n]*${addr(m, "web-1", "private").replace(/\./g, "\\.")}[^\\n]*dport 3306`));
  });

  it("opens exporter ports to the monitoring host only (design 2)", () => {
    const m = bp("2");
    const mon = addr(m, "mon-1", "private");
    const s1 = nft(m, "server-1");
    for (const f of m.flows.filter((x) => x.protocol === "prometheus" && x.to.hosts.includes("server-1"))) {
      expect(ruleOf(s1, "input", f.id), f.id).toBe(`ip saddr ${mon} ip daddr ${addr(m, "server-1", "private")} tcp dport ${f.port} accept comment "flow ${f.id}"`);
    }
    expect(ruleOf(nft(m, "mon-1"), "output", "scrape-node")).toContain(`tcp dport 9100`);
  });

  it("keeps the web servers' public side to HTTP and HTTPS when they face users directly", () => {
    const text = nft(DIRECT, "node-1");
    const pub = addr(DIRECT, "node-1", "public");
    const onPublic = text.split("\n").filter((l) => l.includes(`ip daddr ${pub}`));
    expect(onPublic.map((l) => /dport (\d+)/.exec(l)?.[1]).sort()).toEqual(["443", "80"]);
  });

  it("follows the model's flows: a flow added to the model gets its rules, with no change to the renderer", () => {
    const m = bp("3");
    const extra: Flow = {
      id: "app-cache",
      from: { role: "app", hosts: ["app-1", "app-2"] },
      to: { role: "db", hosts: ["db-1"] },
      port: 6379,
      transport: "tcp",
      protocol: "tcp",
      encrypted: false,
      purpose: "a cache",
      network: "private",
    };
    const withExtra: Model = { ...m, flows: [...m.flows, extra] };
    expect(ruleOf(nft(m, "db-1"), "input", "app-cache")).toBeUndefined();
    expect(ruleOf(nft(withExtra, "db-1"), "input", "app-cache")).toBe(
      `ip saddr { ${addr(m, "app-1", "private")}, ${addr(m, "app-2", "private")} } ip daddr ${addr(m, "db-1", "private")} tcp dport 6379 accept comment "flow app-cache"`,
    );
    expect(ruleOf(nft(withExtra, "app-2"), "output", "app-cache")).toBe(`ip daddr ${addr(m, "db-1", "private")} tcp dport 6379 accept comment "flow app-cache"`);
    expect(flowDestinations(withExtra, extra, "db-1")).toEqual([addr(m, "db-1", "private")]);
  });

  it("is deterministic", () => {
    expect(nft(bp("3"), "lb-1")).toBe(nft(bp("3"), "lb-1"));
  });
});

describe.skipIf(cannotCheck !== undefined)(`nft -c -f accepts every ruleset${cannotCheck ? ` (skipped: ${cannotCheck})` : ""}`, () => {
  it.each(designs)("%s", (name, model) => {
    const hosts = model.hosts.filter((h) => h.firewall);
    for (const h of hosts) {
      const r = nftCheck(nft(model, h.name));
      expect(r.status, `${name} ${h.name}: ${r.out}`).toBe(0);
    }
  });

  it("rejects a broken ruleset (the checker can fail)", () => {
    const broken = nft(bp("3"), "lb-1").replace("ip protocol vrrp", "ip protocol not-a-protocol");
    expect(nftCheck(broken).status).not.toBe(0);
  });
});
