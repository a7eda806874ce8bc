// `stacklab apply [FILE]` and `stacklab scale TIER=N`: change a running lab to a new design, showing the plan first.
import { commandLine, openLockedLab } from "../lab-lock.js";
import type { Command } from "commander";
import { applyPlan, planApply, scaledSpec, type ApplyPlan } from "../../operations/apply.js";
import { UsageError } from "../../spec/errors.js";
import type { Stack } from "../../spec/schema.js";
import { color, designArgs, output, resolveDesign, type DesignOptions } from "../common.js";
import type { LabState } from "../../runtime/state.js";

function planText(p: ApplyPlan): string {
  const lines = [color("bold", `plan for lab ${p.lab}`)];
  for (const h of p.addHosts) lines.push(`  ${color("green", "+")} host ${h}`);
  for (const h of p.removeHosts) lines.push(`  ${color("red", "-")} host ${h} (drained first)`);
  for (const s of p.settings) lines.push(`  ${color("yellow", "~")} ${s}`);
  const byHost = new Map<string, string[]>();
  for (const c of p.changes) byHost.set(c.host, [...(byHost.get(c.host) ?? []), c.path]);
  for (const [h, files] of byHost) lines.push(`  ${color("yellow", "~")} ${h}: ${files.join(", ")}`);
  for (const r of p.reloads) lines.push(`    reload ${r.service} on ${r.host}${r.how === "restart-needed" ? color("yellow", " (needs a restart)") : ""}`);
  if (lines.length === 1) lines.push("  nothing to change");
  return lines.join("\n");
}

async function run(state: LabState, next: Stack, opts: { dryRun?: boolean; json?: boolean }): Promise<void> {
  const { plan, model, oldModel } = await planApply(state, next);
  output(plan, opts.json, planText);
  if (opts.dryRun || (!plan.addHosts.length && !plan.removeHosts.length && !plan.changes.length)) return;
  const started = performance.now();
  await applyPlan(state, next, plan, model, oldModel, (l) => !opts.json && process.stderr.write(`  ${l}\n`));
  if (!opts.json) process.stdout.write(`${color("green", "applied")} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

export function register(program: Command): void {
  designArgs(program.command("apply").description("bring a running lab to a changed design (hosts added or removed, settings changed), showing the plan first"))
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--wait", "when another command is changing the lab, wait for it to finish (at most 15 min) instead of failing")
    .option("--dry-run", "show the plan and change nothing")
    .option("--json", "print the plan as JSON")
    .action(async (file: string | undefined, opts: DesignOptions & { name?: string; dryRun?: boolean; json?: boolean }) => {
      const { state } = await openLockedLab(opts, commandLine());
      const { stack } = await resolveDesign(file, opts);
      await run(state, stack, opts);
    });
  program
    .command("scale")
    .description("resize a tier of a running lab, e.g. `stacklab scale web=3`: new servers join after passing health checks, removed ones drain first")
    .argument("<tier=count>", "tier (web, app, db, or a server group's name) and its new size")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--wait", "when another command is changing the lab, wait for it to finish (at most 15 min) instead of failing")
    .option("--dry-run", "show the plan and change nothing")
    .option("--json", "print the plan as JSON")
    .action(async (arg: string, opts: { name?: string; dryRun?: boolean; json?: boolean }) => {
      const m = /^([a-z][a-z0-9-]*)=(-?\d+)$/.exec(arg);
      if (!m) throw new UsageError(`expected TIER=N such as web=3; got "${arg}"`);
      const { state } = await openLockedLab(opts, commandLine());
      await run(state, scaledSpec(state.spec, m[1]!, Number(m[2])), opts);
    });
}
