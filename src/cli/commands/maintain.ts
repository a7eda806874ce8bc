// `stacklab maintain HOST [--done]`: planned maintenance without users noticing.
import { commandLine, openLockedLab } from "../lab-lock.js";
import type { Command } from "commander";
import { endMaintenance, startMaintenance, type MaintenanceReport } from "../../operations/maintain.js";
import { color, output } from "../common.js";

function toText(r: MaintenanceReport): string {
  const head = r.action === "start" ? `${r.host} is in maintenance` : `${r.host} is back in service`;
  return [`${color("green", head)} (${(r.durationMs / 1000).toFixed(1)} s)`, ...r.steps.map((s) => `  +${(s.at / 1000).toFixed(2)} s  ${s.what}`)].join("\n");
}

export function register(program: Command): void {
  program
    .command("maintain")
    .description("take a host out for maintenance: move the floating IP or DB primary away, drain it, stop its services (--done brings it back)")
    .argument("<host>", "host")
    .option("--done", "end the maintenance: start the services, wait until ready, put the host back in rotation")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--wait", "when another command is changing the lab, wait for it to finish (at most 15 min) instead of failing")
    .option("--json", "print JSON")
    .action(async (host: string, opts: { done?: boolean; name?: string; json?: boolean }) => {
      const { state, model } = await openLockedLab(opts, commandLine());
      const report = opts.done ? await endMaintenance(state, model, host) : await startMaintenance(state, model, host);
      output(report, opts.json, toText);
    });
}
