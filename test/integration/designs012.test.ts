// Designs 0, 1 and 2 as real labs: each comes up, serves the demo page by name, and goes away without a trace.
import { statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cli, inHost, isRoot, labUp, leftovers, userGetJson, testLab, type ServedBy } from "./helpers.js";

const cases = [
  { blueprint: "0-simple_web_stack", lab: testLab("t0"), url: "http://www.foobar.com", webs: ["server-1"], lb: null },
  { blueprint: "1-distributed_web_infrastructure", lab: testLab("t1"), url: "http://www.foobar.com", webs: ["server-1", "server-2"], lb: "lb-1" },
  { blueprint: "2-secured_and_monitored_web_infrastructure", lab: testLab("t2"), url: "https://www.foobar.com", webs: ["server-1", "server-2"], lb: "lb-1" },
] as const;

describe.skipIf(!isRoot)("designs 0 to 2 as labs", () => {
  for (const c of cases) {
    it(`${c.blueprint}: up, page by name, ${c.webs.length > 1 ? "round robin, replica read, " : ""}down`, async () => {
      cli(["down", "--name", c.lab]);
      const up = labUp(c.blueprint, c.lab);
      try {
        expect(up.stdout).toContain(`lab "${c.lab}" is up`);
        const html = inHost(c.lab, "user", ["curl", "-sf", "--max-time", "5", `${c.url}/`]);
        expect(html).toMatch(/foobar/i);
        // A host's root has a home of its own, not this machine's (whose dotfiles an ssh session would run).
        const machineRoot = statSync("/root");
        expect(inHost(c.lab, c.webs[0], ["stat", "-c", "%d:%i %a", "/root"]).trim()).toMatch(/^\d+:\d+ 700$/);
        expect(inHost(c.lab, c.webs[0], ["stat", "-c", "%d:%i", "/root"]).trim()).not.toBe(`${machineRoot.dev}:${machineRoot.ino}`);
        // Round robin: every web server answers within a few requests (a bounded count, not a clock).
        const seen: ServedBy[] = [];
        while (seen.length < 12 && new Set(seen.map((s) => s.web)).size < c.webs.length) seen.push(userGetJson<ServedBy>(c.lab, `${c.url}/api/whoami`));
        expect(new Set(seen.map((s) => s.web))).toEqual(new Set(c.webs));
        expect(seen.every((s) => s.lb === c.lb)).toBe(true);
        const body = JSON.stringify({ author: "t", message: `written on ${c.blueprint}` });
        const created = JSON.parse(inHost(c.lab, "user", ["curl", "-sf", "-H", "content-type: application/json", "-d", body, `${c.url}/api/entries`])) as { id: number; primary: string };
        expect(created.primary).toBe("server-1");
        if (c.webs.length > 1) {
          let dbs = new Set<string>();
          // The replica serves the entry once replication has carried it: wait for that event (bounded, 30 s).
          const deadline = performance.now() + 30_000;
          const answers = new Map<string, number>();
          while (!dbs.has("server-2") && performance.now() < deadline) {
            const r = cli(["exec", "--name", c.lab, "user", "--", "curl", "-s", "-w", "\n%{http_code}", `${c.url}/api/entries/${created.id}`]);
            const lines = r.stdout.trimEnd().split("\n");
            const status = lines.pop() ?? "";
            const served = (() => {
              try {
                return (JSON.parse(lines.join("\n")) as { servedBy?: ServedBy }).servedBy;
              } catch {
                return undefined;
              }
            })();
            const key = `${status} from ${served?.app ?? "?"} via db ${served?.db ?? "?"}`;
            answers.set(key, (answers.get(key) ?? 0) + 1);
            if (status === "200" && served) dbs = new Set([...dbs, served.db ?? ""]);
            await new Promise((res) => setTimeout(res, 100));
          }
          // What the replica was doing, should it never serve the entry (seen twice in CI runs, unexplained).
          const why = dbs.has("server-2")
            ? ""
            : [
                `answers: ${JSON.stringify(Object.fromEntries(answers))}`,
                cli(["exec", "--name", c.lab, "server-2", "--", "mariadb", "-e", "SHOW SLAVE STATUS\\G"]).stdout,
                cli(["exec", "--name", c.lab, "server-2", "--", "mariadb", "-e", `SELECT id FROM foobar.entries WHERE id = ${created.id}`]).stdout,
                cli(["logs", "server-2", "app", "--name", c.lab, "--lines", "30"]).stdout,
                // Each app's view of its database pools (up, open, queued: metrics first, as /healthz probes them),
                // then what /healthz says of each endpoint, its last error included.
                ...c.webs.map((h) => {
                  const get = (path: string) => `curl -s --max-time 5 http://127.0.0.1:8000${path} || curl -sk --max-time 5 https://127.0.0.1:8000${path}`;
                  return `${h}:\n${cli(["exec", "--name", c.lab, h, "--", "sh", "-c", `${get("/metrics")} | grep '^foobar_db_pool'; ${get("/healthz")}`]).stdout}`;
                }),
              ].join("\n");
          expect(dbs.has("server-2"), why).toBe(true);
        }
      } finally {
        expect(cli(["down", "--name", c.lab]).code).toBe(0);
        expect(leftovers(c.lab)).toEqual({ namespaces: [], dir: false });
      }
    });
  }
});
