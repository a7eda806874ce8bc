// Every broken design in test/fixtures/broken is rejected with exactly the problems its `# expect:` lines name.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadStackFile } from "../../src/spec/load.js";

const DIR = fileURLToPath(new URL("../fixtures/broken/", import.meta.url));
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

interface Expectation {
  path: string;
  line?: number;
  column?: number;
  text: string;
}

/** `# expect: <path> [@line:col] <substring of the message>`, one line per problem. */
function expectations(file: string): Expectation[] {
  return readFileSync(join(DIR, file), "utf8")
    .split("\n")
    .flatMap((line) => {
      const m = /^# expect: (\S+)(?: @(\d+):(\d+))? (.+)$/.exec(line);
      if (!m) return [];
      return [{ path: m[1]!, text: m[4]!, ...(m[2] ? { line: Number(m[2]), column: Number(m[3]) } : {}) }];
    });
}

describe("broken designs", () => {
  it("has at least 30 fixtures, each stating what it expects", () => {
    expect(FILES.length).toBeGreaterThanOrEqual(30);
    for (const f of FILES) expect(expectations(f).length, f).toBeGreaterThan(0);
  });

  it.each(FILES)("%s: every expected problem, at its line and column, and no other", async (file) => {
    const result = await loadStackFile(join(DIR, file));
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    const expected = expectations(file);
    for (const e of expected) {
      const match = problems.find((p) => p.path === e.path && p.message.includes(e.text));
      expect(match, `no problem at ${e.path} saying "${e.text}"; got:\n${JSON.stringify(problems, null, 1)}`).toBeDefined();
      if (e.line !== undefined) expect({ line: match?.line, column: match?.column }, `${e.path}`).toEqual({ line: e.line, column: e.column });
    }
    for (const p of problems) {
      expect(
        expected.some((e) => e.path === p.path && p.message.includes(e.text)),
        `unexpected problem ${JSON.stringify(p)}`,
      ).toBe(true);
      expect(p.line, `${p.path} has no line`).toBeGreaterThan(0);
      expect(p.column, `${p.path} has no column`).toBeGreaterThan(0);
    }
    expect(result.file).toBe(join(DIR, file));
  });
});
