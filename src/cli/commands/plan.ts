// `stacklab plan [FILE | --blueprint NAME]`: the design's weak points, worst first, and its estimated availability.
import { cpus, totalmem } from "node:os";
import { sizeBudget } from "../../analysis/sizes.js";
import type { Command } from "commander";
import { analyze, atLeast, formatPlan, parseAvailabilityOverrides, parseSeverity } from "../../analysis/index.js";
import { buildModel } from "../../model/index.js";
import { planSarif } from "../../analysis/sarif.js";
import { color, designArgs, EXIT, ExitCode, output, resolveDesign, sarifTarget, writeSarif, type DesignOptions } from "../common.js";

interface PlanOptions extends DesignOptions {
  json?: boolean;
  sarif?: string;
  failOn?: string;
  availability: string[];
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function register(program: Command): void {
  designArgs(program.command("plan").description("find the design's single points of failure and other weak points, and estimate its availability"))
    .option("--json", "print JSON")
    .option("--sarif <file>", "also write the findings as SARIF 2.1.0 (rule ids, severity, location in the spec) for code-scanning tools")
    .option("--fail-on <severity>", "exit 1 when a finding of this severity or worse exists (critical, high, medium, low, info)")
    .option("--availability <key=value>", "override an availability assumption: server, loadBalancer or dns, e.g. server=0.995 (repeatable)", collect, [])
    .action(async (file: string | undefined, opts: PlanOptions) => {
      const failOn = opts.failOn === undefined ? undefined : parseSeverity(opts.failOn);
      const overrides = parseAvailabilityOverrides(opts.availability);
      const { stack, source } = await resolveDesign(file, opts);
      const model = buildModel(stack);
      const report = analyze(model, { availability: overrides });
      // Sizes against this machine: a warning about the lab, not a finding about the design.
      const budget = sizeBudget(model, { cpus: cpus().length, memoryBytes: totalmem() });
      for (const w of [...budget.warnings, ...budget.tooBig.map((h) => `${h} is bigger than this whole machine: its lab cannot be brought up here`)])
        process.stderr.write(`${color("yellow", "!")} ${w}\n`);
      if (opts.sarif) {
        const target = sarifTarget(source);
        writeSarif(opts.sarif, planSarif(report, stack, target.uri, target.locator));
      }
      output(report, opts.json, (r) => formatPlan(r, { source, paint: color, width: Math.min(process.stdout.columns ?? 100, 120) }));
      if (failOn && report.findings.some((f) => atLeast(f.severity, failOn))) throw new ExitCode(EXIT.failed);
    });
}
