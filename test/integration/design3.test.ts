// Design 3 as a real lab: the whole path by name over HTTPS, round robin, replication, and the floating IP moving on a crash.
import { describe, expect, it } from "vitest";
import { cli, inHost, isRoot, userGetJson, type ServedBy } from "./helpers.js";
import { sharedLabName, useSharedLab } from "./shared-lab.js";

const LAB = sharedLabName("3-scale_up");

describe.skipIf(!isRoot)("design 3 lab", () => {
  useSharedLab("3-scale_up");

  it("serves the demo page to the user host over HTTPS with normal certificate checks", () => {
    const html = inHost(LAB, "user", ["curl", "-sf", "--max-time", "5", "https://www.foobar.com/"]);
    expect(html).toMatch(/foobar/i);
    expect(html).toMatch(/web-[12]/);
  });

  it("serves static files from nginx, not from the app", () => {
    const css = inHost(LAB, "user", ["curl", "-sf", "-D", "-", "--max-time", "5", "https://www.foobar.com/static/style.css"]);
    expect(css).toMatch(/^server: nginx/im);
  });

  it("alternates between the web servers (round robin) and names every hop", () => {
    const seen = Array.from({ length: 6 }, () => userGetJson<ServedBy>(LAB, "https://www.foobar.com/api/whoami"));
    const webs = seen.map((s) => s.web);
    expect(new Set(webs)).toEqual(new Set(["web-1", "web-2"]));
    for (let i = 1; i < webs.length; i++) expect(webs[i]).not.toBe(webs[i - 1]);
    expect(seen.every((s) => s.lb === "lb-1")).toBe(true);
    expect(new Set(seen.map((s) => s.app)).size).toBeGreaterThanOrEqual(1);
  });

  it("writes on the primary, and the entry reaches the replica", async () => {
    const body = JSON.stringify({ author: "test", message: "hello from the test" });
    const created = JSON.parse(inHost(LAB, "user", ["curl", "-sf", "--max-time", "5", "-H", "content-type: application/json", "-d", body, "https://www.foobar.com/api/entries"])) as {
      id: number;
      primary: string;
    };
    expect(created.primary).toBe("db-1");
    // On the replica itself, by SQL: replication is asynchronous in applying, so allow it a moment.
    let onReplica = "";
    for (let i = 0; i < 30 && !onReplica.includes("hello from the test"); i++) {
      onReplica = cli(["exec", "--name", LAB, "db-2", "--", "mariadb", "-N", "-B", "-e", `SELECT message FROM foobar.entries WHERE id = ${created.id}`]).stdout;
      if (!onReplica.includes("hello from the test")) await new Promise((res) => setTimeout(res, 100));
    }
    expect(onReplica.trim()).toBe("hello from the test");
    // And through the site, where reads are served by the replica.
    const read = JSON.parse(inHost(LAB, "user", ["curl", "-sf", "--max-time", "5", `https://www.foobar.com/api/entries/${created.id}`])) as { servedBy: ServedBy };
    expect(read.servedBy.db).toMatch(/^db-[12]$/);
  });

  it("keeps its database connections verified when the app's pools grow (mysql2 resumes TLS sessions, which show no certificate)", () => {
    // 40 requests at once from the user host make each worker open more connections than the first, then the
    // first ones are cut (as a failover would): every connection after that is a resumed TLS session.
    const burst = () =>
      inHost(LAB, "user", ["bash", "-c", "for i in $(seq 1 40); do curl -s -o /dev/null -w '%{http_code}\\n' --max-time 10 'https://www.foobar.com/api/entries?consistent=1' & done; wait"], 60_000)
        .trim()
        .split("\n");
    expect(burst().filter((c) => c !== "200")).toEqual([]);
    const kill = inHost(LAB, "db-1", ["mariadb", "-N", "-e", "SELECT GROUP_CONCAT(ID) FROM information_schema.PROCESSLIST WHERE USER = 'foobar_app'"]).trim();
    for (const id of kill.split(",").filter((x) => /^\d+$/.test(x))) {
      // A connection may close by itself between the listing and the kill: MariaDB then answers "Unknown thread id".
      const r = cli(["exec", "--name", LAB, "db-1", "--", "mariadb", "-e", `KILL CONNECTION ${id}`]);
      if (r.code !== 0) expect(r.stderr + r.stdout).toMatch(/Unknown thread id/);
    }
    expect(burst().filter((c) => c !== "200")).toEqual([]);
    for (const app of ["app-1", "app-2"]) {
      const health = JSON.parse(inHost(LAB, app, ["curl", "-sk", "--max-time", "5", "https://127.0.0.1:8000/healthz"])) as { status: string; endpoints: { ok: boolean; error?: string }[] };
      expect(health.endpoints.filter((e) => !e.ok).map((e) => e.error)).toEqual([]);
      expect(health.status).toBe("ok");
    }
    for (let i = 0; i < 5; i++) expect(inHost(LAB, "user", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "https://www.foobar.com/api/entries?consistent=1"])).toBe("200");
  });

  it("reports every host up and lb-1 holding the floating IP", () => {
    const status = JSON.parse(cli(["status", "--name", LAB, "--json"]).stdout) as { hosts: { name: string; up: boolean; holds: string[] }[] };
    expect(status.hosts.every((h) => h.up)).toBe(true);
    expect(status.hosts.find((h) => h.name === "lb-1")?.holds).toEqual([expect.stringMatching(/^198\.1[89]\.\d+\.100$/)]);
  });

  it("moves the floating IP to lb-2 when lb-1 crashes, and the site keeps answering", async () => {
    expect(cli(["fault", "kill", "lb-1", "--name", LAB]).code).toBe(0);
    let holder: string | undefined;
    for (let i = 0; i < 50 && holder !== "lb-2"; i++) {
      await new Promise((res) => setTimeout(res, 100));
      const status = JSON.parse(cli(["status", "--name", LAB, "--json"]).stdout) as { hosts: { name: string; holds: string[] }[] };
      holder = status.hosts.find((h) => h.holds.length)?.name;
    }
    expect(holder).toBe("lb-2");
    const who = userGetJson<ServedBy>(LAB, "https://www.foobar.com/api/whoami");
    expect(who.lb).toBe("lb-2");
  });
});
