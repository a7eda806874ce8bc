// `npm run bench`: measures stacklab on real labs, writes bench/results/<date>.json and regenerates
// docs/BENCHMARKS.md. Usage in args.ts.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { REPO_DIR } from "../runtime/repo.js";
import { UsageError } from "../spec/errors.js";
import { isPartial, parseArgs, resultsName, USAGE } from "./args.js";
import { downAll, stopCommands } from "./cli.js";
import { renderMarkdown } from "./markdown.js";
import { runBench } from "./run.js";
import { summaryText } from "./summary.js";
import type { BenchResults } from "./types.js";

const DOC = join(REPO_DIR, "docs", "BENCHMARKS.md");
const RESULTS_DIR = join(REPO_DIR, "bench", "results");

const say = (m: string) => process.stderr.write(`${m}\n`);

function writeDoc(r: BenchResults, file: string): void {
  writeFileSync(DOC, renderMarkdown(r, relative(REPO_DIR, file)));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) return void process.stdout.write(USAGE);
  if (args.render) {
    const r = JSON.parse(readFileSync(args.render, "utf8")) as BenchResults;
    writeDoc(r, args.render);
    return void say(`wrote ${relative(process.cwd(), DOC)} from ${args.render}`);
  }
  if (process.getuid?.() !== 0) throw new UsageError("the benchmark brings real labs up: run it as root (sudo npm run bench)");
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    say("\ninterrupted: bringing the benchmark's labs down...");
    void stopCommands()
      .then(downAll)
      .finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const r = await runBench(args.plan, say);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, resultsName(r));
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  // A partial run (--only) keeps the full run's docs/BENCHMARKS.md: its figures are in its own results file.
  const partial = isPartial(r.groups);
  if (!partial) writeDoc(r, file);
  const wrote = partial ? `wrote ${relative(process.cwd(), file)} (a partial run: docs/BENCHMARKS.md left as it is)` : `wrote ${relative(process.cwd(), file)} and ${relative(process.cwd(), DOC)}`;
  process.stdout.write(args.json ? `${JSON.stringify(r, null, 2)}\n` : `${summaryText(r)}\n${wrote}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
