// `stacklab render [FILE | --blueprint NAME] [-o DIR] [--host NAME]`: the config files every host of the lab runs with.
import { Option, type Command } from "commander";
import { join } from "node:path";
import { buildModel, type Model } from "../../model/index.js";
import { DEFAULT_MODE, PLACEHOLDER_SECRETS, renderAll, writeRendered, type RenderedFile } from "../../render/config/index.js";
import { UsageError } from "../../spec/errors.js";
import { color, designArgs, output, resolveDesign, type DesignOptions } from "../common.js";

interface RenderOptions extends DesignOptions {
  output?: string;
  host?: string;
  secrets: string;
  json?: boolean;
}

/** What `render` did, printed as a table or as JSON. */
export interface RenderResult {
  design: string;
  source: string;
  /** Folder the files were written under, or null when they were printed. */
  dir: string | null;
  secrets: "placeholder";
  hosts: { host: string; roles: string[]; files: { path: string; mode: string; bytes: number; written?: string; content?: string }[] }[];
}

/** Picks the hosts to render: all, or the one named (exit 2 when the design has no such host). */
export function selectHosts(model: Model, host: string | undefined): string[] {
  const names = model.hosts.map((h) => h.name);
  if (host === undefined) return names;
  if (!names.includes(host)) throw new UsageError(`design ${model.name} has no host "${host}"; its hosts: ${names.join(", ")}`);
  return [host];
}

export function register(program: Command): void {
  designArgs(program.command("render").description("write the config files of every host (haproxy.cfg, nginx.conf, my.cnf, ...) under DIR/<host>/"))
    .option("-o, --output <dir>", "folder to write into, one subfolder per host; without it the files are printed")
    .option("--host <name>", "only this host")
    .addOption(new Option("--secrets <kind>", "how secrets appear in the files").choices(["placeholder"]).default("placeholder"))
    .option("--json", "print JSON")
    .action(async (file: string | undefined, opts: RenderOptions) => {
      const { stack, source } = await resolveDesign(file, opts);
      const model = buildModel(stack);
      const hosts = selectHosts(model, opts.host);
      const all = renderAll(model, PLACEHOLDER_SECRETS);
      const result: RenderResult = { design: model.name, source, dir: opts.output ?? null, secrets: "placeholder", hosts: [] };
      for (const name of hosts) {
        const files = all[name] ?? [];
        const written = opts.output ? writeRendered(join(opts.output, name), files) : [];
        result.hosts.push({
          host: name,
          roles: model.hosts.find((h) => h.name === name)?.roles ?? [],
          files: files.map((f, i) => ({ ...describe(f), ...(opts.output ? { written: written[i] } : { content: f.content }) })),
        });
      }
      output(result, opts.json, opts.output ? formatSummary : formatFiles);
    });
}

function describe(f: RenderedFile): { path: string; mode: string; bytes: number } {
  return { path: f.path, mode: (f.mode ?? DEFAULT_MODE).toString(8).padStart(4, "0"), bytes: Buffer.byteLength(f.content) };
}

/** The table printed after writing: one row per host with its files. */
export function formatSummary(r: RenderResult): string {
  const rows = r.hosts.map((h) => [h.host, h.roles.join(","), h.files.length ? h.files.map((f) => f.path).join(", ") : "(none)"]);
  const widths = [0, 1].map((c) => Math.max(...[["HOST", "ROLES"][c]!.length, ...rows.map((row) => row[c]!.length)]));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c)).join("  ");
  const count = r.hosts.reduce((n, h) => n + h.files.length, 0);
  return [
    `${color("bold", `design ${r.design}`)} (${r.source}): ${count} file${count === 1 ? "" : "s"} for ${r.hosts.length} host${r.hosts.length === 1 ? "" : "s"} under ${r.dir}/<host>/`,
    "",
    color("bold", line(["HOST", "ROLES", "FILES"])),
    ...rows.map(line),
    "",
    color("gray", "secrets appear as placeholders such as <secret:app>; a running lab gets real ones"),
  ].join("\n");
}

/** Every file's text, each under a `==> host:path <==` line, when no output folder is given. */
export function formatFiles(r: RenderResult): string {
  const parts = r.hosts.flatMap((h) => h.files.map((f) => `${color("bold", `==> ${h.host}:${f.path} (mode ${f.mode}) <==`)}\n${f.content ?? ""}`));
  return parts.length ? parts.join("\n").replace(/\n$/, "") : "(no config files for this host)";
}
