// `stacklab audit` on design 0 (one server, no firewall, no HTTPS): the visitor can reach the app server's own port.
import { describe, expect, it } from "vitest";
import { isRoot } from "./helpers.js";
import { sharedLabName, useSharedLab } from "./shared-lab.js";
import { runAudit } from "./audit-support.js";

const LAB = sharedLabName("0-simple_web_stack");

describe.skipIf(!isRoot)("audit of design 0", () => {
  useSharedLab("0-simple_web_stack");

  it("fails on the missing firewall, the missing HTTPS and the app port open to visitors", () => {
    const { code, byId, failed } = runAudit(LAB);
    expect(code).toBe(1);
    expect(failed).toEqual(["exposure", "firewall", "https", "reachability"]);
    expect(byId("exposure").details[0]).toMatch(/^answers but should not: 198\.18\.\d+\.\d+:8000\/tcp \(server-1\)$/);
    expect(byId("firewall").summary).toMatch(/1 of 1 host/);
    // Every tier on one host: nothing crosses the private segment.
    expect(byId("plaintext").summary).toMatch(/no traffic crossed the private segment/);
    expect(byId("db-grants").status).toBe("pass");
    expect(byId("privileges").status).not.toBe("fail");
    expect(byId("privileges").details).toEqual(expect.arrayContaining(["server-1 app: nobody", "server-1 mariadb: mysql"]));
  }, 120_000);
});
