// `stacklab maintain HOST [--done]`: planned maintenance without users noticing.
import type { Command } from "commander";
import { endMaintenance, startMaintenance, type MaintenanceReport } from "../../operations/maintain.js";
import { openLab } from "../../runtime/lab.js";
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
    .option("--json", "print JSON")
    .action(async (host: string, opts: { done?: boolean; name?: string; json?: boolean }) => {
      const { state, model } = openLab(opts.name);
      const report = opts.done ? await endMaintenance(state, model, host) : await startMaintenance(state, model, host);
      output(report, opts.json, toText);
    });
}
