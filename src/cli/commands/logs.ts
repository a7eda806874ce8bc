// `stacklab logs HOST [SERVICE]`: a service's log (or the list of a host's logs).
import type { Command } from "commander";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { hostDir } from "../../runtime/paths.js";
import { openLab } from "../../runtime/lab.js";
import { labSecrets, redact } from "../../runtime/secrets.js";
import { UsageError } from "../../spec/errors.js";

export function register(program: Command): void {
  program
    .command("logs")
    .description("print a service's log from a host")
    .argument("<host>", "host name")
    .argument("[service]", "service (haproxy, nginx, app, mariadb, keepalived, nsd...); default: list the host's logs")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--lines <n>", "last N lines", "100")
    .action((host: string, service: string | undefined, opts: { name?: string; lines: string }) => {
      const { state } = openLab(opts.name);
      if (!state.hosts.some((h) => h.name === host)) throw new UsageError(`no host "${host}" in lab ${state.name}`);
      const dir = join(hostDir(state.name, host), "var/log");
      const logs = existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => f.endsWith(".log"))
            .map((f) => f.replace(/\.log$/, ""))
        : [];
      if (!service) {
        process.stdout.write(`${logs.join("\n")}\n`);
        return;
      }
      const name = service === "dns" ? "nsd" : service;
      const file = [join(dir, `${name}.log`), join(dir, name, "error.log")].find(existsSync);
      if (!file) throw new UsageError(`no log for "${service}" on ${host}; logs: ${logs.join(", ")}`);
      const lines = readFileSync(file, "utf8").trimEnd().split("\n").slice(-Number(opts.lines));
      process.stdout.write(`${redact(lines.join("\n"), labSecrets(state.name))}\n`);
    });
}
