// Failover of the tiers in front of the database on a real design-3 lab: keepalived moves the floating IP when
// HAProxy dies on a live host, HAProxy works around a crashed web server and nginx around a crashed app server,
// without a visitor's request failing (writes included: a POST is only re-sent where it was never received).
import { describe, expect, it } from "vitest";
import { cli, isRoot, useLab, testLab } from "./helpers.js";
import { startWrites, until } from "./failover-helpers.js";

const LAB = testLab("fotiers");
const URL = "https://www.foobar.com";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function holder(): string | undefined {
  const s = JSON.parse(cli(["status", "--name", LAB, "--json"]).stdout) as { hosts: { name: string; holds: string[] }[] };
  return s.hosts.find((h) => h.holds.length)?.name;
}

/**
 * Runs a write loop, crashes `host` 3 s in, and returns the writes started after the crash, and those in flight
 * at that instant (a request the crashed server held may or may not have run: indeterminate, never "failed").
 */
async function crashUnderLoad(host: string) {
  // Every host up, no fault left (a retry starts here too), and the site answering.
  expect(cli(["fault", "heal", "--name", LAB], 120_000).code).toBe(0);
  await until("the site to answer", () => cli(["exec", "--name", LAB, "user", "--", "curl", "-sf", "-o", "/dev/null", "--max-time", "3", `${URL}/healthz`]).code === 0);
  const loop = startWrites(LAB, URL, 8);
  await sleep(3000);
  const kill = cli(["fault", "kill", host, "--name", LAB, "--json"]);
  expect(kill.code, kill.stderr).toBe(0);
  const at = (JSON.parse(kill.stdout) as { at: number }[])[0]!.at;
  const { ops } = await loop.done;
  expect(cli(["fault", "start", host, "--name", LAB], 60_000).code).toBe(0);
  return { at, after: ops.filter((o) => o.start > at), inFlight: ops.filter((o) => o.start <= at && o.end >= at) };
}

describe.skipIf(!isRoot)("design 3: the load balancer, web and app tiers fail over", () => {
  useLab(LAB, "3-scale_up");

  it("moves the floating IP to lb-2 when HAProxy stops on a live lb-1, and back when it runs again", async () => {
    // Known state for a retry too: HAProxy running on lb-1 (runit's `sv up`), which then holds the floating IP.
    expect(cli(["fault", "heal", "--name", LAB], 120_000).code).toBe(0);
    expect(cli(["exec", "--name", LAB, "lb-1", "--", "sv", "up", "/etc/stacklab/service/haproxy"]).code).toBe(0);
    await until("lb-1 to hold the floating IP", () => holder() === "lb-1");
    expect(cli(["exec", "--name", LAB, "lb-1", "--", "sv", "down", "/etc/stacklab/service/haproxy"]).code).toBe(0);
    await until("lb-2 to hold the floating IP", () => holder() === "lb-2");
    const headers = cli(["exec", "--name", LAB, "user", "--", "curl", "-sf", "-D", "-", "-o", "/dev/null", "--max-time", "5", `${URL}/healthz`]).stdout;
    expect(headers).toMatch(/x-served-by-lb: lb-2/i);
    expect(cli(["exec", "--name", LAB, "lb-1", "--", "sv", "up", "/etc/stacklab/service/haproxy"]).code).toBe(0);
    await until("lb-1 to take the floating IP back", () => holder() === "lb-1");
  });

  it("loses no write when a web server crashes: HAProxy retries connections elsewhere and drops it from rotation", async () => {
    const { after, inFlight } = await crashUnderLoad("web-1");
    expect(after.length).toBeGreaterThan(50);
    expect(after.filter((o) => o.outcome !== "ok")).toEqual([]);
    expect(inFlight.filter((o) => o.outcome === "failed")).toEqual([]);
  });

  it("loses no write when an app server crashes: nginx passes requests it could not deliver to the other one", async () => {
    const { at, after, inFlight } = await crashUnderLoad("app-1");
    expect(after.length).toBeGreaterThan(50);
    // No write failed, and none after the first moments. A POST that nginx put on an idle keep-alive connection
    // to app-1 just after the crash reached a dead peer (no RST from a crashed host): nginx must not send it again
    // (it may have run), so its fate is unknown to the client: counted apart (Jepsen), never as lost or failed.
    // Only the few idle connections nginx held to app-1 can do that, right after the crash (seen: 0 to 2).
    expect(after.filter((o) => o.outcome === "failed")).toEqual([]);
    const unknown = after.filter((o) => o.outcome !== "ok");
    expect(unknown.length).toBeLessThanOrEqual(4);
    for (const o of unknown) expect(o.start - at, JSON.stringify(o)).toBeLessThan(2000);
    expect(inFlight.filter((o) => o.outcome === "failed")).toEqual([]);
  });
});
