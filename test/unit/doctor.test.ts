import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REQUIREMENTS } from "../../src/runtime/doctor.js";
import { REHEARSAL_REQUIREMENTS } from "../../src/runtime/ssh.js";

describe("machine requirements", () => {
  it("CI installs every Debian package `stacklab setup` would install", () => {
    const ci = readFileSync(new URL("../../.ci/debian-packages.txt", import.meta.url), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    for (const r of [...REQUIREMENTS, ...REHEARSAL_REQUIREMENTS]) expect(ci, `${r.pkg} (for ${r.binary})`).toContain(r.pkg);
  });
});
