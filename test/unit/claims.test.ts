// The seeds' scalability claims: the sized designs they run, and how each verdict reads its figures.
import { describe, expect, it } from "vitest";
import { appTier, judgeAppScaling, judgeSurge, judgeTiers, ratio, sized } from "../../src/experiment/claims.js";
import { validateStack } from "../../src/spec/load.js";
import { buildModel } from "../../src/model/build.js";

describe("the scalability claims", () => {
  it("run valid designs whose servers all have sizes, the app tier alone small in the scaling series", () => {
    for (const s of [sized("0", { cpu: 0.25, memory: "384Mi" }), sized("3", { cpu: 0.25, memory: "384Mi" }), appTier(1), appTier(4)]) {
      expect(validateStack(s).ok).toBe(true);
      const servers = buildModel(s).hosts.filter((h) => h.kind === "server");
      expect(servers.every((h) => h.size)).toBe(true);
    }
    const four = buildModel(appTier(4)).hosts.filter((h) => h.roles.includes("app"));
    expect(four.map((h) => h.size!.cpu)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(buildModel(appTier(4)).hosts.find((h) => h.name === "web-1")!.size!.cpu).toBe(0.5);
  });

  it("judge the ratios against the seeds' expectations", () => {
    expect(ratio(180, 100)).toBe(1.8);
    expect(ratio(null, 100)).toBeNull();
    expect(judgeTiers(100, 180)).toMatchObject({ passed: true, ratio: 1.8 });
    expect(judgeTiers(100, 179)).toMatchObject({ passed: false });
    expect(judgeTiers(null, 180)).toMatchObject({ passed: false, why: "a design did not sustain any step" });
    expect(judgeAppScaling([100, 170, 200])).toMatchObject({ passed: true, ratio: 1.7 });
    expect(judgeAppScaling([100, 150, 200]).why).toMatch(/1\.5x one/);
  });

  it("a surge must overload the server, and the server must recover after it", () => {
    const bad = { ok: false, p99Ms: 900, errorPct: 5 };
    const good = { ok: true, p99Ms: 20, errorPct: 0 };
    expect(judgeSurge(bad, good).passed).toBe(true);
    expect(judgeSurge(good, good).why).toMatch(/did not overload/);
    expect(judgeSurge(bad, bad).why).toMatch(/did not recover/);
  });
});
