// Every design challenge's starting point fails its check on a real lab, with the numbers that show why:
// one design-0 lab for the two design-0 challenges, one design-1 lab for four, one design-2 lab.
import { readFileSync, rmSync } from "node:fs";
import { cli, leftovers, testLab } from "./helpers.js";
import { useSharedLab } from "./shared-lab.js";
import { afterAll, describe, expect, it } from "vitest";
import { blueprintText } from "../../src/blueprints/index.js";
import { asLearner, check, failingText, learner, start } from "./challenge-support.js";
import { isRoot } from "./helpers.js";

const me = learner();
afterAll(() => rmSync(me.home, { recursive: true, force: true }));

describe.runIf(isRoot)("design 0 as the starting point", () => {
  const LAB = useSharedLab("0-simple_web_stack");

  it("survive-server-crash: start writes design 0, and its check fails with the outage measured", () => {
    const s = start(me.home, "survive-server-crash", ["--dir", me.dir]);
    const noSchema = (t: string) => t.replace(/^\$schema: .*\n/m, "");
    expect(noSchema(readFileSync(s.file!, "utf8"))).toContain(noSchema(blueprintText("0-simple_web_stack")));
    const v = check(me.home, LAB, false);
    expect(failingText(v)).toMatch(/longest time the site was down: \d+\.\d\d s \(needed: under 2\.00 s\)/);
    const list = asLearner(me.home, ["challenge", "list", "--json"]);
    expect(JSON.parse(list.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ name: "survive-server-crash", current: true, solved: false })]));
  });

  it("deploy-without-downtime: the web server's maintenance cannot be done without an outage", () => {
    start(me.home, "deploy-without-downtime", ["--dir", me.dir]);
    const v = check(me.home, LAB, false);
    expect(v.checks.map((c) => c.passed)).toEqual([true, false]);
    expect(failingText(v)).toMatch(/could not maintain server-1/);
  });
});

describe.runIf(isRoot)("design 0 with one small server as the starting point", () => {
  it("sustain-rate: start writes design 0 sized, and one server of that size falls behind the rate", () => {
    const lab = testLab("chstart0s");
    cli(["down", "--name", lab]);
    const { file } = start(me.home, "sustain-rate", ["--dir", me.dir, "--name", lab]);
    expect(readFileSync(file!, "utf8")).toMatch(/size: \{cpu: 0\.1, memory: 384Mi\}/);
    try {
      const up = cli(["up", file!, "--name", lab, "-d"], 180_000);
      expect(up.code, up.stderr).toBe(0);
      const v = check(me.home, undefined, false);
      const lines = v.checks[0]!.lines;
      expect(lines[0]).toEqual({ passed: true, text: "server-1 is no bigger than 0.1 cores and 384Mi" });
      // one server of a tenth of a core cannot keep up: it falls behind, its tail passes the target, or requests fail
      expect(failingText(v)).toMatch(/requests answered per second: [\d.]+ of 150 offered|99th percentile latency: (\d+ ms|none answered)|requests that failed: [\d.]+%/);
      expect(v.checks[0]!.context.join("\n")).toMatch(/CPU against size: server-1 \d+%/);
    } finally {
      if (process.env.STACKLAB_KEEP_LAB !== "1") {
        expect(cli(["down", "--name", lab]).code).toBe(0);
        expect(leftovers(lab)).toEqual({ namespaces: [], dir: false });
      }
    }
  });
});

describe.runIf(isRoot)("design 1 as the starting point", () => {
  const LAB = useSharedLab("1-distributed_web_infrastructure");

  it("firewall: the audit finds the flows no firewall blocks", () => {
    start(me.home, "firewall", ["--dir", me.dir]);
    const v = check(me.home, LAB, false);
    expect(failingText(v)).toMatch(/host firewalls \(fail\)/);
    expect(failingText(v)).toMatch(/plan still finds: .*firewall/i);
  });

  it("qps-alert: nothing watches the site", () => {
    start(me.home, "qps-alert", ["--dir", me.dir]);
    const v = check(me.home, LAB, false);
    expect(failingText(v)).toMatch(/no monitoring host to raise HighQps/);
  });

  it("survive-lb-crash: the site is down until the load balancer is back", () => {
    start(me.home, "survive-lb-crash", ["--dir", me.dir]);
    const v = check(me.home, LAB, false);
    expect(failingText(v)).toMatch(/the site answered again by itself, before anyone repaired the fault: no/);
  });

  // Last on this lab: after it, the old primary is back read-only until a person acts.
  it("keep-writing: writes stop with the primary", () => {
    start(me.home, "keep-writing", ["--dir", me.dir]);
    const v = check(me.home, LAB, false);
    expect(failingText(v)).toMatch(/writes went through again by themselves, before anyone repaired the fault: no/);
  });
});

describe.runIf(isRoot)("design 2 as the starting point", () => {
  const LAB = useSharedLab("2-secured_and_monitored_web_infrastructure");

  it("encrypt-private-traffic: the capture reads plaintext behind the load balancer", () => {
    start(me.home, "encrypt-private-traffic", ["--dir", me.dir]);
    const v = check(me.home, LAB, false);
    expect(failingText(v)).toMatch(/plaintext on the private segment \(warn\).*TLS ends at the load balancer/);
  });
});
