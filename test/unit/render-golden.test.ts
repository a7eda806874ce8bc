// Golden files: every rendered config of the four blueprints, checked in under test/golden/render/<blueprint>/<host>/<path>.
// Regenerate deliberately with: UPDATE_GOLDEN=1 npx vitest run test/unit/render-golden.test.ts
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { listBlueprints, loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel } from "../../src/model/index.js";
import { PLACEHOLDER_SECRETS, renderAll, writeRendered } from "../../src/render/config/index.js";

const GOLDEN = join(import.meta.dirname, "..", "golden", "render");
const update = process.env.UPDATE_GOLDEN === "1";

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

describe.each(listBlueprints().map((b) => b.name))("golden files of %s", (name) => {
  const dir = join(GOLDEN, name);
  const rendered = renderAll(buildModel(loadBlueprint(name)), PLACEHOLDER_SECRETS);
  const expected = new Map(Object.entries(rendered).flatMap(([host, files]) => files.map((f) => [join(host, f.path), f.content] as const)));

  if (update) {
    rmSync(dir, { recursive: true, force: true });
    // Golden copies keep the default mode; file modes are asserted in render.test.ts.
    for (const [host, files] of Object.entries(rendered))
      writeRendered(
        join(dir, host),
        files.map(({ path, content }) => ({ path, content })),
      );
  }

  it("has exactly one golden file per rendered file", () => {
    const onDisk = listFiles(dir)
      .map((p) => relative(dir, p))
      .sort();
    expect(onDisk, "run with UPDATE_GOLDEN=1 after a deliberate change").toEqual([...expected.keys()].sort());
  });

  it.each([...expected.keys()].sort())("%s matches", (rel) => {
    const path = join(dir, rel);
    expect(existsSync(path), `missing golden ${path}; run with UPDATE_GOLDEN=1`).toBe(true);
    expect(expected.get(rel)).toBe(readFileSync(path, "utf8"));
  });
});
