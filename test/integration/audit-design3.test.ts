// `stacklab audit` on design 3 (re-encrypting TLS, end-to-end TLS, firewalls everywhere): every check passes,
// the visitor's curl verifies the chain, and a hole punched into one firewall is caught.
import { describe, expect, it, onTestFailed } from "vitest";
import { cli, inHost, isRoot } from "./helpers.js";
import { sharedLabName, useSharedLab } from "./shared-lab.js";
import { notPassing, runAudit, vrrpHistory } from "./audit-support.js";

const LAB = sharedLabName("3-scale_up");

describe.skipIf(!isRoot)("audit of design 3", () => {
  useSharedLab("3-scale_up");

  it("passes every check: firewalls, matrix, scan, TLS, no plaintext, grants, users, secrets", () => {
    // The HSTS and headers checks have failed an attempt now and then on a reset or hanging connection to the
    // floating IP (not explained yet): print what keepalived did meanwhile.
    onTestFailed(() => console.error(vrrpHistory(LAB)));
    const { code, report, byId } = runAudit(LAB);
    expect(
      report.checks.filter((c) => c.status === "fail"),
      notPassing(report),
    ).toEqual([]);
    expect(code).toBe(0);
    for (const id of ["firewall", "reachability", "vrrp", "exposure", "https", "certificates", "ca-constraints", "redirect", "hsts", "headers", "plaintext", "db-grants", "privileges", "secrets"]) {
      expect(byId(id).status, `${id}: ${byId(id).summary}`).toBe("pass");
    }
    expect(byId("tls-versions").status).not.toBe("fail");
    // Only keepalived and the nginx and HAProxy masters keep root; the failover helpers too run unprivileged.
    const users = byId("privileges").details;
    for (const line of [
      "web-1 nginx: root, www-data (master root, workers www-data)",
      "lb-1 haproxy: root, haproxy (master root, workers haproxy)",
      "app-1 app: nobody",
      "app-1 db-proxy: haproxy",
      "db-1 mariadb: mysql",
      "db-1 db-agent: mysql",
      "mon-1 failover-controller: daemon",
      "dns dns: nsd",
    ])
      expect(users).toContain(line);
    expect(users.some((d) => /^(FAIL|WARN)/.test(d))).toBe(false);
    expect(
      byId("tls-ciphers")
        .details.filter((d) => /\[(haproxy|nginx)\]/.test(d))
        .every((d) => d.includes("refuses weak suites")),
    ).toBe(true);
    // TLS at every hop: the visitor's, the load balancer's to the web servers, nginx's to the apps, the apps' to MariaDB.
    const https = byId("https").details.join("\n");
    for (const flow of ["user-https", "lb-web", "web-app", "app-db"]) expect(https).toContain(`flow ${flow}`);
    expect(byId("plaintext").summary).toMatch(/no readable HTTP or SQL/);
  }, 120_000);

  it("serves https://www.foobar.com/ to the user host over a chain curl verifies, with HSTS", () => {
    const out = inHost(LAB, "user", ["curl", "-sS", "-o", "/dev/null", "-D", "-", "-w", "verify=%{ssl_verify_result}\n", "https://www.foobar.com/"]);
    expect(out).toMatch(/^HTTP\/2 200/m);
    expect(out).toMatch(/^strict-transport-security: max-age=\d+/im);
    expect(out).toContain("verify=0");
  });

  it("blocks the database to the web tier and lets the app tier through", () => {
    const db = /198\.18\.\d+\.\d+/.exec(inHost(LAB, "db-1", ["ip", "-4", "-o", "addr", "show", "dev", "eth0"]))![0];
    const tryConnect = (host: string) => cli(["exec", "--name", LAB, host, "--", "timeout", "2", "bash", "-c", `exec 3<>/dev/tcp/${db}/3306`]).code;
    expect(tryConnect("app-1")).toBe(0);
    expect(tryConnect("web-1")).not.toBe(0);
    expect(tryConnect("mon-1")).not.toBe(0);
  });

  it("fails the matrix and the scan when a firewall lets undeclared traffic in", () => {
    // lb-1 serves :80 on every address, but only the floating IP is the entry point: open its own address too.
    const own = /198\.18\.\d+\.\d+/.exec(inHost(LAB, "lb-1", ["ip", "-4", "-o", "addr", "show", "dev", "eth0"]))![0];
    inHost(LAB, "lb-1", ["nft", "insert", "rule", "inet", "stacklab", "input", "tcp", "dport", "80", "accept", "comment", '"hole punched by a test"']);
    try {
      const { code, byId } = runAudit(LAB);
      expect(code).toBe(1);
      expect(byId("reachability").status).toBe("fail");
      expect(byId("reachability").details).toContain(`allowed but should be blocked: user -> lb-1 ${own}:80/tcp: open`);
      expect(byId("exposure").status).toBe("fail");
      expect(byId("exposure").details[0]).toBe(`answers but should not: ${own}:80/tcp (lb-1)`);
    } finally {
      inHost(LAB, "lb-1", ["nft", "-f", "/etc/nftables.conf"]);
    }
    expect(runAudit(LAB).byId("reachability").status).toBe("pass");
  }, 120_000);
});
