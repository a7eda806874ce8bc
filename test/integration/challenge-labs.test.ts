// Reference solutions that need labs of their own: a learner's own minimal answer to survive-lb-crash, sustain-rate's
// answer of small servers, and each troubleshooting challenge's planted lab, which fails its check until the
// reference fix, made with exec and reload as a learner would, makes it pass. Kept apart from challenge-solve.test.ts
// (which uses the shared design-3 lab) so that these labs, timed by their checks' steady traffic and saturation
// step, run after the shared labs are down, with no idle lab beside them.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { asLearner, check, failingText, learner, start } from "./challenge-support.js";
import { cli, inHost, isRoot, leftovers, testLab, until } from "./helpers.js";

const me = learner();
afterAll(() => rmSync(me.home, { recursive: true, force: true }));

describe.runIf(isRoot)("a learner's own answer", () => {
  it("design 1 with a load-balancer pair, and nothing else changed, answers survive-lb-crash", () => {
    const lab = testLab("chlearn1");
    cli(["down", "--name", lab]);
    const { file } = start(me.home, "survive-lb-crash", ["--dir", me.dir]);
    const text = readFileSync(file!, "utf8");
    expect(text).toMatch(/loadBalancer:\n {2}count: 1\n {2}algorithm: roundrobin\n {2}ha: single\n/);
    writeFileSync(file!, text.replace(/count: 1\n(\s+algorithm: roundrobin\n\s+)ha: single/, "count: 2\n$1ha: active-passive"));
    try {
      const up = cli(["up", file!, "--name", lab, "-d"], 180_000);
      expect(up.code, up.stderr).toBe(0);
      const v = check(me.home, lab, true);
      expect(v.checks[0]!.lines.map((l) => l.text).join("\n")).toMatch(/longest time the site was down: \d+ ms \(needed: under 2\.00 s\)/);
    } finally {
      if (process.env.STACKLAB_KEEP_LAB !== "1") {
        expect(cli(["down", "--name", lab]).code).toBe(0);
        expect(leftovers(lab)).toEqual({ namespaces: [], dir: false });
      }
    }
  });
});

/**
 * The reference answer to sustain-rate: a load balancer, eight web+app servers and a database server, each of the
 * size allowed. Eight, not the six that are just enough: with six, the web+app servers ran at 65-93% of their size at
 * 150 requests/s and the step's p99 passed 2 s in both attempts of a suite run (2.2 and 3.0 s). An engineer sizes
 * for headroom, not for the edge; the challenge's check is the same either way.
 */
const SUSTAIN_ANSWER = `name: foobar
domain: foobar.com
loadBalancer: {count: 1, algorithm: roundrobin, ha: single, size: {cpu: 0.1, memory: 384Mi}}
servers:
  - {name: web, roles: [web, app], count: 8, size: {cpu: 0.1, memory: 384Mi}}
  - {name: db, roles: [db], count: 1, size: {cpu: 0.1, memory: 384Mi}}
database: {replication: none}
`;

describe.runIf(isRoot)("sustain-rate: more small servers behind a load balancer", () => {
  it("eight web+app servers and a database server, each 0.1 core, sustain the rate one such server cannot", () => {
    const lab = testLab("chsat");
    cli(["down", "--name", lab]);
    const { file } = start(me.home, "sustain-rate", ["--dir", me.dir, "--name", lab]);
    writeFileSync(file!, SUSTAIN_ANSWER);
    try {
      const up = cli(["up", file!, "--name", lab, "-d"], 180_000);
      expect(up.code, up.stderr).toBe(0);
      const v = check(me.home, undefined, true);
      const text = v.checks[0]!.lines.map((l) => l.text).join("\n");
      expect(text).toMatch(/all 10 servers are no bigger than 0\.1 cores and 384Mi/);
      expect(text).toMatch(/requests answered per second: [\d.]+ of 150 offered/);
      expect(v.checks[0]!.context.join("\n")).toMatch(/CPU against size: lb-1 \d+%, web-1 \d+%/);
    } finally {
      if (process.env.STACKLAB_KEEP_LAB !== "1") {
        expect(cli(["down", "--name", lab]).code).toBe(0);
        expect(leftovers(lab)).toEqual({ namespaces: [], dir: false });
      }
    }
  });
});

/**
 * Waits until every service of the lab says it is healthy (status --json), then until the site answers the visitor's
 * reads within 1 s three times in a row: services just restarted by runit answer their first requests slowly.
 */
async function healthy(lab: string): Promise<void> {
  await until(
    `every service of ${lab} healthy`,
    () => {
      const r = cli(["status", "--name", lab, "--json"]);
      const s = JSON.parse(r.stdout || "null") as { hosts: { services: { healthy: boolean }[] }[] } | null;
      return Boolean(s?.hosts.every((h) => h.services.every((x) => x.healthy)));
    },
    60_000,
    1000,
  );
  let inARow = 0;
  await until(
    `three quick answers in a row from ${lab}'s site`,
    () => {
      try {
        inHost(lab, "user", ["curl", "-sf", "--max-time", "1", "-o", "/dev/null", "http://www.foobar.com/api/entries?limit=5"]);
        inARow++;
      } catch {
        inARow = 0;
      }
      return inARow >= 3;
    },
    60_000,
    200,
  );
}

/** The reference fixes, kept here and not shown to learners. */
const FIXES: Record<string, { lab: string; planted: RegExp; fix: (lab: string) => void | Promise<void>; thenReset?: boolean }> = {
  "web-wrong-port": {
    lab: testLab("chtrouble1"),
    thenReset: true,
    planted: /requests that failed: [1-9]\d* \(needed: 0\)/,
    fix: (lab) => {
      inHost(lab, "web-1", ["sed", "-i", "s/:8001 /:8000 /", "/etc/nginx/nginx.conf"]);
      expect(cli(["reload", "--name", lab, "web-1", "nginx"]).code).toBe(0);
    },
  },
  "replication-stopped": {
    lab: testLab("chtrouble2"),
    planted: /db-2: does not replicate \(receiving: No, applying: No\)/,
    fix: (lab) => void inHost(lab, "db-2", ["mariadb", "-uroot", "-e", "START SLAVE"]),
  },
  "firewall-rule-missing": {
    lab: testLab("chtrouble3"),
    planted: /app-1: no input rule for flow web-app|blocked but should be allowed: web-\d -> app-1/,
    fix: (lab) => void inHost(lab, "app-1", ["nft", "-f", "/etc/nftables.conf"]),
  },
  "memory-full": {
    lab: testLab("chtrouble4"),
    planted: /requests that failed: [1-9]\d* \(needed: 0\)/,
    fix: async (lab) => {
      // what the hints lead to: the RAM disk under /var/log is full; its file goes, the services come back
      expect(inHost(lab, "server-1", ["df", "--output=target,pcent", "-t", "tmpfs"])).toMatch(/\/var\/log\/debug\s+100%/);
      inHost(lab, "server-1", ["rm", "/var/log/debug/trace.log"]);
      await healthy(lab);
    },
  },
};

describe.runIf(isRoot)("troubleshooting on a planted lab", () => {
  it.each(Object.keys(FIXES))("%s: the planted lab fails its check, and passes once fixed", async (name) => {
    const { lab, planted, fix, thenReset } = FIXES[name]!;
    cli(["down", "--name", lab]);
    try {
      expect(start(me.home, name, ["--name", lab]).lab).toBe(lab);
      const before = check(me.home, undefined, false);
      expect(failingText(before)).toMatch(planted);
      await fix(lab);
      check(me.home, undefined, true);
      if (thenReset) {
        // reset brings the lab up afresh with the problem planted again: the check fails as at the start
        const r = asLearner(me.home, ["challenge", "reset", "--json"]);
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ challenge: name, lab });
        expect(failingText(check(me.home, undefined, false))).toMatch(planted);
      }
    } finally {
      if (process.env.STACKLAB_KEEP_LAB !== "1") {
        expect(cli(["down", "--name", lab]).code).toBe(0);
        expect(leftovers(lab)).toEqual({ namespaces: [], dir: false });
      }
    }
  });
});
