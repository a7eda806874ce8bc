// Issue 14, point 3: one masking function for every printer and error path, derived tokens included; secret files created exclusively.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { derivedSecrets, labSecrets, mask, type Secrets } from "../../src/runtime/secrets.js";

// Lets a test play the second of two first callers: it looked for secrets.json before the first one wrote it.
const race = vi.hoisted(() => ({ missed: false }));
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  return { ...real, existsSync: (p: import("node:fs").PathLike) => (race.missed && String(p).endsWith("secrets.json") ? false : real.existsSync(p)) };
});
import { failoverSecrets } from "../../src/render/config/failover.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SECRETS: Secrets = { mysqlRoot: "rootRootRoot123456789", app: "appAppApp123456789", replication: "replReplRepl123456", monitor: "monMonMon123456789" };

describe("mask", () => {
  it("hides every secret of a lab, and the tokens derived from them", () => {
    const { agent, token, clone } = derivedSecrets(SECRETS);
    expect(failoverSecrets(SECRETS)).toEqual({ agent, token, clone });
    const text = `db said: access denied (${SECRETS.app}); agent ${agent}; controller refused ${token}; repl ${SECRETS.replication}; clone ${clone}`;
    const out = mask(text, SECRETS);
    for (const v of [...Object.values(SECRETS), agent, token, clone]) expect(out).not.toContain(v);
    expect(out).toContain("<secret:failover-token>");
    expect(out).toContain("<secret:app>");
  });

  it("hides what is shaped like a password even when the lab is unknown", () => {
    const out = mask("CHANGE MASTER TO MASTER_PASSWORD='s3cr3t-xyz', x; CREATE USER a IDENTIFIED BY 'hunter2hunter2'; Authorization: Bearer abcdefghijklmnop; password=abcdefghijk", []);
    for (const v of ["s3cr3t-xyz", "hunter2hunter2", "abcdefghijklmnop", "abcdefghijk"]) expect(out).not.toContain(v);
  });
});

describe("the CLI's error path", () => {
  it("never prints a lab's secret or derived token, even inside a problem it reports", () => {
    const home = mkdtempSync(join(tmpdir(), "se-mask-"));
    mkdirSync(join(home, "labs", "semask"), { recursive: true });
    writeFileSync(join(home, "labs", "semask", "secrets.json"), JSON.stringify(SECRETS), { mode: 0o600 });
    const { token } = derivedSecrets(SECRETS);
    const spec = join(home, "stack.yaml");
    writeFileSync(spec, `servers: [{roles: [web, app, db]}]\ndomain: "${token}"\ndescription: "${SECRETS.app}\\n"\n`);
    let stderr = "";
    try {
      execFileSync(process.execPath, [join(ROOT, "bin/stacklab.js"), "validate", spec], { env: { ...process.env, STACKLAB_HOME: home, NO_COLOR: "1" }, encoding: "utf8", stdio: "pipe" });
    } catch (err) {
      stderr = String((err as { stderr?: string }).stderr);
    }
    expect(stderr).toContain("domain");
    expect(stderr).toContain("<secret:failover-token>");
    expect(stderr).not.toContain(token);
    expect(stderr).not.toContain(SECRETS.app);
  });
});

describe("secrets.json", () => {
  it("is never replaced by a second first caller that looked before the first one wrote it", () => {
    const home = mkdtempSync(join(tmpdir(), "se-excl-"));
    const saved = process.env.STACKLAB_HOME;
    process.env.STACKLAB_HOME = home;
    try {
      mkdirSync(join(home, "labs", "seexcl"), { recursive: true });
      const first = labSecrets("seexcl");
      race.missed = true;
      const second = labSecrets("seexcl");
      race.missed = false;
      expect(second).toEqual(first);
      expect(JSON.parse(readFileSync(join(home, "labs", "seexcl", "secrets.json"), "utf8"))).toEqual(first);
      expect(readdirSync(join(home, "labs", "seexcl"))).toEqual(["secrets.json"]);
    } finally {
      race.missed = false;
      if (saved === undefined) delete process.env.STACKLAB_HOME;
      else process.env.STACKLAB_HOME = saved;
    }
  });

  it("is created exclusively: racing first callers all get the same passwords, mode 600", async () => {
    const home = mkdtempSync(join(tmpdir(), "se-race-"));
    const labs = Array.from({ length: 40 }, (_, i) => `serace${i}`);
    for (const lab of labs) mkdirSync(join(home, "labs", lab), { recursive: true });
    const script = `import { labSecrets } from ${JSON.stringify(join(ROOT, "dist/runtime/secrets.js"))};
const out = {}; for (const lab of ${JSON.stringify(labs)}) out[lab] = labSecrets(lab).app; process.stdout.write(JSON.stringify(out));`;
    const runs = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<Record<string, string>>((done, fail) => {
            const child = spawn(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, STACKLAB_HOME: home } });
            let out = "";
            child.stdout.on("data", (d: Buffer) => (out += d.toString()));
            child.on("error", fail);
            child.on("close", (code) => (code === 0 ? done(JSON.parse(out) as Record<string, string>) : fail(new Error(`exit ${code}`))));
          }),
      ),
    );
    for (const lab of labs) {
      const stored = (JSON.parse(readFileSync(join(home, "labs", lab, "secrets.json"), "utf8")) as Secrets).app;
      for (const r of runs) expect(r[lab], lab).toBe(stored);
      expect(statSync(join(home, "labs", lab, "secrets.json")).mode & 0o777).toBe(0o600);
      expect(readdirSync(join(home, "labs", lab))).toEqual(["secrets.json"]);
    }
  });
});
