// `stacklab challenge list | start NAME | hint | check | reset`: seed claims as problems to solve, checked by breaking the result.
import { dashboardAnswers } from "../../dashboard/answers.js";
import type { Command } from "commander";
import { checkCurrent, currentChallenge, formatList, formatStarted, formatVerdict, listChallenges, nextHint, readProgress, resetCurrent, startChallenge } from "../../challenge/index.js";
import { color, EXIT, ExitCode, interruptible, output } from "../common.js";

const say = (m: string) => process.stderr.write(`${color("gray", m)}\n`);

export function register(program: Command): void {
  const cmd = program.command("challenge").description("challenges: fix a seed design's weakness, and stacklab checks the fix by breaking it under load");
  cmd
    .command("list")
    .description("the challenges, in order, with the ones solved")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      const all = listChallenges();
      const progress = readProgress();
      const rows = all.map((c) => ({
        name: c.name,
        title: c.title,
        design: c.seed.design,
        claim: c.seed.claim,
        start: c.start,
        current: progress.current === c.name,
        solved: Boolean(progress.challenges[c.name]?.solvedAt),
      }));
      output(rows, opts.json, () => formatList(all, progress));
    });
  cmd
    .command("start")
    .description("start a challenge: writes the starting stack.yaml, or brings up a lab with a planted problem (root)")
    .argument("<name>", "challenge name or number (stacklab challenge list)")
    .option("-d, --dir <dir>", "folder for stack.yaml", ".")
    .option("-n, --name <lab>", "lab name (troubleshooting: the lab to bring up, default challenge; design: the lab you will check)")
    .option("-f, --force", "overwrite an existing stack.yaml")
    .option("--json", "print JSON")
    .action(async (name: string, opts: { dir: string; name?: string; force?: boolean; json?: boolean }) => {
      const started = await startChallenge(name, { dir: opts.dir, ...(opts.name ? { lab: opts.name } : {}), force: Boolean(opts.force), say });
      output(
        { challenge: started.challenge.name, title: started.challenge.title, story: started.challenge.story, goal: started.challenge.goal, file: started.file ?? null, lab: started.lab ?? null },
        opts.json,
        () => formatStarted(started),
      );
    });
  cmd
    .command("hint")
    .description("the next hint for the current challenge")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      const h = nextHint();
      output({ challenge: h.challenge.name, hint: h.index, of: h.challenge.hints.length, text: h.hint }, opts.json, () => `hint ${h.index} of ${h.challenge.hints.length}: ${h.hint}`);
    });
  cmd
    .command("check")
    .description("check the current challenge on a running lab with the real experiments, audit and plan (root); exit 1 when a check fails")
    .option("-n, --name <lab>", "lab to check (default: the challenge's lab, or the only one running)")
    .option("--json", "print JSON")
    .action(async (opts: { name?: string; json?: boolean }) => {
      // Ctrl-C during an experiment stops its load and heals what it injected, as `stacklab experiment` does.
      await interruptible("stopping the load and healing every fault the check injected", async (signal) => {
        const verdict = await checkCurrent({ ...(opts.name ? { lab: opts.name } : {}), say, signal, dashboardAnswers });
        output(verdict, opts.json, formatVerdict);
        if (!verdict.passed) throw new ExitCode(EXIT.failed);
      });
    });
  cmd
    .command("reset")
    .description("start the current challenge over (its stack.yaml rewritten, or its lab brought up again with the problem planted)")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      currentChallenge();
      const started = await resetCurrent({ say });
      output({ challenge: started.challenge.name, file: started.file ?? null, lab: started.lab ?? null }, opts.json, () => formatStarted(started));
    });
}
