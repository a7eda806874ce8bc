// `stacklab exec HOST -- CMD...`: runs a command inside a host, attached to this terminal.
import type { Command } from "commander";
import { spawn } from "node:child_process";
import { enterArgs } from "../../runtime/host.js";
import { inHostCgroup } from "../../runtime/cgroups.js";
import { openLab } from "../../runtime/lab.js";
import { isAlive } from "../../runtime/state.js";
import { UsageError } from "../../spec/errors.js";
import { ExitCode } from "../common.js";

export function register(program: Command): void {
  program
    .command("exec")
    .description("run a command inside a host, e.g. `stacklab exec user -- curl -s http://www.foobar.com/`")
    .argument("<host>", "host name (see `stacklab status`)")
    .argument("[command...]", "command and arguments (default: a shell)")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .action(async (host: string, command: string[], opts: { name?: string }) => {
      const { state } = openLab(opts.name);
      const h = state.hosts.find((x) => x.name === host);
      if (!h) throw new UsageError(`no host "${host}" in lab ${state.name}; hosts: ${state.hosts.map((x) => x.name).join(", ")}`);
      if (!isAlive(h.init)) throw new UsageError(`host ${host} is down`);
      // A sized host: the command draws on the host's size, as a process on that server would.
      const argv = inHostCgroup(state.name, host, [...enterArgs(h.init!.pid), ...(command.length ? command : ["/bin/bash"])]);
      const code = await new Promise<number>((resolve) => {
        const child = spawn(argv[0]!, argv.slice(1), { stdio: "inherit" });
        child.on("close", (c, sig) => resolve(c ?? (sig ? 128 : 1)));
      });
      if (code !== 0) throw new ExitCode(code);
    });
}
