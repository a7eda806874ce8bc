// `stacklab rehearse` of design 3: a bare lab (SSH only), the exported Ansible project applied with the real
// ansible-playbook (etcd quorum, failover controllers and agents, a keepalived pair, split tiers, monitoring,
// firewalls, TLS at every hop), then the lab behaves as one stacklab built itself: the site answers through DNS and
// the floating IP, the audit passes as on a native design-3 lab, a second playbook run changes nothing (and runs no
// module for a file already in place), ansible-lint finds no error, and kill-lb and kill-primary pass. One lab for
// every check: the playbook is the slow part. (Design 3 has every role of design 1: rehearse-design1.test.ts leaves
// the second run to this file.)
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHost } from "../../src/render/config/index.js";
import { labModel } from "../../src/runtime/lab-model.js";
import type { LabState } from "../../src/runtime/state.js";
import type { Secrets } from "../../src/runtime/secrets.js";
import { parseRecap } from "../../src/export/ansible/rehearse.js";
import { REPO_DIR } from "../../src/runtime/repo.js";
import { cli, inHost, isRoot, labPath, leftovers, testLab } from "./helpers.js";
import { notPassing, runAudit } from "./audit-support.js";
import { experiment } from "./experiment-support.js";

const LAB = testLab("rh-d3");
const haveAnsible = existsSync("/usr/bin/ansible-playbook") && existsSync("/usr/sbin/sshd");

describe.skipIf(!isRoot || !haveAnsible)("rehearsal of design 3 with ansible-playbook", () => {
  let summary: { url: string; changed: number; playbookMs: number; bareUpMs: number; project: string };

  beforeAll(() => {
    cli(["down", "--name", LAB]);
    const r = cli(["rehearse", "--blueprint", "3-scale_up", "--name", LAB, "--json"], 2_400_000);
    if (r.code !== 0) throw new Error(`rehearse failed (exit ${r.code}):\n${r.stderr.slice(-4000)}`);
    summary = JSON.parse(r.stdout);
    console.log(`rehearse design 3: bare up ${summary.bareUpMs} ms, playbook ${summary.playbookMs} ms, ${summary.changed} changes`);
  }, 2_500_000);

  afterAll(() => {
    if (process.env.STACKLAB_KEEP_LAB === "1") return;
    expect(cli(["down", "--name", LAB]).code).toBe(0);
    expect(leftovers(LAB)).toEqual({ namespaces: [], dir: false });
  }, 60_000);

  it("serves the site over HTTPS through DNS and the floating IP, with the very files the lab's renderers make", () => {
    expect(summary.changed).toBeGreaterThan(0);
    const state = JSON.parse(readFileSync(labPath(LAB, "state.json"), "utf8")) as LabState;
    const model = labModel(state);
    const floating = model.entryPoints.find((e) => e.kind === "floating")!;
    expect(inHost(LAB, "user", ["getent", "hosts", "www.foobar.com"]).split(/\s+/)[0]).toBe(floating.address);
    const out = inHost(LAB, "user", ["curl", "-sS", "-m", "5", "-o", "/dev/null", "-w", "%{http_code} %{remote_ip} verify=%{ssl_verify_result}", "https://www.foobar.com/healthz"]);
    expect(out).toBe(`200 ${floating.address} verify=0`);
    const secrets = JSON.parse(readFileSync(labPath(LAB, "secrets.json"), "utf8")) as Secrets;
    let compared = 0;
    for (const host of ["lb-1", "web-1", "app-1", "db-1", "mon-1"])
      for (const f of renderHost(model, host, secrets)) {
        expect(readFileSync(labPath(LAB, "hosts", host, f.path.slice(1)), "utf8"), `${host}:${f.path}`).toBe(f.content);
        compared++;
      }
    expect(compared).toBeGreaterThan(15);
  });

  it("runs the app, the database agents and the failover controllers from the installed package, never from this checkout", () => {
    const programs: [string, string][] = [
      ["app-1", "dist/app/runner/main.js"],
      ["db-1", "dist/failover/agent/main.js"],
      ["db-2", "dist/failover/agent/main.js"],
      ["lb-1", "dist/failover/controller/main.js"],
      ["mon-1", "dist/failover/controller/main.js"],
    ];
    for (const [host, main] of programs) {
      // every process of the host (its own PID namespace), one command line a line
      const cmdlines = inHost(LAB, host, ["sh", "-c", "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < \"$f\" 2>/dev/null; echo; done"]).split("\n");
      const program = cmdlines.filter((l) => l.includes(`/opt/stacklab-app/current/${main}`));
      expect(program.length, `${host}:\n${cmdlines.join("\n")}`).toBeGreaterThan(0);
      expect(
        program.every((l) => l.startsWith("/opt/stacklab-app/bin/node ")),
        program.join("\n"),
      ).toBe(true);
      expect(
        cmdlines.filter((l) => l.includes(REPO_DIR)),
        host,
      ).toEqual([]);
    }
  });

  // Before kill-primary: the playbook's replicas follow the design's primary, the experiment promotes another.
  it("changes nothing on a second ansible-playbook run, and ansible-lint finds no error", () => {
    const started = performance.now();
    const again = spawnSync("ansible-playbook", ["--vault-password-file", labPath(LAB, "ansible", "vault-pass"), "site.yml"], {
      cwd: summary.project,
      encoding: "utf8",
      timeout: 1_200_000,
      env: { ...process.env, ANSIBLE_NOCOLOR: "1" },
    });
    console.log(`rehearse design 3: second playbook run ${Math.round(performance.now() - started)} ms`);
    const recap = parseRecap(again.stdout);
    expect(again.status, again.stdout.slice(-3000)).toBe(0);
    expect(recap.length).toBe(11);
    // (a group named like a host drew a warning: the DNS servers' group is dns_servers beside the host dns)
    expect(again.stderr).not.toMatch(/Found both group and host with same name/);
    expect(
      recap.filter((l) => l.changed),
      again.stdout
        .split("\n")
        .filter((l) => l.startsWith("changed:"))
        .join("\n"),
    ).toEqual([]);
    // Every file and folder already as wanted is skipped on the controller (each role's scan saw it): no copy or
    // file module ran for any of them (those print `ok: [HOST] => (item=...)`).
    expect(
      again.stdout
        .split("\n")
        .filter((l) => /^ok: \[[^\]]+\] => \(item=/.test(l))
        .join("\n"),
    ).toBe("");
    const lint = spawnSync("ansible-lint", ["--offline", "-q"], { cwd: summary.project, encoding: "utf8", timeout: 600_000 });
    expect(lint.status, `${lint.stdout}\n${lint.stderr}`.slice(-3000)).toBe(0);
  }, 1_900_000);

  it("passes the audit as a native design-3 lab does", () => {
    const { code, report } = runAudit(LAB);
    expect(
      report.checks.filter((c) => c.status === "fail"),
      notPassing(report),
    ).toEqual([]);
    expect(code).toBe(0);
  }, 180_000);

  it("passes kill-lb (the standby takes the floating IP) and kill-primary (a controller promotes the replica)", () => {
    for (const scenario of ["kill-lb", "kill-primary"]) {
      const { code, report } = experiment(LAB, scenario);
      expect(report.metrics.lostWrites).toBe(0);
      expect(scenario === "kill-lb" ? report.metrics.recovered : report.metrics.writesRecovered, scenario).toBe(1);
      expect(code, `${scenario}: ${report.expectations.filter((e) => !e.passed).map((e) => e.text)}`).toBe(0);
    }
  }, 300_000);
});
