// Helpers for the challenge tests: the CLI run as a learner with a HOME of their own, and the verdict it prints.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { Verdict } from "../../src/challenge/verdict.js";
import { BIN } from "./helpers.js";

/** A learner: their own HOME (so their progress file) and a folder for stack.yaml. */
export function learner(): { home: string; dir: string } {
  const home = mkdtempSync(join(tmpdir(), "stacklab-learner-"));
  return { home, dir: home };
}

/** Runs `stacklab ARGS...` as the learner. */
export function asLearner(home: string, args: string[], timeoutMs = 240_000): { code: number; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, NO_COLOR: "1" };
  delete env.XDG_STATE_HOME;
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: timeoutMs, env, cwd: home });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** `challenge check --json` on a lab: the verdict, with the exit code it must have. */
export function check(home: string, lab: string | undefined, passed: boolean): Verdict {
  const r = asLearner(home, ["challenge", "check", "--json", ...(lab ? ["--name", lab] : [])]);
  const verdict = JSON.parse(r.stdout || "null") as Verdict;
  const failing = verdict?.checks
    .filter((c) => !c.passed)
    .map(
      (c) =>
        `${c.says}: ${c.lines
          .filter((l) => !l.passed)
          .map((l) => l.text)
          .join("; ")} [${c.context.join("; ")}]`,
    );
  expect(r.code, `exit ${r.code}\n${r.stderr}\nfailing: ${failing?.join("\n")}`).toBe(passed ? 0 : 1);
  expect(verdict.passed).toBe(passed);
  return verdict;
}

/** Starts a challenge as the learner; returns what `start --json` printed. */
export function start(home: string, name: string, extra: string[] = []): { file: string | null; lab: string | null } {
  const r = asLearner(home, ["challenge", "start", name, "--force", "--json", ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { file: string | null; lab: string | null };
}

/** The failing lines of a verdict, one string. */
export function failingText(v: Verdict): string {
  return v.checks.flatMap((c) => c.lines.filter((l) => !l.passed).map((l) => l.text)).join("\n");
}
