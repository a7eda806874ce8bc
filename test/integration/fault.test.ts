// Faults on a real lab (design 1): each one does what it says inside the hosts, is recorded, and heal undoes
// it; bad input changes nothing.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { cli, inHost, isRoot, useLab, labPath, testLab } from "./helpers.js";

const LAB = testLab("fx-f1");
interface Status {
  hosts: { name: string; up: boolean; services: { kind: string; healthy: boolean | null; supervisor: string }[] }[];
}
const status = () => JSON.parse(cli(["status", "--name", LAB, "--json"]).stdout) as Status;
const faults = () => JSON.parse(cli(["fault", "list", "--name", LAB, "--json"]).stdout) as { kind: string; host?: string }[];
const fault = (...args: string[]) => cli(["fault", ...args, "--name", LAB]);
/** Whether a TCP connection from one host to an address opens within a second. */
const reaches = (from: string, address: string, port: number) => cli(["exec", "--name", LAB, from, "--", "timeout", "1", "bash", "-c", `exec 3<>/dev/tcp/${address}/${port}`]).code === 0;
const addressOf = (host: string) =>
  (JSON.parse(cli(["status", "--name", LAB, "--json"]).stdout) as { hosts: { name: string; addresses: string[] }[] }).hosts.find((h) => h.name === host)!.addresses.at(-1)!;

describe.skipIf(!isRoot)("fault injection on a design 1 lab", () => {
  useLab(LAB, "1-distributed_web_infrastructure", { beforeDown: () => cli(["fault", "heal", "--name", LAB]) });

  it("rejects faults that make no sense with exit 2 and leaves the lab unchanged", () => {
    const before = readFileSync(labPath(LAB, "state.json"), "utf8");
    const cases = [
      { args: ["kill", "lb-2"], says: /no host "lb-2"|neither a host/ },
      { args: ["stop", "lb-1", "nginx"], says: /lb-1 does not run a service "nginx"/ },
      { args: ["netem", "server-2", "--delay", "soon"], says: /--delay: cannot read "soon"/ },
      { args: ["partition", "server-1", "--from", "server-1"], says: /nothing to cut/ },
      { args: ["kill", "standby-lb"], says: /no standby load balancer/ },
    ];
    for (const c of cases) {
      const r = fault(...c.args);
      expect(r.code, c.args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(c.says);
    }
    expect(readFileSync(labPath(LAB, "state.json"), "utf8")).toBe(before);
    expect(status().hosts.every((h) => h.up)).toBe(true);
  });

  it("stops and starts one service through runit", () => {
    expect(fault("stop", "server-2", "nginx").code).toBe(0);
    expect(
      status()
        .hosts.find((h) => h.name === "server-2")!
        .services.find((s) => s.kind === "nginx"),
    ).toMatchObject({ healthy: false });
    expect(reaches("lb-1", addressOf("server-2"), 80)).toBe(false);
    expect(fault("stop", "server-2", "nginx").code).toBe(2);
    expect(fault("start", "server-2", "nginx").code).toBe(0);
    expect(reaches("lb-1", addressOf("server-2"), 80)).toBe(true);
    expect(faults()).toEqual([]);
  });

  it("cuts a host off in both directions with its own nftables table, and heals it", () => {
    const db1 = addressOf("server-1");
    expect(fault("partition", "primary-db", "--from", "server-2").code).toBe(0);
    expect(reaches("server-2", db1, 3306)).toBe(false);
    expect(reaches("lb-1", db1, 80)).toBe(true);
    expect(inHost(LAB, "server-1", ["nft", "list", "tables"])).toMatch(/table inet stacklab_fault/);
    expect(fault("heal", "server-1").code).toBe(0);
    expect(reaches("server-2", db1, 3306)).toBe(true);
    expect(inHost(LAB, "server-1", ["nft", "list", "tables"])).not.toMatch(/stacklab_fault/);
  });

  it("delays what a host sends, and heal removes the delay", () => {
    const time = () => Number(inHost(LAB, "lb-1", ["curl", "-s", "-o", "/dev/null", "-w", "%{time_connect}", "--max-time", "3", `http://${addressOf("server-2")}/healthz`]));
    expect(fault("netem", "server-2", "--delay", "150ms", "--jitter", "5ms").code).toBe(0);
    // The TCP handshake's answer leaves server-2, so connecting alone takes the delay.
    expect(time()).toBeGreaterThanOrEqual(0.14);
    expect(fault("heal").code).toBe(0);
    expect(time()).toBeLessThan(0.14);
  });

  it("pauses every process of a host and resumes them", () => {
    expect(fault("pause", "server-2").code).toBe(0);
    expect(faults()).toMatchObject([{ kind: "pause", host: "server-2" }]);
    expect(cli(["exec", "--name", LAB, "lb-1", "--", "curl", "-s", "--max-time", "1", `http://${addressOf("server-2")}/healthz`]).code).not.toBe(0);
    expect(fault("pause", "server-2").code).toBe(2);
    expect(fault("heal", "server-2").code).toBe(0);
    expect(inHost(LAB, "lb-1", ["curl", "-sf", "--max-time", "2", `http://${addressOf("server-2")}/healthz`])).toBeTruthy();
  });

  it("crashes and stops hosts, refuses to pause a host that is down, and boots them again with their data", () => {
    expect(fault("kill", "server-2").code).toBe(0);
    expect(fault("pause", "server-2").code).toBe(2);
    expect(fault("stop", "lb-1").code).toBe(0);
    expect(
      status()
        .hosts.filter((h) => !h.up)
        .map((h) => h.name)
        .sort(),
    ).toEqual(["lb-1", "server-2"]);
    const healed = JSON.parse(cli(["fault", "heal", "--name", LAB, "--json"]).stdout) as { action: string; hosts: string[] }[];
    expect(healed.map((h) => h.hosts[0]).sort()).toEqual(["lb-1", "server-2"]);
    const s = status();
    expect(s.hosts.every((h) => h.up && h.services.every((x) => x.healthy !== false))).toBe(true);
    expect(inHost(LAB, "user", ["curl", "-sf", "--max-time", "3", "http://www.foobar.com/healthz"])).toMatch(/ok/);
  });

  it("records every fault and heal in the lab's event log with its time", () => {
    const events = readFileSync(labPath(LAB, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string; time: number; message: string });
    const kinds = events.filter((e) => e.kind === "fault" || e.kind === "heal");
    expect(kinds.filter((e) => e.kind === "fault").map((e) => e.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/crashed server-2/), expect.stringMatching(/cut server-1 off/), expect.stringMatching(/paused server-2/)]),
    );
    expect(kinds.filter((e) => e.kind === "heal").length).toBeGreaterThanOrEqual(5);
    expect(kinds.every((e) => e.time > Date.now() - 600_000)).toBe(true);
  });
});
