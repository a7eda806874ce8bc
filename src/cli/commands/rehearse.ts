// `stacklab rehearse [FILE | --blueprint NAME] [--name LAB]`: bare lab, Ansible export, ansible-playbook; the lab stays up.
import type { Command } from "commander";
import { dirname, resolve } from "node:path";
import { rehearsalPaths, rehearse } from "../../export/ansible/rehearse.js";
import { color, designArgs, interruptible, resolveDesign, stepPrinter, type DesignOptions } from "../common.js";

interface RehearseOpts extends DesignOptions {
  name?: string;
  json?: boolean;
}

export function register(program: Command): void {
  designArgs(program.command("rehearse").description("bring the design up bare (SSH only), export it as an Ansible project and apply it with ansible-playbook; the lab stays up"))
    .option("-n, --name <lab>", "lab name (default: the design's name)")
    .option("--json", "print the result as JSON")
    .action(async (file: string | undefined, opts: RehearseOpts) => {
      const { stack, source } = await resolveDesign(file, opts);
      process.stderr.write(`${color("bold", "stacklab rehearse")} ${source}${opts.name ? ` as ${opts.name}` : ""}\n`);
      const lab = opts.name ?? stack.name;
      // Ctrl-C stops ansible-playbook (its own process group: the terminal's signal does not reach it) and leaves the lab.
      const r = await interruptible(`stopping ansible-playbook; the lab stays up as it is (\`stacklab down --name ${lab}\` removes it)`, (signal) =>
        rehearse(stack, {
          source,
          progress: stepPrinter(),
          signal,
          ...(opts.name ? { name: opts.name } : {}),
          ...(source.startsWith("blueprint ") ? {} : { specDir: dirname(resolve(source)) }),
        }),
      );
      const p = rehearsalPaths(r.state.name);
      const summary = {
        name: r.state.name,
        url: r.url,
        durationMs: r.durationMs,
        bareUpMs: r.bareUpMs,
        exportMs: r.exportMs,
        playbookMs: r.playbook.durationMs,
        changed: r.playbook.changed,
        project: p.project,
      };
      if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else
        process.stdout.write(
          [
            "",
            `${color("green", color("bold", `lab "${r.state.name}" rehearsed`))} in ${(r.durationMs / 1000).toFixed(1)} s (bare up ${(r.bareUpMs / 1000).toFixed(1)} s, playbook ${(r.playbook.durationMs / 1000).toFixed(1)} s, ${r.playbook.changed} changes)`,
            `  project:   ${p.project}`,
            `  again:     cd ${p.project} && ansible-playbook --vault-password-file ${p.vaultPass} site.yml`,
            `  check it:  stacklab audit --name ${r.state.name}; stacklab experiment kill-lb --name ${r.state.name}`,
            `  stop:      stacklab down --name ${r.state.name}`,
            "",
          ].join("\n"),
        );
    });
}
