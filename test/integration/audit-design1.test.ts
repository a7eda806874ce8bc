// `stacklab audit` on design 1 (no firewall, no HTTPS): it exits 1 and names exactly those holes.
import { describe, expect, it } from "vitest";
import { cli, isRoot } from "./helpers.js";
import { sharedLabName, useSharedLab } from "./shared-lab.js";
import { runAudit } from "./audit-support.js";

const LAB = sharedLabName("1-distributed_web_infrastructure");

describe.skipIf(!isRoot)("audit of design 1", () => {
  useSharedLab("1-distributed_web_infrastructure");

  it("fails on the missing firewall and the missing HTTPS", () => {
    const { code, report, byId, failed } = runAudit(LAB);
    expect(code).toBe(1);
    expect(report.passed).toBe(false);
    expect(failed).toEqual(["firewall", "https", "reachability"]);
    expect(byId("firewall").summary).toMatch(/3 of 3 hosts of the design run no firewall \(firewall\.policy: none\)/);
    expect(byId("firewall").details).toEqual(expect.arrayContaining([expect.stringMatching(/^server-1: no firewall; listening on .*3306\/tcp/)]));
    expect(byId("https").summary).toMatch(/plain HTTP only \(tls\.mode: none\)/);
    // Without firewalls the load balancer reaches the database directly.
    expect(byId("reachability").details).toEqual(expect.arrayContaining([expect.stringMatching(/^allowed but should be blocked: lb-1 -> server-1 198\.18\.\d+\.\d+:3306\/tcp: open$/)]));
    for (const id of ["tls-versions", "certificates", "redirect", "hsts"]) expect(byId(id).status).toBe("skip");
    expect(byId("plaintext").status).toBe("warn");
  }, 120_000);

  it("prints the failures as text and exits 1", () => {
    const r = cli(["audit", "--name", LAB]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL host firewalls/m);
    expect(r.stdout).toMatch(/^FAIL HTTPS for visitors/m);
    expect(r.stdout).toMatch(/3 checks failed$/m);
  }, 120_000);
});
