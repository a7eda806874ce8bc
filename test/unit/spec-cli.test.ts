// `stacklab validate`, run as a user runs it: exit codes, `file:line:col [path] message` on stderr, nothing written.
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { validateDesign } from "../../src/cli/commands/validate.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BROKEN = join(ROOT, "test/fixtures/broken");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function stacklab(args: string[], cwd = ROOT): Promise<Run> {
  return new Promise((resolve) => {
    execFile("node", [join(ROOT, "bin/stacklab.js"), ...args], { cwd, env: { ...process.env, NO_COLOR: "1" } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The `# expect:` lines of a broken fixture, as [path, substring]. */
function expected(file: string): [string, string][] {
  return [...readFileSync(join(BROKEN, file), "utf8").matchAll(/^# expect: (\S+)(?: @\d+:\d+)? (.+)$/gm)].map((m) => [m[1]!, m[2]!]);
}

const LINE = /^(.+):(\d+):(\d+) \[(.+?)\] (.+)$/;

beforeAll(() => {
  // The CLI runs from dist/: a stale build would test old code.
  const built = join(ROOT, "dist/cli/commands/validate.js");
  const sources = ["src/cli/commands/validate.ts", ...readdirSync(join(ROOT, "src/spec")).map((f) => `src/spec/${f}`)];
  const newest = Math.max(...sources.map((f) => statSync(join(ROOT, f)).mtimeMs));
  let builtAt = 0;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    // not built at all
  }
  if (builtAt < newest) throw new Error("dist/ is older than src/; run `npm run build` before this test");
});

describe("stacklab validate", () => {
  it("prints the lab's hosts and exits 0 for a valid design, from YAML, TypeScript or a blueprint", async () => {
    const [blueprint, ts, minimal] = await Promise.all([
      stacklab(["validate", "--blueprint", "3"]),
      stacklab(["validate", "examples/stacklab.config.ts"]),
      stacklab(["validate", "test/fixtures/valid/minimal.yaml"]),
    ]);
    expect(blueprint).toMatchObject({ code: 0, stderr: "" });
    expect(blueprint.stdout).toBe("ok: blueprint 3: 11 hosts (user, dns, lb-1, lb-2, web-1, web-2, app-1, app-2, db-1, db-2, mon-1)\n");
    expect(ts.code).toBe(0);
    expect(ts.stdout).toContain("ok: examples/stacklab.config.ts: 11 hosts");
    expect(minimal.stdout).toBe("ok: test/fixtures/valid/minimal.yaml: 3 hosts (user, dns, server-1)\n");
  });

  const files = ["many-problems.yaml", "unknown-key-and-impossible-design.yaml", "bad-enums.yaml", "dns-no-www.yaml", "yaml-duplicate-key.yaml", "replicas-without-primary.yaml"];
  it.each(files)("exits 2 on %s and prints every problem as file:line:col [path] message", async (file) => {
    const path = `test/fixtures/broken/${file}`;
    const run = await stacklab(["validate", path]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const [head, ...lines] = run.stderr.trimEnd().split("\n");
    const want = expected(file);
    expect(head).toBe(`error: ${want.length} problem${want.length === 1 ? "" : "s"} in ${path}`);
    expect(lines).toHaveLength(want.length);
    for (const line of lines) expect(line).toMatch(LINE);
    const parsed = lines.map((l) => LINE.exec(l)!);
    for (const m of parsed) expect(m[1]).toBe(path);
    for (const [p, text] of want)
      expect(
        parsed.some((m) => m[4] === p && m[5]!.includes(text)),
        `${p}: ${text}`,
      ).toBe(true);
  });

  it("reports several problems in one run, not one per run", async () => {
    const run = await stacklab(["validate", "test/fixtures/broken/many-problems.yaml"]);
    expect(
      run.stderr
        .trimEnd()
        .split("\n")
        .filter((l) => LINE.test(l)).length,
    ).toBeGreaterThanOrEqual(5);
  });

  it("prints the same report as JSON with --json, still exiting 2", async () => {
    const run = await stacklab(["validate", "test/fixtures/broken/floating-ip-one-lb.yaml", "--json"]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: false,
      source: "test/fixtures/broken/floating-ip-one-lb.yaml",
      hosts: [],
      problems: [{ path: "loadBalancer.count", line: 4, column: 10, message: expect.stringContaining("needs at least 2") }],
    });
    const ok = await stacklab(["validate", "--blueprint", "0", "--json"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ ok: true, source: "blueprint 0", hosts: ["user", "dns", "server-1"], problems: [] });
  });

  it("writes nothing next to the design, and exits 2 for a file that does not exist", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stacklab-validate-"));
    copyFileSync(join(BROKEN, "many-problems.yaml"), join(dir, "stack.yaml"));
    const run = await stacklab(["validate"], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("stack.yaml:9:12 [servers[0].count]");
    expect(readdirSync(dir)).toEqual(["stack.yaml"]);
    const missing = await stacklab(["validate", join(dir, "nope.yaml")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("[(file)] cannot read");
  });
});

describe("validateDesign (in process)", () => {
  it("returns every problem, located, without throwing", async () => {
    const report = await validateDesign(join(BROKEN, "unknown-key-and-impossible-design.yaml"), {});
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => [p.path, p.line])).toEqual([
      ["loadBalancer.count", 6],
      ["monitoring.sytem", 11],
    ]);
  });
});
