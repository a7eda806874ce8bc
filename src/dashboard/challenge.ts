// The challenge panel: the learner's current challenge and its last check, from their progress file.
import { findChallenge } from "../challenge/load.js";
import { progressFile, readProgress } from "../challenge/progress.js";

/** What the page shows; null when no challenge was started. */
export interface ChallengePanel {
  name: string;
  title: string;
  goal: string;
  /** The lab the challenge is checked on, when known. */
  lab: string | null;
  solved: boolean;
  hintsShown: number;
  hints: number;
  /** The last `challenge check`, check by check; null before the first one. */
  lastCheck: { at: string; lab: string; passed: boolean; checks: { says: string; passed: boolean; lines: { passed: boolean; text: string }[] }[] } | null;
}

/** Reads the progress file (the learner's, by default) into the panel's value. */
export function challengePanel(file = progressFile()): ChallengePanel | null {
  const p = readProgress(file);
  if (!p.current) return null;
  let c;
  try {
    c = findChallenge(p.current);
  } catch {
    return null;
  }
  const mine = p.challenges[p.current];
  const last = mine?.lastCheck;
  return {
    name: c.name,
    title: c.title,
    goal: c.goal,
    lab: mine?.lab ?? null,
    solved: Boolean(mine?.solvedAt),
    hintsShown: mine?.hintsShown ?? 0,
    hints: c.hints.length,
    lastCheck: last ? { at: last.at, lab: last.lab, passed: last.passed, checks: last.checks.map((k) => ({ says: k.says, passed: k.passed, lines: k.lines })) } : null,
  };
}
