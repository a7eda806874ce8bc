// TLS passthrough on a real lab: the load balancer forwards the visitors' TLS unopened to the web servers,
// which hold the site certificate. The design is written inline; the audit must pass on it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, inHost, isRoot, leftovers, userGetJson, testLab } from "./helpers.js";
import { notPassing, runAudit } from "./audit-support.js";

const LAB = testLab("sx-auditpt");
const SPEC = `
name: passthrough
description: One HAProxy passing TLS through to two web servers that hold the certificate.
loadBalancer: { count: 1, ha: single }
servers:
  - roles: [web, app, db]
    count: 2
database: { replication: async }
tls: { mode: passthrough }
firewall:
  policy: default-deny
  allow:
    - { name: lb-admin, from: lb, to: server-1, port: 2222, purpose: an admin port only the load balancer may reach }
`;
/** Two listeners on server-1 (as nobody, for at most 100 s): 2222, which firewall.allow opens to lb-1, and 2223, which nothing declares. */
const LISTENERS = "for p in 2222 2223; do setsid setpriv --reuid nobody --regid nogroup --clear-groups timeout 100 python3 -m http.server $p >/dev/null 2>&1 < /dev/null & done";
const connects = (from: string, address: string, port: number) => cli(["exec", "--name", LAB, from, "--", "timeout", "2", "bash", "-c", `exec 3<>/dev/tcp/${address}/${port}`]).code === 0;

describe.skipIf(!isRoot)("audit of a passthrough design", () => {
  const dir = mkdtempSync(join(tmpdir(), "stacklab-passthrough-"));
  beforeAll(() => {
    writeFileSync(join(dir, "stack.yaml"), SPEC);
    cli(["down", "--name", LAB]);
    const r = cli(["up", join(dir, "stack.yaml"), "--name", LAB, "-d"], 180_000);
    if (r.code !== 0) throw new Error(`up failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  }, 200_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    expect(cli(["down", "--name", LAB]).code).toBe(0);
    expect(leftovers(LAB)).toEqual({ namespaces: [], dir: false });
  });

  it("ends the visitors' TLS on the web servers: the load balancer cannot add its header", () => {
    const seen = Array.from({ length: 4 }, () => userGetJson<{ lb: string | null; web: string }>(LAB, "https://www.foobar.com/api/whoami"));
    expect(seen.every((s) => s.lb === null)).toBe(true);
    expect(new Set(seen.map((s) => s.web))).toEqual(new Set(["server-1", "server-2"]));
    expect(inHost(LAB, "user", ["curl", "-sS", "-o", "/dev/null", "-w", "%{ssl_verify_result}", "https://www.foobar.com/"])).toBe("0");
  });

  it("lets through the flow firewall.allow declares, and nothing beside it", async () => {
    inHost(LAB, "server-1", ["sh", "-c", LISTENERS]);
    const server1 = JSON.parse(cli(["status", "--name", LAB, "--json"]).stdout).hosts.find((h: { name: string }) => h.name === "server-1").addresses[0] as string;
    const listening = () => inHost(LAB, "server-1", ["ss", "-Htln"]);
    for (let i = 0; i < 50 && !/:2223\b/.test(listening()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(connects("lb-1", server1, 2222)).toBe(true);
    expect(connects("lb-1", server1, 2223)).toBe(false);
    expect(connects("server-2", server1, 2222)).toBe(false);
    expect(inHost(LAB, "server-1", ["nft", "list", "chain", "inet", "stacklab", "input"])).toMatch(/tcp dport 2222 accept comment "flow lb-admin"/);
  });

  it("passes the audit: the certificate comes from nginx, HAProxy only redirects plain HTTP", () => {
    const { code, report, byId } = runAudit(LAB);
    expect(code, notPassing(report)).toBe(0);
    for (const id of ["firewall", "reachability", "exposure", "https", "tls-versions", "tls-ciphers", "certificates", "redirect", "hsts", "db-grants", "secrets"]) {
      expect(byId(id).status, `${id}: ${byId(id).summary}`).toBe("pass");
    }
    expect(byId("privileges").status).not.toBe("fail");
    expect(byId("privileges").details).toEqual(expect.arrayContaining(["server-1 app: nobody", "server-1 mariadb: mysql", "lb-1 haproxy: root, haproxy (master root, workers haproxy)"]));
    expect(byId("https").details.join("\n")).toMatch(/flow user-https, from user\) -> www\.foobar\.com \[nginx\]/);
    // lb -> web stays encrypted; web -> app and app -> db are plaintext, as tls.internal: false declares.
    const plaintext = byId("plaintext");
    expect(plaintext.details.some((d) => /^encrypted: flow lb-web/.test(d))).toBe(true);
    expect(plaintext.details.some((d) => /^FAIL/.test(d))).toBe(false);
    // The extra flow is part of the design the audit checks: lb-1 reaches server-1:2222, nothing reaches 2223.
    const matrix = byId("reachability");
    expect(matrix.summary).not.toMatch(/should be/);
    expect(matrix.details).toEqual(expect.arrayContaining([expect.stringMatching(/^gets through as firewall.allow declares: lb-1 -> server-1 198\.18\.\d+\.\d+:2222\/tcp \(flow lb-admin\): open$/)]));
  }, 120_000);
});
