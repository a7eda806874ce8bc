// `stacklab experiment`: run a fault scenario under load and report what users saw.
import type { Command } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findBlueprint, loadBlueprint } from "../../blueprints/index.js";
import { up } from "../../runtime/up.js";
import { down } from "../../runtime/down.js";
import { requireRoot } from "../../runtime/preflight.js";
import { openLab } from "../../runtime/lab.js";
import { UsageError } from "../../spec/errors.js";
import { formatMatrix, runAll, type Matrix } from "../../experiment/all.js";
import { designFacts } from "../../experiment/design.js";
import { formatReport } from "../../experiment/format.js";
import type { ExperimentReport } from "../../experiment/report.js";
import { runExperiment } from "../../experiment/run.js";
import type { Scenario } from "../../experiment/scenario.js";
import { listScenarios, loadScenario, SCENARIO_DIR } from "../../experiment/scenario-load.js";
import { renderTimeline } from "../../experiment/svg.js";
import { parseDuration } from "../../experiment/units.js";
import { color, ExitCode, interruptible, output } from "../common.js";

interface Opts {
  all?: boolean;
  list?: boolean;
  name?: string;
  blueprint?: string;
  duration?: string;
  svg?: string;
  json?: boolean;
}

const say = (m: string) => process.stderr.write(`${color("gray", m)}\n`);
const quiet = { step: () => undefined, done: () => undefined, warn: () => undefined };

/** Brings a blueprint up as a throwaway lab, runs `body` on it, and always tears it down. */
async function withFreshLab<T>(blueprint: string, name: string, signal: AbortSignal, body: (lab: string) => Promise<T>): Promise<T> {
  say(`bringing ${blueprint} up as lab ${name}...`);
  await up(loadBlueprint(blueprint), { name, source: `blueprint ${blueprint}`, publish: false, signal, progress: quiet });
  try {
    return await body(name);
  } finally {
    await down(name, { quiet: true });
    say(`lab ${name} removed`);
  }
}

function listText(): string {
  return listScenarios()
    .map((n) => {
      const s = loadScenario(n);
      return `${color("bold", n.padEnd(20))} ${s.description}`;
    })
    .join("\n");
}

export function register(program: Command): void {
  program
    .command("experiment")
    .description("break a lab under load and measure what users saw: downtime, failed and slow requests, latency, lost writes")
    .argument("[scenario]", "a built-in scenario (see --list) or a scenario file")
    .option("--all", "run every built-in scenario, one after the other, and print a table")
    .option("--list", "list the built-in scenarios")
    .option("-n, --name <lab>", "lab to run against (default: the only one running); with --blueprint, the lab to create (default exp-N; with several designs NAME-N)")
    .option("-b, --blueprint <names>", "bring this design up as a fresh lab, run, then tear it down; with --all, several designs separated by commas")
    .option("--duration <time>", "length of the load, e.g. 12s (default: the scenario's)")
    .option("--svg <file>", "write the timeline as SVG (with --all: a directory, one file per run)")
    .option("--json", "print JSON")
    .action(async (arg: string | undefined, opts: Opts) => {
      if (opts.list)
        return void output(
          listScenarios().map((n) => ({ name: n, description: loadScenario(n).description, file: join(SCENARIO_DIR, `${n}.yaml`) })),
          opts.json,
          listText,
        );
      if (!arg && !opts.all) throw new UsageError("name a scenario (`stacklab experiment --list`), give a scenario file, or use --all");
      if (arg && opts.all) throw new UsageError("give a scenario or --all, not both");
      // Everything is checked before a lab is touched.
      const scenarios: Scenario[] = opts.all ? listScenarios().map(loadScenario) : [loadScenario(arg!)];
      const durationMs = opts.duration === undefined ? undefined : parseDuration(opts.duration);
      if (opts.duration !== undefined && (durationMs === undefined || durationMs < 1000 || durationMs > 300_000))
        throw new UsageError(`--duration must be between 1s and 300s; got "${opts.duration}"`);
      const blueprints = opts.blueprint ? opts.blueprint.split(",").map((b) => findBlueprint(b.trim()).name) : [];
      if (blueprints.length > 1 && !opts.all) throw new UsageError("several blueprints only go with --all");
      requireRoot("experiment");

      await interruptible("stopping the load and healing every fault the experiment injected", async (signal) => {
        const base = { ...(durationMs ? { durationMs } : {}), signal, progress: say };
        if (!opts.all) {
          const run = (lab?: string) => runExperiment({ ...base, ...(lab ? { lab } : {}), scenario: scenarios[0]! });
          const report = blueprints.length ? await withFreshLab(blueprints[0]!, opts.name ?? `exp-${blueprints[0]!.split("-")[0]}`, signal, run) : await run(opts.name);
          if (opts.svg) writeFileSync(opts.svg, renderTimeline({ ...report, files: { ...report.files, svg: opts.svg } }));
          output(opts.svg ? { ...report, files: { ...report.files, svg: opts.svg } } : report, opts.json, formatReport);
          if (!report.passed) throw new ExitCode(1);
          return;
        }
        const matrix: Matrix = { designs: [], scenarios: scenarios.map((s) => s.name), cells: [], reports: [] };
        const svgOut = (r: ExperimentReport) => {
          if (!opts.svg) return;
          mkdirSync(opts.svg, { recursive: true });
          writeFileSync(join(opts.svg, `${r.design.name}-${r.scenario.name}.svg`), renderTimeline(r));
        };
        const onReport = (r: ExperimentReport) => {
          svgOut(r);
          say(`${r.scenario.name} on ${r.design.name}: ${r.passed ? "passed" : "failed"}`);
        };
        const collect = async (lab: string, design: string, reset?: () => Promise<void>) => {
          matrix.designs.push(design);
          const r = await runAll(lab, design, scenarios, base, { onReport, ...(reset ? { reset } : {}) });
          matrix.cells.push(...r.cells);
          matrix.reports.push(...r.reports);
        };
        if (blueprints.length) {
          for (const bp of blueprints) {
            const lab = opts.name && blueprints.length === 1 ? opts.name : `${opts.name ?? "exp"}-${bp.split("-")[0]}`;
            const reset = async () => {
              say(`the database takes no writes any more: bringing ${bp} up afresh`);
              await down(lab, { quiet: true });
              await up(loadBlueprint(bp), { name: lab, source: `blueprint ${bp}`, publish: false, signal, progress: quiet });
            };
            await withFreshLab(bp, lab, signal, (l) => collect(l, bp, reset));
          }
        } else {
          const { state, model } = openLab(opts.name);
          await collect(state.name, designFacts(state, model).name);
        }
        output(matrix, opts.json, formatMatrix);
        if (matrix.cells.some((c) => c.status === "failed" || c.status === "error")) throw new ExitCode(1);
      });
    });
}
