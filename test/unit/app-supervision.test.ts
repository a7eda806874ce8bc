// The bookkeeping both app supervisors share (app/runner/supervision.ts): one reload at a time with one queued
// behind it, reloads and restarts counted in the runner's metrics, crash restarts after the policy's delay.
import { afterEach, describe, expect, it, vi } from "vitest";
import { RestartPolicy } from "../../src/app/runner/restart-policy.js";
import { cancelRestarts, CrashRestarts, newSlot, ReloadGate, RunnerMetrics } from "../../src/app/runner/supervision.js";

async function counter(metrics: RunnerMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return v?.value ?? 0;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("ReloadGate", () => {
  it("runs one reload at a time, queues one asked meanwhile and runs it once after, and counts outcomes", async () => {
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const metrics = new RunnerMetrics();
    let stopping = false;
    const gate = new ReloadGate(() => stopping, metrics);
    const releases: (() => void)[] = [];
    let runs = 0;
    const reload = () =>
      new Promise<"done" | "failed">((resolve) => {
        runs++;
        releases.push(() => resolve(runs === 1 ? "done" : "failed"));
      });
    const first = gate.run(reload);
    expect(await gate.run(reload)).toBe("queued");
    expect(await gate.run(reload)).toBe("queued");
    expect(runs).toBe(1);
    releases[0]!();
    expect(await first).toBe("done");
    await vi.waitFor(() => expect(runs).toBe(2));
    releases[1]!();
    await vi.waitFor(async () => expect(await counter(metrics, "stacklab_runner_reloads_total", { outcome: "failed" })).toBe(1));
    expect(await counter(metrics, "stacklab_runner_reloads_total", { outcome: "done" })).toBe(1);
    expect(runs).toBe(2);
    stopping = true;
    expect(await gate.run(reload)).toBe("failed");
    expect(runs).toBe(2);
    vi.restoreAllMocks();
  });
});

describe("CrashRestarts", () => {
  it("starts a crashed slot again after the policy's delay, counts it, and not when the slot is no longer wanted", async () => {
    vi.useFakeTimers();
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const metrics = new RunnerMetrics();
    const restarts = new CrashRestarts(new RestartPolicy(), metrics);
    const slot = { ...newSlot(0, {}), startedAt: Date.now() };
    let started = 0;
    restarts.crashed(
      slot,
      { pid: 10, code: 1, signal: null },
      () => started++,
      () => true,
    );
    expect(slot.history.consecutive).toBe(1);
    vi.advanceTimersByTime(99);
    expect(started).toBe(0);
    vi.advanceTimersByTime(1);
    expect(started).toBe(1);
    expect(slot.timer).toBeUndefined();
    restarts.crashed(
      slot,
      { pid: 11, code: null, signal: "SIGKILL" },
      () => started++,
      () => false,
    );
    vi.advanceTimersByTime(10_000);
    expect(started).toBe(1);
    const other = newSlot(1, {});
    restarts.crashed(
      other,
      { pid: 12, code: 1, signal: null },
      () => started++,
      () => true,
    );
    cancelRestarts([other]);
    vi.advanceTimersByTime(10_000);
    expect(started).toBe(1);
    expect(await counter(metrics, "stacklab_runner_restarts_total")).toBe(3);
    vi.restoreAllMocks();
  });
});
