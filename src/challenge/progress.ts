// Each learner's progress, kept under their own HOME (XDG state folder): the current challenge, hints
// shown, the last check's verdict, and which challenges are solved.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { Verdict } from "./verdict.js";

/** One challenge's progress. */
export interface ChallengeProgress {
  startedAt: string;
  /** The lab the challenge is checked on (the planted lab, or the one the learner named). */
  lab?: string;
  /** Where the starting stack.yaml was written. */
  file?: string;
  hintsShown: number;
  solvedAt?: string;
  lastCheck?: Verdict;
}

export interface Progress {
  current: string | null;
  challenges: Record<string, ChallengeProgress>;
}

/** The progress file: $XDG_STATE_HOME/stacklab/challenges.json, or ~/.local/state/stacklab/challenges.json. */
export function progressFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(base, "stacklab", "challenges.json");
}

/** Reads the progress (empty when there is none yet, or the file is unreadable). */
export function readProgress(file = progressFile()): Progress {
  if (!existsSync(file)) return { current: null, challenges: {} };
  try {
    const v = JSON.parse(readFileSync(file, "utf8")) as Partial<Progress>;
    return { current: typeof v.current === "string" ? v.current : null, challenges: v.challenges && typeof v.challenges === "object" ? v.challenges : {} };
  } catch {
    return { current: null, challenges: {} };
  }
}

/** Writes the progress atomically (beside the file, then renamed over it). */
export function writeProgress(p: Progress, file = progressFile()): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(p, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Reads, changes and writes the progress; returns the changed value. */
export function updateProgress(change: (p: Progress) => void, file = progressFile()): Progress {
  const p = readProgress(file);
  change(p);
  writeProgress(p, file);
  return p;
}

/** Records a check's verdict: the last one is kept, and the first pass marks the challenge solved. */
export function recordVerdict(p: Progress, name: string, v: Verdict): void {
  const c = p.challenges[name] ?? { startedAt: v.at, hintsShown: 0 };
  c.lastCheck = v;
  if (v.passed && !c.solvedAt) c.solvedAt = v.at;
  p.challenges[name] = c;
}
