// Golden text of `stacklab explain` for each blueprint and the custom design (UPDATE_GOLDEN=1 rewrites them).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { explain, renderExplanation } from "../../src/explain/index.js";
import { BLUEPRINTS, GOLDEN_DIR, blueprintModel, customModel } from "./explain-helpers.js";

beforeAll(() => {
  process.env.NO_COLOR = "1";
});

function checkGolden(name: string, text: string): void {
  const file = join(GOLDEN_DIR, `${name}.txt`);
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, `${text}\n`);
  if (!existsSync(file)) throw new Error(`${file} is missing; run UPDATE_GOLDEN=1 npx vitest run test/unit/explain-golden.test.ts`);
  expect(`${text}\n`).toBe(readFileSync(file, "utf8"));
}

describe("explain golden text", () => {
  for (const name of BLUEPRINTS)
    it(`matches ${name}.txt`, () => {
      checkGolden(name, renderExplanation(explain(blueprintModel(name))));
    });

  it("matches custom-leastconn.txt", () => {
    checkGolden("custom-leastconn", renderExplanation(explain(customModel())));
  });

  it("keeps every line within 80 columns and uses no colour codes when colours are off", () => {
    for (const name of BLUEPRINTS) {
      const text = renderExplanation(explain(blueprintModel(name)));
      expect(text).not.toContain("\u001b[");
      const long = text.split("\n").filter((l) => l.length > 80);
      expect(long, name).toEqual([]);
    }
  });
});
