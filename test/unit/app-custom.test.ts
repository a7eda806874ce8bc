// The runner in custom mode with examples/custom-app, on 127.0.0.1: it spreads requests over its
// children, replaces one that is killed, reloads without failing a request and stops cleanly.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RELOAD_PORT_OFFSET } from "../../src/app/runner/custom-supervisor.js";
import { alive, buildApp, freePortBlock, hammer, http, REPO, startedPids, startRunner, type RunnerProcess } from "./app-support.js";

const APP_PID = /pid (\d+) on/;

describe("runner, custom mode (examples/custom-app)", () => {
  let build: ReturnType<typeof buildApp>;
  let dir: string;
  let port: number;
  let runner: RunnerProcess;

  const pidOf = async () => {
    const r = await http(port, "/");
    expect(r.status, r.error ?? r.body).toBe(200);
    return Number(APP_PID.exec(r.body)?.[1]);
  };

  beforeAll(async () => {
    build = buildApp();
    dir = mkdtempSync(join(tmpdir(), "stacklab-custom-"));
    port = await freePortBlock([0, 1, 2, RELOAD_PORT_OFFSET + 1, RELOAD_PORT_OFFSET + 2]);
    const envFile = join(dir, "app.env");
    writeFileSync(
      envFile,
      [
        `PORT=${port}`,
        "LISTEN_ADDRESS=127.0.0.1",
        "WORKERS=2",
        "APP_KIND=custom",
        'APP_COMMAND="node server.js"',
        `APP_DIR=${join(REPO, "examples/custom-app")}`,
        "APP_HEALTH_PATH=/healthz",
        "APP_VERSION=1.0.0",
        "",
      ].join("\n"),
    );
    runner = startRunner(build.runner, envFile);
    await runner.waitForLine(/worker-healthy .*port=\d+/, 15_000);
    await waitHealthyCount(runner, 2, 15_000);
  });

  afterAll(async () => {
    await runner?.stop();
    for (const pid of startedPids(runner?.lines ?? [])) if (alive(pid)) process.kill(pid, "SIGKILL");
    build?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("answers on PORT and spreads connections round robin over its two children", async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 4; i++) pids.add(await pidOf());
    expect(pids.size).toBe(2);
    expect([...pids].every((p) => startedPids(runner.lines).includes(p))).toBe(true);
    expect((await http(port, "/healthz")).status).toBe(200);
  });

  it("replaces a child killed with SIGKILL while requests keep succeeding", async () => {
    const victim = await pidOf();
    const from = runner.lines.length;
    process.kill(victim, "SIGKILL");
    // A connection the dying child accepted before the kernel ended it is lost with it: start
    // counting once the runner has seen the exit.
    await runner.waitForLine(new RegExp(`worker-exited .*pid=${victim} .*planned=false`), 5000, from);
    const during = await hammer(port, "/", 1500);
    expect(during.failed, runner.lines.slice(from).join("\n")).toEqual([]);
    expect(during.ok).toBeGreaterThan(10);
    const restarted = await runner.waitForLine(/worker-started .*reason=restart/, 5000, from);
    const newPid = Number(/pid=(\d+)/.exec(restarted)?.[1]);
    await runner.waitForLine(new RegExp(`worker-healthy pid=${newPid}`), 10_000, from);
    const pids = new Set<number>();
    for (let i = 0; i < 4; i++) pids.add(await pidOf());
    expect(pids.has(newPid), runner.lines.slice(from).join("\n")).toBe(true);
    expect(pids.has(victim)).toBe(false);
  });

  it("reloads on SIGHUP with new children and no failed request", async () => {
    const before = new Set<number>();
    for (let i = 0; i < 4; i++) before.add(await pidOf());
    const from = runner.lines.length;
    const load = hammer(port, "/", 4000);
    await new Promise((r) => setTimeout(r, 300));
    runner.proc.kill("SIGHUP");
    await runner.waitForLine(/reload-end/, 20_000, from);
    const during = await load;
    expect(during.failed, runner.lines.slice(from).join("\n")).toEqual([]);
    const after = new Set<number>();
    for (let i = 0; i < 4; i++) after.add(await pidOf());
    expect(after.size).toBe(2);
    expect([...after].some((p) => before.has(p))).toBe(false);
    for (const p of before) expect(alive(p)).toBe(false);
  });

  it("stops on SIGTERM with exit code 0 and no child left", async () => {
    const code = await runner.stop();
    expect(code).toBe(0);
    expect(runner.lines.some((l) => / shutdown-end/.test(l))).toBe(true);
    const survivors = startedPids(runner.lines).filter(alive);
    expect(survivors).toEqual([]);
  });
});

async function waitHealthyCount(runner: RunnerProcess, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (runner.lines.filter((l) => / worker-healthy /.test(l)).length < n) {
    if (Date.now() > deadline) throw new Error(`fewer than ${n} healthy workers after ${timeoutMs} ms:\n${runner.lines.join("\n")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
