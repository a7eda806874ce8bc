// Bad security input is refused at validation, with the path and a message that says what to do.
import { describe, expect, it } from "vitest";
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
