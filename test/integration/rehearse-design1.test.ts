// `stacklab rehearse` of design 1: a bare lab (SSH only), the exported Ansible project applied with the real
// ansible-playbook, then the lab behaves as one stacklab built itself: the site answers through DNS, the audit
// finds what it finds on a native design-1 lab, the experiments pass, and ansible-lint finds no error. One lab,
// shared by every check (the playbook is the slow part). A second playbook run is rehearse-design3.test.ts's: design
// 3 has every role of design 1, and the one path of design 1 alone (the package role checked once on a host whose
// programs are in two plays, the later play's record read from the earlier scan) is export-ansible-app.test.ts's.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHost } from "../../src/render/config/index.js";
import { labModel } from "../../src/runtime/lab-model.js";
import type { LabState } from "../../src/runtime/state.js";
import type { Secrets } from "../../src/runtime/secrets.js";
import type { ExperimentReport } from "../../src/experiment/report.js";
import { cli, isRoot, labPath, leftovers, testLab } from "./helpers.js";
import { runAudit } from "./audit-support.js";

const LAB = testLab("rh-d1");
const haveAnsible = existsSync("/usr/bin/ansible-playbook") && existsSync("/usr/sbin/sshd");

describe.skipIf(!isRoot || !haveAnsible)("rehearsal of design 1 with ansible-playbook", () => {
  let summary: { url: string; changed: number; playbookMs: number; bareUpMs: number; project: string };

  beforeAll(() => {
    cli(["down", "--name", LAB]);
    const r = cli(["rehearse", "--blueprint", "1-distributed_web_infrastructure", "--name", LAB, "--json"], 1_500_000);
    if (r.code !== 0) throw new Error(`rehearse failed (exit ${r.code}):\n${r.stderr.slice(-4000)}`);
    summary = JSON.parse(r.stdout);
    console.log(`rehearse design 1: bare up ${summary.bareUpMs} ms, playbook ${summary.playbookMs} ms, ${summary.changed} changes`);
  }, 1_600_000);

  afterAll(() => {
    if (process.env.STACKLAB_KEEP_LAB === "1") return;
    expect(cli(["down", "--name", LAB]).code).toBe(0);
    expect(leftovers(LAB)).toEqual({ namespaces: [], dir: false });
  }, 60_000);

  it("serves the site through DNS and the load balancer, every service ready by stacklab's own probes", () => {
    expect(summary.changed).toBeGreaterThan(0);
    const r = cli(["exec", "--name", LAB, "user", "--", "curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}", "http://www.foobar.com/healthz"]);
    expect(r.stdout).toBe("200");
    const status = JSON.parse(cli(["status", "--name", LAB, "--json"]).stdout) as { hosts: { up: boolean }[] };
    expect(status.hosts.every((h) => h.up)).toBe(true);
  });

  it("installed the very files the lab's renderers make for each host", () => {
    const state = JSON.parse(readFileSync(labPath(LAB, "state.json"), "utf8")) as LabState;
    const secrets = JSON.parse(readFileSync(labPath(LAB, "secrets.json"), "utf8")) as Secrets;
    const model = labModel(state);
    let compared = 0;
    for (const host of ["lb-1", "server-1", "server-2", "dns"])
      for (const f of renderHost(model, host, secrets)) {
        const onHost = labPath(LAB, "hosts", host, f.path.slice(1));
        expect(readFileSync(onHost, "utf8"), `${host}:${f.path}`).toBe(f.content);
        compared++;
      }
    expect(compared).toBeGreaterThan(8);
  });

  it("exports a project ansible-lint finds no error in (production profile)", () => {
    const lint = spawnSync("ansible-lint", ["--offline", "-q"], { cwd: summary.project, encoding: "utf8", timeout: 600_000 });
    expect(lint.status, `${lint.stdout}\n${lint.stderr}`.slice(-3000)).toBe(0);
  }, 600_000);

  it("gets the same audit verdict as a native design-1 lab (no firewall, no HTTPS: exactly those)", () => {
    const { code, failed } = runAudit(LAB);
    expect(code).toBe(1);
    expect(failed).toEqual(["firewall", "https", "reachability"]);
  }, 180_000);

  it("passes kill-lb and kill-primary as a native design-1 lab does", () => {
    for (const scenario of ["kill-lb", "kill-primary"]) {
      const r = cli(["experiment", scenario, "--name", LAB, "--json"], 120_000);
      const report = JSON.parse(r.stdout) as ExperimentReport;
      console.log(`${scenario} on the rehearsed lab: ${report.passed ? "passed" : "FAILED"}, downtime ${report.metrics.downtime} ms, lost writes ${report.metrics.lostWrites}`);
      expect(report.metrics.lostWrites).toBe(0);
      expect(r.code, `${scenario}: ${report.expectations.filter((e) => !e.passed).map((e) => e.text)}`).toBe(0);
    }
  }, 300_000);
});
