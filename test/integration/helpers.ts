// Helpers for integration tests: run the real CLI, inside real labs.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, expect, onTestFailed } from "vitest";

export const ROOT = join(import.meta.dirname, "..", "..");
export const BIN = join(ROOT, "bin", "stacklab.js");
export const isRoot = process.getuid?.() === 0;
/** stacklab's state root as the CLI under test sees it (STACKLAB_HOME, e.g. for a check run beside other labs). */
export const STATE_ROOT = process.env.STACKLAB_HOME ?? "/var/lib/stacklab";

/**
 * The name a test gives its lab. STACKLAB_TEST_LAB_SUFFIX (a few lowercase letters or digits) is appended, so a
 * second checkout can run integration tests beside this one without their namespaces and cgroups colliding (give
 * it its own STACKLAB_HOME too). Lab names stay within 16 characters.
 */
export function testLab(name: string): string {
  const suffix = process.env.STACKLAB_TEST_LAB_SUFFIX ?? "";
  if (!/^[a-z0-9]{0,4}$/.test(suffix)) throw new Error(`STACKLAB_TEST_LAB_SUFFIX must be 0-4 lowercase letters or digits, not "${suffix}"`);
  const lab = name + suffix;
  if (lab.length > 16) throw new Error(`test lab name "${lab}" is longer than 16 characters`);
  return lab;
}

/** A path in a lab's folder: labPath("t3", "events.jsonl"). */
export function labPath(lab: string, ...rest: string[]): string {
  return join(STATE_ROOT, "labs", lab, ...rest);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `stacklab ARGS...` to completion. */
export function cli(args: string[], timeoutMs = 120_000): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Runs a command inside a host of a lab and returns stdout (throws on failure). */
export function inHost(lab: string, host: string, argv: string[], timeoutMs = 30_000): string {
  const r = cli(["exec", "--name", lab, host, "--", ...argv], timeoutMs);
  if (r.code !== 0) throw new Error(`exec ${host} ${argv.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Brings a blueprint up detached under a lab name; throws with the CLI's output on failure. */
export function labUp(blueprint: string, lab: string, args: string[] = []): CliResult {
  // A path is a design file; anything else names a blueprint.
  const r = cli(["up", ...(blueprint.includes("/") ? [blueprint] : ["--blueprint", blueprint]), "--name", lab, "-d", ...args], 180_000);
  if (r.code !== 0) throw new Error(`up ${blueprint} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r;
}

/**
 * Brings a blueprint up as `lab` before the tests of the enclosing describe and down after them, then checks
 * nothing of it is left. `args` are more options of `up` (e.g. --no-auto-rebuild); `check` looks at what `up`
 * printed; `beforeDown` runs first at the end (e.g. a heal).
 */
export function useLab(lab: string, blueprint: string, opts: { args?: string[]; check?: (up: CliResult) => void; beforeDown?: () => void } = {}): void {
  beforeAll(() => {
    cli(["down", "--name", lab]);
    // Not inside `opts.check?.(...)`: optional chaining would skip the bring-up along with the call.
    const up = labUp(blueprint, lab, opts.args);
    opts.check?.(up);
  }, 200_000);
  afterAll(() => {
    // STACKLAB_KEEP_LAB=1 leaves the lab up to look at after a failure (`stacklab down --name LAB` later).
    if (process.env.STACKLAB_KEEP_LAB === "1") return;
    opts.beforeDown?.();
    expect(cli(["down", "--name", lab]).code).toBe(0);
    expect(leftovers(lab)).toEqual({ namespaces: [], dir: false });
  }, 60_000);
}

/** Namespaces, processes and files left by a lab (all empty after a clean teardown). */
export function leftovers(lab: string): { namespaces: string[]; dir: boolean } {
  const ns = spawnSync("ip", ["netns", "list"], { encoding: "utf8" })
    .stdout.split("\n")
    .map((l) => l.split(" ")[0]!)
    .filter((n) => n.startsWith(`stacklab-${lab}.`));
  const dir = spawnSync("test", ["-e", labPath(lab)]).status === 0;
  return { namespaces: ns, dir };
}

/** Who served a request, as the demo app's /api/whoami (and each entry's servedBy) names every hop. */
export interface ServedBy {
  lb: string | null;
  web: string | null;
  app: string;
  db: string | null;
  dbRole: string | null;
}

/** Parsed JSON from a request made by curl inside the user host. */
export function userGetJson<T>(lab: string, url: string): T {
  return JSON.parse(inHost(lab, "user", ["curl", "-sf", "--max-time", "5", url])) as T;
}

/** Waits until `fn` gives something (polling every `everyMs`), or fails saying what was awaited: tests wait for events, bounded. */
export async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Prints why each failed attempt failed. Vitest reports a test that passed on its retry only as "(retry x1)",
 * without the first attempt's error: this keeps it in the run's output (stderr), to find what flaked.
 */
export function logFailedAttempts(): void {
  beforeEach(() => {
    onTestFailed(({ task }) => {
      const errors = (task.result?.errors ?? []).map((e) => e.message).join("; ");
      console.error(`attempt ${(task.result?.retryCount ?? 0) + 1} of "${task.name}" failed: ${errors}`);
    });
  });
}
