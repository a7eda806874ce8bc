// `stacklab audit` on design 2 (HTTPS ends at the load balancer, three firewalls): it passes, and reports
// the plaintext HTTP between the load balancer and the web servers that the seeds warn about.
import { describe, expect, it } from "vitest";
import { inHost, isRoot } from "./helpers.js";
import { sharedLabName, useSharedLab } from "./shared-lab.js";
import { notPassing, runAudit } from "./audit-support.js";

const LAB = sharedLabName("2-secured_and_monitored_web_infrastructure");

describe.skipIf(!isRoot)("audit of design 2", () => {
  useSharedLab("2-secured_and_monitored_web_infrastructure");

  it("passes, with the terminated TLS reported as plaintext behind the load balancer", () => {
    const { code, report, byId } = runAudit(LAB);
    expect(code, notPassing(report)).toBe(0);
    for (const id of ["firewall", "reachability", "exposure", "https", "tls-versions", "tls-ciphers", "certificates", "redirect", "hsts", "db-grants", "secrets"]) {
      expect(byId(id).status, `${id}: ${byId(id).summary}`).toBe("pass");
    }
    expect(byId("privileges").status, byId("privileges").details.join("\n")).toBe("pass");
    expect(byId("privileges").details).toEqual(
      expect.arrayContaining([
        "server-1 app: nobody",
        "server-1 mariadb: mysql",
        "server-1 db-agent: mysql",
        "server-1 db-proxy: haproxy",
        "lb-1 haproxy: root, haproxy (master root, workers haproxy)",
      ]),
    );
    const plaintext = byId("plaintext");
    expect(plaintext.status).toBe("warn");
    expect(plaintext.summary).toContain("TLS ends at the load balancer");
    // The marker the audit's own request carried is readable between lb-1 and a web server.
    expect(plaintext.details).toEqual(expect.arrayContaining([expect.stringMatching(/^WARN flow lb-web: lb-1 -> server-\d:80, \d+ packets, plaintext http\+marker/)]));
    expect(byId("https").details.join("\n")).toMatch(/flow user-https, from user\) -> www\.foobar\.com \[haproxy\]/);
    expect(byId("firewall").details.filter((d) => /^(lb-1|server-1|server-2|mon-1): \d+ flow rules/.test(d))).toHaveLength(4);
  }, 120_000);

  it("terminates TLS at the load balancer: HTTPS for the visitor, verified, and a redirect from HTTP", () => {
    const https = inHost(LAB, "user", ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{ssl_verify_result}", "https://www.foobar.com/"]);
    expect(https).toBe("200 0");
    const http = inHost(LAB, "user", ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "http://www.foobar.com/api/whoami"]);
    expect(http).toBe("301 https://www.foobar.com/api/whoami");
  });
});
