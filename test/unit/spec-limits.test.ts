// Issue 14, point 5: oversized designs are refused early, with a clear message, in time linear in their size.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { loadStackFile, loadStackYaml, MAX_SPEC_BYTES, validateStack } from "../../src/spec/load.js";
import { MAX_PROBLEMS } from "../../src/spec/validate.js";

const HEAD = "servers: [{roles: [web, app, db]}]\n";
const unknownKeys = (n: number) => HEAD + Array.from({ length: n }, (_, i) => `zz${i}: 1`).join("\n") + "\n";

function timed<T>(f: () => T): [T, number] {
  const start = performance.now();
  const value = f();
  return [value, performance.now() - start];
}

describe("spec limits", () => {
  it("refuses 40,000 unknown keys in under a second, with the first problems and a count", () => {
    const text = unknownKeys(40_000);
    // the same run's baseline: the YAML parser alone on the same text (no design can be read faster)
    const [, baseline] = timed(() => parseDocument(text, { uniqueKeys: false }));
    const [result, elapsed] = timed(() => loadStackYaml(text));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.length).toBe(MAX_PROBLEMS + 1);
    expect(result.problems[0]).toMatchObject({ path: "zz0", line: 2, column: 1 });
    expect(result.problems[MAX_PROBLEMS]!.message).toMatch(/more than 200 problems/);
    // under 1 s on a quiet machine; on a loaded one, within a few times what parsing alone took
    expect(elapsed, `loading took ${elapsed.toFixed(0)} ms, parsing alone ${baseline.toFixed(0)} ms`).toBeLessThan(Math.max(1000, 4 * baseline));
  });

  it("grows linearly: 4 times the keys take well under 16 times as long", () => {
    const [, small] = timed(() => loadStackYaml(unknownKeys(5_000)));
    const [, large] = timed(() => loadStackYaml(unknownKeys(20_000)));
    expect(large, `5,000 keys: ${small.toFixed(0)} ms, 20,000 keys: ${large.toFixed(0)} ms`).toBeLessThan(Math.max(10 * small, 300));
  });

  it("still finds a repeated key, in one pass", () => {
    const result = loadStackYaml(`${HEAD}a: 1\nb: 2\na: 3\n`);
    expect(result).toMatchObject({ ok: false, problems: [{ path: "(yaml)", line: 4, column: 1 }] });
    expect(JSON.stringify(result)).toContain("duplicate key a");
  });

  it("refuses a design file over 1 MiB before reading it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "se-limits-"));
    const file = join(dir, "stack.yaml");
    writeFileSync(file, `${HEAD}description: "${"x".repeat(MAX_SPEC_BYTES)}"\n`);
    const result = await loadStackFile(file);
    expect(result).toMatchObject({ ok: false, problems: [{ path: "(file)" }] });
    expect(JSON.stringify(result)).toMatch(/at most 1048576 \(1 MiB\)/);
    expect(loadStackYaml("#".repeat(MAX_SPEC_BYTES + 1)).ok).toBe(false);
  });

  it("refuses a string over its field's maximum, and a huge one before the schema reads it", () => {
    const long = validateStack({ servers: [{ roles: ["web"] }], description: "x".repeat(501) });
    expect(long).toMatchObject({ ok: false, problems: [{ path: "description", message: "must be at most 500 characters" }] });
    const [huge, ms] = timed(() => validateStack({ servers: [{ roles: ["web"] }], dns: { records: [{ name: "x".repeat(5_000_000) }] } }));
    expect(huge).toMatchObject({ ok: false, problems: [{ path: "dns.records[0].name", message: "is 5000000 characters long; at most 65536 (no field of a design needs more)" }] });
    expect(ms).toBeLessThan(1000);
  });

  it("caps the problems of a design built in code too", () => {
    const value = { servers: [{ roles: ["web"] }], ...Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])) };
    const result = validateStack(value);
    expect(result.ok ? 0 : result.problems.length).toBe(MAX_PROBLEMS + 1);
  });
});
