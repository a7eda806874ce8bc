// `stacklab capacity`: the tiers it groups demands into, which tiers grow in count, the verification's verdicts, and
// the bad input it refuses before any lab starts.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { withoutSizes } from "../../src/spec/unsized.js";
import { capacityText, register, verifyText } from "../../src/cli/commands/capacity.js";
import { planCapacity } from "../../src/analysis/capacity.js";
import { checkCapacityDesign, scalableTier, tiersOf, verifyRow, VERIFY_CONFIGS, withSizes, type DemandMeasurement } from "../../src/experiment/capacity.js";
import { buildModel } from "../../src/model/build.js";
import { sizeBudget } from "../../src/analysis/sizes.js";
import { runCli } from "./cli-support.js";

const run = (...args: string[]) => runCli([register], ...args);
afterEach(() => vi.restoreAllMocks());

const SIZE = { cpu: 0.25, memory: "384Mi" };

describe("capacity's tiers", () => {
  it("gives unsized servers the size asked, keeps the sizes a design gives", () => {
    // (design 3 without its blueprint sizes, then one group sized by hand)
    const bare = withoutSizes(loadBlueprint("3"));
    const s = withSizes({ ...bare, servers: bare.servers.map((g) => (g.roles[0] === "app" ? { ...g, size: { cpu: 1, memory: "1Gi" } } : g)) }, SIZE);
    const m = buildModel(s);
    expect(m.hosts.filter((h) => h.kind === "server").every((h) => h.size)).toBe(true);
    expect(m.hosts.find((h) => h.name === "app-1")!.size!.cpu).toBe(1);
    expect(m.hosts.find((h) => h.name === "web-1")!.size!.cpu).toBe(0.25);
  });

  it("grows a tier in count only behind a load balancer, and never the database or the balancers", () => {
    const three = buildModel(loadBlueprint("3"));
    expect(scalableTier(three, "app")).toBe(true);
    expect(scalableTier(three, "web")).toBe(true);
    expect(scalableTier(three, "db")).toBe(false);
    expect(scalableTier(three, "lb")).toBe(false);
    expect(scalableTier(buildModel(loadBlueprint("0")), "web+app+db")).toBe(false);
  });

  it("adds a tier's hosts' demands, and says how much its busiest host carries", () => {
    const m = buildModel(withSizes(loadBlueprint("3"), SIZE));
    const t = tiersOf(m, [
      { host: "app-1", tier: "app", idleCores: 0.01, loadCores: 0.11, demandMs: 1 },
      { host: "app-2", tier: "app", idleCores: 0.01, loadCores: 0.11, demandMs: 1 },
      { host: "db-1", tier: "db", idleCores: 0.1, loadCores: 0.2, demandMs: 0.9 },
      { host: "db-2", tier: "db", idleCores: 0.1, loadCores: 0.11, demandMs: 0.1 },
    ]);
    expect(t.find((x) => x.tier === "app")).toMatchObject({ hosts: ["app-1", "app-2"], cpu: 0.25, demand: 0.002, busiestShare: 0.5, scalable: true });
    const db = t.find((x) => x.tier === "db")!;
    expect(db.demand).toBeCloseTo(0.001, 12);
    expect(db.busiestShare).toBeCloseTo(0.9, 12);
    expect(db.scalable).toBe(false);
  });

  it("refuses a design without an app tier", () => {
    const lbOnly = { ...loadBlueprint("0"), servers: [{ roles: ["web" as const], count: 1 }] };
    expect(() => checkCapacityDesign(lbOnly)).toThrow(/no app tier/);
  });
});

describe("capacity --verify", () => {
  it("checks configurations whose sizes fit this 2-core machine with room to spare", () => {
    expect(VERIFY_CONFIGS).toHaveLength(3);
    for (const c of VERIFY_CONFIGS) {
      const b = sizeBudget(buildModel(c.stack()), { cpus: 2, memoryBytes: 8 * 1024 ** 3 });
      expect(b.warnings).toEqual([]);
      expect(b.cpu).toBeLessThanOrEqual(1.5);
      expect(
        buildModel(c.stack())
          .hosts.filter((h) => h.kind === "server")
          .every((h) => h.size),
      ).toBe(true);
    }
  });

  it("judges predicted against measured within the tolerance", () => {
    expect(verifyRow("x", 0.5, true, 115, 100, 15, "app")).toMatchObject({ errorPct: 15, within: true });
    expect(verifyRow("x", 0.5, true, 84, 100, 15, "app")).toMatchObject({ errorPct: -16, within: false });
    expect(verifyRow("x", 0.5, true, 100, null, 15, null)).toMatchObject({ errorPct: null, within: false });
  });
});

describe("stacklab capacity: bad input, refused before any lab starts", () => {
  const dir = mkdtempSync(join(tmpdir(), "stacklab-capacity-"));
  it("a design with no app tier (the spec refuses it, with the path; a lab without one is refused by capacity)", async () => {
    const f = join(dir, "static.yaml");
    writeFileSync(f, "servers:\n  - roles: [web]\n    count: 1\n");
    const r = await run("capacity", f, "--rps", "100");
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/no server has role app/);
  });
  it("a rate that is no rate, or past what the model can speak for; a missing rate", async () => {
    for (const [rps, msg] of [
      ["fast", /"fast" is not a rate/],
      ["0", /"0" is not a rate/],
      ["-5", /is not a rate/],
      ["5e7", /past what a model measured on one machine can say/],
    ] as const) {
      const r = await run("capacity", "--blueprint", "0", "--rps", rps);
      expect(r.code, rps).toBe(2);
      expect(r.out, rps).toMatch(msg);
    }
    expect((await run("capacity", "--blueprint", "0")).out).toMatch(/--rps is required/);
    expect((await run("capacity", "--blueprint", "0", "--rps", "10", "--p99", "soon")).out).toMatch(/--p99: cannot read "soon"/);
    expect((await run("capacity", "--blueprint", "0", "--rps", "10", "--size", "99")).out).toMatch(/--size/);
  });
});

describe("capacity's answer", () => {
  it("reads in one table: each tier now and needed, utilisation, headroom; what this machine cannot check", () => {
    const tiers = [
      { tier: "app", hosts: ["app-1"], cpu: 0.25, demand: 0.002, busiestShare: 1, scalable: true },
      { tier: "db", hosts: ["db-1", "db-2"], cpu: 0.5, demand: 0.0005, busiestShare: 1, scalable: false },
    ];
    const plan = planCapacity(tiers, 20, 1000, 200);
    const light = { offered: 20, achieved: 20, p50Ms: 5, p99Ms: 20, errorPct: 0 };
    const measurement: DemandMeasurement = {
      lab: "l",
      design: "blueprint 3",
      light,
      moderate: { ...light, offered: 50 },
      hosts: [],
      tiers,
      baseP99Ms: 20,
      generator: { coresPerRequest: 0.001, ceiling: 900 },
    };
    const text = capacityText({
      design: "blueprint 3",
      lab: "l",
      rps: 1000,
      targetMs: 200,
      measurement,
      plan,
      machine: { cpus: 2 },
      checkable: false,
      notChecked: ["the answer needs 3.5 cores of servers, this machine has 2"],
    });
    expect(text).toMatch(/capacity for 1000 req\/s at p99 <= 200 ms/);
    expect(text).toMatch(/app\s+2\.00\s+1 x 0\.25\s+\d+ x 0\.25/);
    expect(text).toMatch(/db .*grows in size/);
    expect(text).toMatch(/not checked here: the answer needs 3\.5 cores/);
  });
});

describe("capacity --verify's table", () => {
  it("prints predicted against measured with the error, and marks what was not checked or not measured", () => {
    const text = verifyText({
      targetMs: 200,
      tolerancePct: 15,
      passed: false,
      rows: [
        verifyRow("design 0, one server of 0.5 core", 0.5, true, 330, 300, 15, "web+app+db"),
        { ...verifyRow("design 1", 0.75, true, null, null, 15, null), note: "not measured: even 20 requests/s miss the target" },
        { ...verifyRow("design 0, 4x", 2, false, 1300, null, 15, null), note: "not checked here: 2 cores of servers, this machine has 2" },
      ],
    });
    expect(text).toMatch(/design 0, one server of 0\.5 core\s+0\.5\s+330\s+300\s+\+10%\s+ok/);
    expect(text).toMatch(/design 1 .*not measured: even 20 requests\/s/);
    expect(text).toMatch(/design 0, 4x\s+2\s+1300\s+-\s+-\s+not checked here/);
    expect(text).toMatch(/missed the tolerance/);
  });
});
