// `stacklab export ansible [FILE | --blueprint NAME] -o DIR [--inventory FILE]`: the design as an Ansible project.
import type { Command } from "commander";
import { basename, dirname, join, resolve } from "node:path";
import { exportAnsible } from "../../export/ansible/export.js";
import { SECRETS_MODES, type SecretsMode } from "../../export/ansible/target-secrets.js";
import { missingRehearsalPackages, rehearsalPaths } from "../../export/ansible/rehearse.js";
import { openLab } from "../../runtime/lab.js";
import { UsageError } from "../../spec/errors.js";
import { color, designArgs, resolveDesign, type DesignOptions } from "../common.js";

interface ExportOpts extends DesignOptions {
  output?: string;
  inventory?: string;
  vaultPasswordFile?: string;
  secrets?: string;
  lab?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const exp = program.command("export").description("export the design for other tools");
  designArgs(exp.command("ansible").description("an Ansible project (inventory, site.yml, one role per service kind) built from the same renderers as the lab"))
    .requiredOption("-o, --output <dir>", "folder of the project")
    .option("--inventory <file>", "your Ansible inventory (YAML) mapping the design's hosts to real ones")
    .option("--vault-password-file <file>", "ansible-vault password for the secret files (created when missing; default: DIR.vault-pass beside DIR)")
    .option("--secrets <mode>", "vault: secret files encrypted with ansible-vault; target: passwords generated on the targets, none in the project", "vault")
    .option("--lab <name>", "for a bare lab (`up --bare`): its addresses, secrets, CA and SSH access (what `rehearse` does)")
    .option("--json", "print the result as JSON")
    .action(async (file: string | undefined, opts: ExportOpts) => {
      const { stack, source } = await resolveDesign(file, opts);
      if (!SECRETS_MODES.includes(opts.secrets as SecretsMode)) throw new UsageError(`--secrets: ${opts.secrets} is not one of ${SECRETS_MODES.join(", ")}`);
      const secrets = opts.secrets as SecretsMode;
      const missing = missingRehearsalPackages().filter((p) => p === "ansible");
      if (missing.length && secrets === "vault") throw new UsageError("export ansible encrypts secrets with ansible-vault: install the Debian package ansible (`stacklab setup`)");
      const lab = opts.lab ? openLab(opts.lab).state : undefined;
      if (lab && !lab.bare) throw new UsageError(`lab "${lab.name}" was not brought up with --bare: its services are stacklab's own`);
      const out = resolve(opts.output!);
      const vault = opts.vaultPasswordFile ?? (lab ? rehearsalPaths(lab.name).vaultPass : join(dirname(out), `${basename(out)}.vault-pass`));
      const r = await exportAnsible({
        stack,
        source,
        outDir: out,
        vaultPasswordFile: vault,
        secrets,
        ...(opts.inventory ? { inventoryFile: opts.inventory } : {}),
        ...(lab ? { lab } : {}),
        ...(source.startsWith("blueprint ") ? {} : { specDir: dirname(resolve(source)) }),
      });
      if (opts.json) process.stdout.write(`${JSON.stringify({ ...r, secrets, ...(secrets === "vault" ? { vaultPasswordFile: vault } : {}) }, null, 2)}\n`);
      else if (secrets === "target")
        process.stdout.write(
          [
            `${color("green", "✓")} Ansible project for ${source} in ${r.dir}: ${r.files} files, no secret in it (passwords generated on the targets)`,
            `  apply:          cd ${r.dir} && ansible-playbook site.yml`,
            "",
          ].join("\n"),
        );
      else
        process.stdout.write(
          [
            `${color("green", "✓")} Ansible project for ${source} in ${r.dir}: ${r.files} files, ${r.encrypted} encrypted with ansible-vault`,
            `  vault key file: ${vault}${r.createdVaultPassword ? " (created now; keep it out of the project)" : ""}`,
            `  apply:          cd ${r.dir} && ansible-playbook --vault-password-file ${vault} site.yml`,
            "",
          ].join("\n"),
        );
    });
}
