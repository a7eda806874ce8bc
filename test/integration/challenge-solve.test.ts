// Reference solutions pass: design 3 (the course's own answer, here the reference for every design
// challenge) passes them all on one lab, the shared design-3 lab. The answers that need labs of their own (a
// learner's design, sustain-rate's small servers, the troubleshooting challenges' planted labs) are in
// challenge-labs.test.ts, which runs after the shared labs are down: with no idle lab beside it.
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { listChallenges } from "../../src/challenge/load.js";
import { asLearner, check, learner, start } from "./challenge-support.js";
import { isRoot } from "./helpers.js";
import { useSharedLab } from "./shared-lab.js";

const me = learner();
afterAll(() => rmSync(me.home, { recursive: true, force: true }));

// sustain-rate asks for servers of a size, which design 3's unsized servers are not: its answer is in challenge-labs.test.ts.
const DESIGN = listChallenges()
  .filter((c) => "blueprint" in c.start && !c.check.some((k) => k.kind === "saturation"))
  .map((c) => c.name);

describe.runIf(isRoot)("design 3 answers every design challenge", () => {
  const LAB = useSharedLab("3-scale_up");

  it.each(DESIGN)("%s passes", (name) => {
    start(me.home, name, ["--dir", me.dir]);
    const v = check(me.home, LAB, true);
    expect(v.checks.every((c) => c.lines.length > 0)).toBe(true);
    const list = JSON.parse(asLearner(me.home, ["challenge", "list", "--json"]).stdout) as { name: string; solved: boolean }[];
    expect(list.find((c) => c.name === name)!.solved).toBe(true);
  });
});
