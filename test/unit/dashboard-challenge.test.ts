// The dashboard's challenge card: the learner's current challenge and last check, read from their
// progress file and served at /api/challenge (null when no challenge was started).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordVerdict, writeProgress, type Progress } from "../../src/challenge/progress.js";
import { challengePanel } from "../../src/dashboard/challenge.js";
import { startDashboard, type RunningDashboard } from "../../src/dashboard/server.js";
import { cookieName } from "../../src/dashboard/guard.js";

const home = mkdtempSync(join(tmpdir(), "stacklab-dash-challenge-"));
const saved = { ...process.env };
let dash: RunningDashboard;
beforeAll(async () => {
  process.env.HOME = home;
  delete process.env.XDG_STATE_HOME;
  const none = async () => ({});
  dash = await startDashboard(
    {
      state: none,
      series: none,
      events: none,
      fault: async () => [],
      heal: async () => [],
      secrets: () => ({ mysqlRoot: "r0123456789", app: "a0123456789", replication: "p0123456789", monitor: "m0123456789" }),
    },
    0,
  );
});
afterAll(async () => {
  await dash.close();
  process.env = { ...saved };
  rmSync(home, { recursive: true, force: true });
});

// As the browser asks once it opened the printed URL: with the dashboard's cookie.
const get = async (path: string) => (await fetch(`http://127.0.0.1:${dash.port}${path}`, { headers: { cookie: `${cookieName(dash.port)}=${dash.token}` } })).json() as Promise<{ challenge: unknown }>;

describe("the challenge card", () => {
  it("is empty before any challenge is started", async () => {
    expect(challengePanel()).toBeNull();
    expect(await get("/api/challenge")).toEqual({ challenge: null });
  });

  it("shows the current challenge and its last check", async () => {
    const p: Progress = { current: "survive-lb-crash", challenges: { "survive-lb-crash": { startedAt: "t0", lab: "mine", hintsShown: 1 } } };
    recordVerdict(p, "survive-lb-crash", {
      challenge: "survive-lb-crash",
      lab: "mine",
      at: "2026-12-02T05:00:00.000Z",
      passed: false,
      checks: [
        { kind: "experiment", says: "keeps answering", passed: false, lines: [{ passed: false, text: "longest time the site was down: 6.20 s (needed: under 2.00 s)" }], context: [], durationMs: 1 },
      ],
    });
    writeProgress(p);
    const panel = (await get("/api/challenge")).challenge;
    expect(panel).toMatchObject({
      name: "survive-lb-crash",
      lab: "mine",
      solved: false,
      hintsShown: 1,
      lastCheck: { passed: false, checks: [{ says: "keeps answering", lines: [{ text: expect.stringContaining("6.20 s") }] }] },
    });
    expect(panel).toEqual(challengePanel());
  });
});
