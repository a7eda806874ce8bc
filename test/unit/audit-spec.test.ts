// Bad security input is refused at validation, with the path and a message that says what to do.
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/analysis/index.js";
import { listBlueprints, loadBlueprint } from "../../src/blueprints/index.js";
import { DERIVED_FLOW_IDS } from "../../src/spec/firewall-allow.js";
import { buildModel } from "../../src/model/index.js";
import { firewallRules } from "../../src/render/config/nftables.js";
import { loadStackYaml } from "../../src/spec/load.js";

function problems(yaml: string): { path: string; message: string }[] {
  const r = loadStackYaml(yaml, "stack.yaml");
  return r.ok ? [] : r.problems.map((p) => ({ path: p.path, message: p.message }));
}

describe("security input the design cannot honour", () => {
  it("refuses a TLS mode that needs a load balancer when there is none", () => {
    for (const mode of ["terminate", "reencrypt"]) {
      const p = problems(`servers: [{ roles: [web, app, db] }]\ntls: { mode: ${mode} }\n`);
      expect(p).toHaveLength(1);
      expect(p[0]!.path).toBe("tls.mode");
      expect(p[0]!.message).toMatch(/load balancer.*passthrough/);
    }
    expect(problems("servers: [{ roles: [web, app, db] }]\ntls: { mode: passthrough }\n")).toEqual([]);
  });

  it("refuses internal TLS without TLS for the visitors", () => {
    expect(problems("servers: [{ roles: [web, app, db] }]\ntls: { internal: true }\n")[0]!.path).toBe("tls.internal");
  });

  it("refuses a public DNS name for a database server, and keeps names for web servers", () => {
    const p = problems("loadBalancer: {}\nservers: [{ roles: [web, app] }, { roles: [db] }]\ndns: { records: [{ name: www }, { name: data, target: db-1 }] }\n");
    expect(p).toEqual([{ path: "dns.records[1].target", message: expect.stringMatching(/"db-1" is a database server.*data\.foobar\.com.*entry or at a web server/) }]);
    expect(problems("servers: [{ name: node, roles: [web, app, db] }]\ndns: { records: [{ name: www }, { name: origin, target: node-1 }] }\n")).toEqual([]);
  });

  it("refuses a firewall policy it does not know instead of running without one", () => {
    const p = problems("servers: [{ roles: [web, app, db] }]\nfirewall: { policy: allow-all }\n");
    expect(p[0]!.path).toBe("firewall.policy");
  });
});

/** A design with firewalls and extra flows (`allow` is the YAML list of firewall.allow). */
const withAllow = (allow: string, servers = "[{ roles: [web, app], count: 2 }, { roles: [db], count: 2 }]", more = "loadBalancer: {}\nmonitoring: { system: prometheus }\n") =>
  `${more}servers: ${servers}\nfirewall:\n  policy: default-deny\n  allow:\n${allow}`;

describe("flows the spec adds in firewall.allow", () => {
  it("refuses a flow from or to a role or host the design does not have, with a suggestion", () => {
    const p = problems(withAllow("    - { from: app, to: cache, port: 6379 }\n    - { from: monitr, to: db, port: 22 }\n"));
    expect(p).toEqual([
      {
        path: "firewall.allow[0].to",
        message: expect.stringMatching(/^"cache" is neither a role of this design nor one of its hosts \(roles: lb, web, app, db, monitor; hosts: lb-1, server-1, server-2, db-1, db-2, mon-1\)$/),
      },
      { path: "firewall.allow[1].from", message: expect.stringMatching(/"monitr" .*did you mean "monitor"\?$/) },
    ]);
    const noMonitor = problems(withAllow("    - { from: monitor, to: db, port: 22 }\n", undefined, "loadBalancer: {}\n"));
    expect(noMonitor).toEqual([{ path: "firewall.allow[0].from", message: expect.stringMatching(/^this design has no host with role monitor/) }]);
  });

  it("refuses an open port on the database from the public side, unless the spec accepts the risk", () => {
    // Design-0 layout: the one server faces visitors and runs MariaDB.
    const single = "[{ roles: [web, app, db] }]";
    const refused = problems(withAllow("    - { from: user, to: server-1, port: 3306 }\n", single, ""));
    expect(refused).toEqual([{ path: "firewall.allow[0].from", message: expect.stringMatching(/open port 3306 of database host server-1 to visitors.*acceptRisk/) }]);
    expect(problems(withAllow("    - { from: user, to: db, port: 22 }\n", single, ""))[0]!.message).toMatch(/port 22 of database host server-1/);
    // A web port on the same server is not the database.
    expect(problems(withAllow("    - { from: user, to: web, port: 8080 }\n", single, ""))).toEqual([]);
    expect(problems(withAllow('    - { from: user, to: db, port: 3306, acceptRisk: "the DBA, until the VPN exists" }\n', single, ""))).toEqual([]);
    // Behind a load balancer the database is on the private network: visitors could never use the flow.
    const hidden = problems(withAllow('    - { from: user, to: db, port: 3306, acceptRisk: "x" }\n'));
    expect(hidden).toEqual([{ path: "firewall.allow[0].to", message: expect.stringMatching(/visitors can only reach the entry hosts \(lb-1\); db-1, db-2 are on the private network only/) }]);
  });

  it("refuses extra flows without firewalls, to visitors, to a host itself, and names that clash", () => {
    expect(problems("servers: [{ roles: [web, app, db] }]\nfirewall: { allow: [{ from: user, to: web, port: 8080 }] }\n")).toEqual([
      { path: "firewall.allow", message: expect.stringMatching(/firewall.policy is none.*default-deny/) },
    ]);
    expect(problems(withAllow("    - { from: web, to: user, port: 80 }\n"))[0]!.path).toBe("firewall.allow[0].to");
    expect(problems(withAllow("    - { from: db-1, to: db-1, port: 22 }\n"))[0]!.message).toMatch(/loopback/);
    expect(problems(withAllow("    - { name: app-db, from: monitor, to: db, port: 22 }\n"))[0]).toEqual({ path: "firewall.allow[0].name", message: expect.stringMatching(/derives itself/) });
    expect(problems(withAllow("    - { name: ssh, from: monitor, to: db, port: 22 }\n    - { name: ssh, from: monitor, to: app, port: 22 }\n"))[0]!.message).toMatch(/declared twice/);
  });

  it("keeps the names of stacklab's own flows in one list (an extra flow may not take one)", () => {
    for (const b of listBlueprints()) {
      for (const f of buildModel(loadBlueprint(b.name)).flows) expect(DERIVED_FLOW_IDS, `${b.name} ${f.id}`).toContain(f.id);
    }
  });

  it("becomes a flow of the model, with accept rules on both ends", () => {
    const r = loadStackYaml(withAllow("    - { name: ssh-db, from: monitor, to: db, port: 22, purpose: backups over ssh }\n"), "stack.yaml");
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const m = buildModel(r.value);
    const flow = m.flows.find((f) => f.id === "ssh-db")!;
    expect(flow).toMatchObject({ from: { role: "monitor", hosts: ["mon-1"] }, to: { role: "db", hosts: ["db-1", "db-2"] }, port: 22, transport: "tcp", network: "private", declared: { index: 0 } });
    const rules = (host: string) =>
      firewallRules(
        m,
        m.hosts.find((h) => h.name === host)!,
      ).filter((x) => x.flow === "ssh-db");
    expect(rules("db-1").map((x) => x.direction)).toEqual(["in"]);
    expect(rules("mon-1").map((x) => x.direction)).toEqual(["out"]);
    expect(rules("server-1")).toEqual([]);
  });

  it("is reported by plan: a database opened to visitors is high, another public port medium", () => {
    const r = loadStackYaml(
      withAllow(
        '    - { name: mysql-admin, from: user, to: db, port: 3306, acceptRisk: "the DBA, until the VPN exists" }\n    - { from: user, to: web, port: 8080 }\n',
        "[{ roles: [web, app, db] }]",
        "",
      ),
      "stack.yaml",
    );
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const findings = analyze(buildModel(r.value)).findings;
    const risk = findings.find((f) => f.id === "security.accepted-risk.mysql-admin")!;
    expect(risk.severity).toBe("high");
    expect(risk.evidence).toMatch(/firewall.allow\[0\].*3306 of server-1.*"the DBA, until the VPN exists"/);
    expect(findings.find((f) => f.id === "security.extra-public-port.allow-2")?.severity).toBe("medium");
    expect(findings.find((f) => f.id === "security.db-public")).toMatchObject({ severity: "high", evidence: expect.stringContaining("firewall.allow[0] opens port 3306 to visitors") });
    // The visitors' own flows are still HTTP only: the no-HTTPS finding is about them, not the extra ports.
    expect(findings.find((f) => f.id === "security.no-https")?.elements).toEqual(["user-http"]);
  });
});
