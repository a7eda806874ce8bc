// `stacklab fault ...`: inject faults into a running lab.
import type { Command } from "commander";
import { killHost } from "../../runtime/faults.js";
import { loadLab } from "../../runtime/status.js";
import { output } from "../common.js";

export function register(program: Command): void {
  const fault = program.command("fault").description("inject a fault into a running lab");
  fault
    .command("kill")
    .description("crash a host: SIGKILL every process through its init, and its links down at the same instant")
    .argument("<host>", "host to crash")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--json", "print JSON")
    .action(async (host: string, opts: { name?: string; json?: boolean }) => {
      const { state, model } = loadLab(opts.name);
      const r = await killHost(state, model, host);
      output({ fault: "kill", host, at: new Date(r.at).toISOString() }, opts.json, (v) => `killed ${v.host} at ${v.at}`);
    });
}
