// `stacklab deploy` and `stacklab reload`: ship a new app version batch by batch; reload a service without dropping connections.
import { commandLine, openLockedLab } from "../lab-lock.js";
import type { Command } from "commander";
import { deploy, DeployError, type DeployReport } from "../../operations/deploy.js";
import { reloadService } from "../../operations/reload.js";
import { color, ExitCode, output } from "../common.js";

function toText(r: DeployReport): string {
  const lines = [`${r.ok ? color("green", "deployed") : color("red", "deploy failed")} ${r.from} -> ${r.to} on lab ${r.lab} in ${(r.durationMs / 1000).toFixed(1)} s`];
  for (const b of r.batches)
    lines.push(
      `  ${b.outcome === "done" ? color("green", "✓") : color("red", "✗")} ${b.hosts.join(", ")}  ${b.drained ? "drained" : "not drained"}, ${(b.reloadMs / 1000).toFixed(1)} s${b.reason ? `  ${b.reason}` : ""}`,
    );
  for (const w of r.warnings) lines.push(`${color("yellow", "!")} ${w}`);
  return lines.join("\n");
}

export function register(program: Command): void {
  program
    .command("deploy")
    .description("roll a new app version out, batch by batch: drain, reload gracefully, check health, put back; roll back a batch that fails")
    .option("--version <v>", "new version of the demo app")
    .option("--app <dir>", "directory with a new version of your own app")
    .option("--batch <n>", "app servers per batch", "1")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--wait", "when another command is changing the lab, wait for it to finish (at most 15 min) instead of failing")
    .option("--json", "print JSON")
    .action(async (opts: { version?: string; app?: string; batch: string; name?: string; json?: boolean }) => {
      const { state } = await openLockedLab(opts, commandLine());
      try {
        const report = await deploy(state, { version: opts.version, appDir: opts.app, batch: Number(opts.batch), log: (l) => !opts.json && process.stderr.write(`  ${l}\n`) });
        output(report, opts.json, toText);
      } catch (err) {
        if (err instanceof DeployError && err.report) {
          output(err.report, opts.json, toText);
          process.stderr.write(`${color("red", "error:")} ${err.message}\n`);
          throw new ExitCode(1);
        }
        throw err;
      }
    });
  program
    .command("reload")
    .description("reload a host's service without dropping connections (HAProxy hands its sockets over; nginx, keepalived and the app re-read)")
    .argument("<host>", "host")
    .argument("[service]", "haproxy, nginx, keepalived, app, ... (default: every reloadable service)")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--wait", "when another command is changing the lab, wait for it to finish (at most 15 min) instead of failing")
    .action(async (host: string, service: string | undefined, opts: { name?: string }) => {
      const { state, model } = await openLockedLab(opts, commandLine());
      const done = reloadService(state, model, host, service);
      process.stdout.write(`reloaded ${done.join(", ")} on ${host}\n`);
    });
}
