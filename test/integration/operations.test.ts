// Operating design 3 under load: rolling deploy, HAProxy reload, maintenance, scale up and down, all without a
// failed request; design 0's deploy reports what it cost; bad input leaves the lab unchanged.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, isRoot, labUp, leftovers, testLab } from "./helpers.js";

const LAB = testLab("tops");
interface Report {
  passed: boolean;
  metrics: { failedRequests: number; lostWrites: number; downtime: number; slowRequests: number };
  figures?: { errors?: Record<string, number> };
  files?: { operations?: string };
}

/** The operations that failed in an experiment (at most 5), with what each got: for an assertion's message. */
function failures(report: Report): string {
  const file = report.files?.operations;
  const lines =
    file && existsSync(file)
      ? readFileSync(file, "utf8")
          .split("\n")
          .filter((l) => l && !/"ok":true/.test(l))
      : [];
  return `errors ${JSON.stringify(report.figures?.errors ?? {})}; failed operations:\n${lines.slice(0, 5).join("\n")}`;
}

function experiment(name: string, lab = LAB): Report {
  const r = cli(["experiment", name, "--name", lab, "--json"], 120_000);
  expect([0, 1], r.stderr).toContain(r.code);
  return JSON.parse(r.stdout) as Report;
}

function hosts(lab = LAB): string[] {
  return (JSON.parse(cli(["status", "--name", lab, "--json"]).stdout) as { hosts: { name: string }[] }).hosts.map((h) => h.name);
}

describe.skipIf(!isRoot)("operations on design 3 under load", () => {
  beforeAll(() => {
    cli(["down", "--name", LAB]);
    labUp("3-scale_up", LAB);
  });
  afterAll(() => {
    cli(["down", "--name", LAB]);
    expect(leftovers(LAB)).toEqual({ namespaces: [], dir: false });
  });

  it("scale up adds a web server that serves, scale down removes it", () => {
    expect(cli(["scale", "web=3", "--name", LAB]).code).toBe(0);
    expect(hosts()).toContain("web-3");
    // web-3 joins the load balancers' rotation once their health checks pass (rise 2 at 500 ms).
    const seen = new Set<string>();
    for (let i = 0; i < 30 && !seen.has("web-3"); i++) {
      const r = cli(["exec", "--name", LAB, "user", "--", "curl", "-s", "--max-time", "3", "https://www.foobar.com/api/whoami"]);
      if (r.code === 0 && r.stdout.startsWith("{")) seen.add((JSON.parse(r.stdout) as { web: string }).web);
    }
    expect(seen).toContain("web-3");
    expect(cli(["scale", "web=2", "--name", LAB]).code).toBe(0);
    expect(hosts()).not.toContain("web-3");
  });

  for (const scenario of ["deploy", "reload-haproxy", "maintain-web", "maintain-app", "maintain-lb", "scale-web"]) {
    it(`${scenario}: no failed request, no lost write`, () => {
      const report = experiment(scenario);
      console.log(`${scenario}: failed ${report.metrics.failedRequests}, slow ${report.metrics.slowRequests}, downtime ${report.metrics.downtime} ms, lost writes ${report.metrics.lostWrites}`);
      expect(report.metrics.failedRequests, failures(report)).toBe(0);
      expect(report.metrics.lostWrites, failures(report)).toBe(0);
    });
  }

  it("refuses bad input with exit 2 and leaves the lab unchanged", () => {
    if (hosts().includes("web-3")) cli(["scale", "web=2", "--name", LAB]);
    const before = hosts();
    const bad = [
      ["scale", "web=0"],
      ["scale", "web=500"],
      ["scale", "cache=2"],
      ["scale", "web"],
      ["deploy", "--app", "/nonexistent"],
      ["deploy", "--version", "not a version!"],
    ];
    for (const args of bad) {
      const r = cli([...args, "--name", LAB]);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/error:/);
    }
    const dir = mkdtempSync(join(tmpdir(), "stacklab-apply-"));
    writeFileSync(join(dir, "renamed.yaml"), "name: other\nservers: [{roles: [web, app, db]}]\n");
    const renamed = cli(["apply", join(dir, "renamed.yaml"), "--name", LAB]);
    expect(renamed.code).toBe(2);
    expect(renamed.stderr).toMatch(/rename|network layout|named/);
    expect(hosts()).toEqual(before);
  });
});

describe.skipIf(!isRoot)("a deploy on design 0", () => {
  it("warns that the only app server has nowhere to send requests, and reports what users saw", () => {
    const lab = testLab("tops0");
    cli(["down", "--name", lab]);
    labUp("0-simple_web_stack", lab);
    try {
      const direct = cli(["deploy", "--version", "1.1.0", "--name", lab]);
      expect(direct.code).toBe(0);
      expect(direct.stdout).toMatch(/only app server/);
      const report = experiment("deploy", lab);
      console.log(`design 0 deploy: failed ${report.metrics.failedRequests}, downtime ${report.metrics.downtime} ms`);
      expect(typeof report.metrics.downtime).toBe("number");
      expect(report.metrics.lostWrites).toBe(0);
    } finally {
      cli(["down", "--name", lab]);
    }
  });
});
