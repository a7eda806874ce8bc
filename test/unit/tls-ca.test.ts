// Issue 14, point 4: the lab CA carries name constraints (the design's domain, the lab's names, 198.18.0.0/15), lasts 90 days, and audit checks it.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel } from "../../src/model/index.js";
import { labTlsFiles } from "../../src/runtime/tls.js";
import { checkCaConstraints, foreignVerify, judgeCa, parseCaText } from "../../src/audit/ca-constraints.js";

const model = buildModel(loadBlueprint("3"));
const home = mkdtempSync(join(tmpdir(), "se-ca-"));
const saved = process.env.STACKLAB_HOME;
const tlsDir = join(home, "labs", "setls", "tls");
const openssl = (...args: string[]) => {
  try {
    return execFileSync("openssl", args, { encoding: "utf8", stdio: "pipe" });
  } catch (err) {
    return `${String((err as { stdout?: string }).stdout)}${String((err as { stderr?: string }).stderr)}`;
  }
};

beforeAll(async () => {
  process.env.STACKLAB_HOME = home;
  await labTlsFiles("setls", model);
}, 60_000);
afterAll(() => {
  if (saved === undefined) delete process.env.STACKLAB_HOME;
  else process.env.STACKLAB_HOME = saved;
});

describe("the lab CA", () => {
  it("carries critical name constraints for the domain, the lab's names and 198.18.0.0/15, and lasts 90 days", () => {
    const facts = parseCaText(openssl("x509", "-in", join(tlsDir, "ca.crt"), "-noout", "-text"));
    expect(facts.critical).toBe(true);
    expect(facts.permitted).toContain(`DNS:${model.domain}`);
    expect(facts.permitted).toContain("DNS:internal");
    expect(facts.permitted).toContain("DNS:web-1");
    expect(facts.permitted).toContain("IP:198.18.0.0/255.254.0.0");
    expect(facts.days).toBe(90);
  });

  it("still vouches for every certificate of the lab", () => {
    for (const name of ["site", "host-lb-1", "host-web-1", "host-app-1", "host-db-1", "host-mon-1"]) {
      expect(openssl("verify", "-CAfile", join(tlsDir, "ca.crt"), join(tlsDir, `${name}.crt`)), name).toMatch(/: OK/);
    }
  });

  it("cannot make a certificate for another site verify, even with its own key", async () => {
    expect(await foreignVerify(tlsDir)).toMatch(/permitted subtree violation/);
  });

  it("passes the audit's check; a CA without constraints (as before) fails it", async () => {
    expect(await checkCaConstraints("setls", model)).toMatchObject({ id: "ca-constraints", status: "pass" });
    const old = mkdtempSync(join(tmpdir(), "se-ca-old-"));
    openssl(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      join(old, "ca.key"),
      "-out",
      join(old, "ca.crt"),
      "-days",
      "365",
      "-subj",
      "/CN=stacklab lab CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
    const verdict = judgeCa(model, parseCaText(openssl("x509", "-in", join(old, "ca.crt"), "-noout", "-text")), await foreignVerify(old));
    expect(verdict.status).toBe("fail");
    expect(verdict.details.join("\n")).toMatch(/no name constraints/);
    expect(verdict.details.join("\n")).toMatch(/365 days/);
    expect(verdict.details.join("\n")).toMatch(/verified/);
  });
});
