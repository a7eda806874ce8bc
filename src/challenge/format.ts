// Text for `challenge list | start | hint | check`, made from the same values `--json` prints.
import type { Progress } from "./progress.js";
import type { Challenge } from "./schema.js";
import type { Started } from "./session.js";
import type { Verdict } from "./verdict.js";

/** One row per challenge: number, name, solved or current, seed design and claim. */
export function formatList(challenges: Challenge[], progress: Progress): string {
  const rows = challenges.map((c, i) => {
    const p = progress.challenges[c.name];
    const mark = p?.solvedAt ? "solved " : progress.current === c.name ? "current" : "       ";
    return `${String(i + 1).padStart(2)}. ${mark}  ${c.name.padEnd(26)} design ${c.seed.design}: ${c.title}`;
  });
  return [...rows, "", "start one with `stacklab challenge start NAME` (or its number)"].join("\n");
}

/** The story, the goal and what to do next. */
export function formatStarted(s: Started): string {
  const c = s.challenge;
  const next = s.file
    ? [`your starting design is ${s.file} (design ${c.seed.design}); change it until it meets the goal, then:`, `  stacklab up ${s.file} --name LAB -d`, "  stacklab challenge check --name LAB"]
    : [
        `lab ${s.lab} runs, and something in it is wrong. Look with \`stacklab status --name ${s.lab}\`, \`stacklab logs --name ${s.lab} HOST\` and \`stacklab exec --name ${s.lab} HOST -- CMD\`, fix it, then:`,
        "  stacklab challenge check",
      ];
  return [`${c.title}`, "", c.story, "", `goal: ${c.goal}`, "", ...next, "", "stuck? `stacklab challenge hint`"].join("\n");
}

/** What passed and what did not, check by check, with the numbers. */
export function formatVerdict(v: Verdict): string {
  const out = [`challenge ${v.challenge} on lab ${v.lab}`];
  for (const c of v.checks) {
    out.push("", `${c.passed ? "PASS" : "FAIL"}  ${c.says} (${(c.durationMs / 1000).toFixed(1)} s)`);
    for (const l of c.context) out.push(`        ${l}`);
    for (const l of c.lines) out.push(`   ${l.passed ? "ok  " : "NOT "} ${l.text}`);
  }
  const failed = v.checks.filter((c) => !c.passed).length;
  out.push("", v.passed ? "solved: every check passed" : `not yet: ${failed} of ${v.checks.length} check${v.checks.length > 1 ? "s" : ""} failed (\`stacklab challenge hint\` for a hint)`);
  return out.join("\n");
}
