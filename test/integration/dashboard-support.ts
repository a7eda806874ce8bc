// Shared by the dashboard's browser tests: the real `stacklab dashboard` command, Debian's Chromium driven by
// Playwright, every answer the page received (to scan for secrets), a bounded load burst, and screenshots.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { BIN, ROOT, useLab, labPath } from "./helpers.js";

/** Debian's Chromium (apt-get install -y chromium). */
export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
export const ARTIFACTS = join(ROOT, "test", "artifacts");

/**
 * Points HOME at an empty folder for this test process and what it starts. Bash reads ~/.bashrc when its stdin
 * is a socket (Node's piped stdio), so the lab's `bash -c` readiness probes would run this machine's root
 * .bashrc (pyenv init, whose rehash waits up to 60 s on a lock a killed host can leave behind). The machine's
 * shell setup is no part of a lab; without this a heal could take minutes for reasons outside stacklab.
 */
export function isolateShellStartup(): () => void {
  const before = process.env.HOME;
  const home = mkdtempSync(join(tmpdir(), "stacklab-home-"));
  process.env.HOME = home;
  return () => {
    process.env.HOME = before;
    rmSync(home, { recursive: true, force: true });
  };
}

/** A `stacklab dashboard` process serving a lab on a free loopback port. */
export interface DashboardProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `stacklab dashboard --name LAB --port 0 --json` and waits for the address it prints. */
export async function startDashboardCli(lab: string, timeoutMs = 20_000): Promise<DashboardProcess> {
  const child = spawn(process.execPath, [BIN, "dashboard", "--name", lab, "--port", "0", "--json"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // the printed URL carries this run's token (?token=...): the only way in
    const m = /"url": "(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)"/.exec(out);
    if (m) return { url: m[1]!, child, output: () => out, stop };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`stacklab dashboard did not print its address within ${timeoutMs} ms:\n${out}`);
}

/** A headless Chromium page, with the console errors and every answer it received recorded. */
export interface BrowserSession {
  page: Page;
  errors: string[];
  /** URL and body of every response the page received (API answers, the page, its scripts). */
  bodies: { url: string; body: string }[];
  close(): Promise<void>;
}

/** Launches Debian's Chromium headless with a fresh profile in a temp folder. */
export async function openBrowser(): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), "stacklab-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 1000 },
    // the lab's site is opened on its published loopback address, whose certificate names www.<domain>
    ignoreHTTPSErrors: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const bodies: { url: string; body: string }[] = [];
  // a Content-Security-Policy violation is reported as a console error ("Refused to load/execute ...")
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  page.on("response", (r) => {
    r.text().then(
      (body) => bodies.push({ url: r.url(), body }),
      () => undefined,
    );
  });
  return {
    page,
    errors,
    bodies,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot under test/artifacts/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The lab's secret values (secrets.json), to make sure none reaches the page. */
export function labSecretValues(lab: string): string[] {
  return Object.values(JSON.parse(readFileSync(labPath(lab, "secrets.json"), "utf8")) as Record<string, string>).filter((v) => v.length >= 8);
}

/** Starts a bounded load burst from the user host (wrk, `seconds` long); resolves when wrk ends. */
export function loadBurst(lab: string, url: string, seconds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "exec", "--name", lab, "user", "--", "wrk", "-t1", "-c8", `-d${seconds}s`, "--timeout", "2s", url], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), (seconds + 20) * 1000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`wrk failed (${code}): ${out}`));
    });
  });
}

/** The number shown in a stat tile of the page ("site requests/s"), NaN when it shows none. */
export async function statValue(page: Page, label: string): Promise<number> {
  const tile = page.locator(".stat", { has: page.locator(".label", { hasText: label }) });
  return Number.parseFloat((await tile.locator(".value").textContent()) ?? "");
}

/**
 * Sends a bounded burst (8 s) from the user host to the site and waits for the page's "site requests/s" to rise
 * past 50 and five times what it showed before; then the burst's wrk report. `shot` names the screenshot.
 */
export async function qpsRisesUnderBurst(page: Page, lab: string, url: string, shot: string): Promise<void> {
  const before = await statValue(page, "site requests/s");
  const burst = loadBurst(lab, url, 8);
  await expect.poll(() => statValue(page, "site requests/s"), { timeout: 15_000, interval: 500 }).toBeGreaterThan(Math.max(50, (before || 0) * 5));
  await screenshot(page, shot);
  expect(await burst).toMatch(/Requests\/sec/);
}

/** The health class of a host in the topology drawing (ok, degraded, paused, down). */
export async function hostHealth(page: Page, host: string): Promise<string> {
  const cls = (await page.locator(`#topology g.host[data-host="${host}"]`).getAttribute("class")) ?? "";
  return ["ok", "degraded", "paused", "down"].find((c) => cls.split(" ").includes(c)) ?? "unknown";
}

/** The dashboard of a lab, served and open in Chromium for the tests of the enclosing describe. */
export interface DashboardSession {
  dash: DashboardProcess;
  browser: BrowserSession;
}

/**
 * Brings a blueprint up as `lab` (useLab), serves its dashboard and opens Chromium on it, with HOME isolated
 * for the whole file; everything is closed again in reverse order. The session's fields are set before the tests run.
 */
export function useDashboardLab(lab: string, blueprint: string): DashboardSession {
  const session = {} as DashboardSession;
  let restoreHome: (() => void) | undefined;
  // Registered first, so HOME is restored last (vitest runs after-hooks in reverse order).
  beforeAll(() => void (restoreHome = isolateShellStartup()));
  afterAll(() => restoreHome?.());
  useLab(lab, blueprint);
  beforeAll(async () => {
    session.dash = await startDashboardCli(lab);
    session.browser = await openBrowser();
  }, 120_000);
  afterAll(async () => {
    await session.browser?.close();
    await session.dash?.stop();
  }, 60_000);
  return session;
}
