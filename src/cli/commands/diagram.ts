// `stacklab diagram [FILE | --blueprint NAME] [-o FILE.svg|.png|.dot] [--format dot|svg|png]`: the architecture picture.
import { type Command, Option } from "commander";
import { writeFileSync } from "node:fs";
import { basename } from "node:path";
import { findBlueprint } from "../../blueprints/index.js";
import { buildModel } from "../../model/index.js";
import { DIAGRAM_FORMATS, type DiagramFormat, MissingFontsError, chooseFormat, renderPng, renderSvg, toDot } from "../../render/diagram/index.js";
import { type DesignOptions, EXIT, ExitCode, color, designArgs, output, resolveDesign } from "../common.js";

interface DiagramOptions extends DesignOptions {
  output?: string;
  format?: string;
  json?: boolean;
}

/** What the command wrote, printed as text or --json. */
export interface DiagramResult {
  file: string;
  format: DiagramFormat;
  bytes: number;
  hosts: string[];
}

export function register(program: Command): void {
  designArgs(program.command("diagram").description("draw the design's architecture: hosts, services, networks, and which flows are encrypted"))
    .option("-o, --output <file>", "write to FILE.svg, FILE.png or FILE.dot (the extension picks the format)")
    .addOption(new Option("--format <format>", "output format; without -o, dot or svg go to stdout").choices([...DIAGRAM_FORMATS]))
    .option("--json", "print what was written as JSON")
    .action(async (file: string | undefined, opts: DiagramOptions) => {
      const format = chooseFormat(opts.output, opts.format);
      const { stack, source } = await resolveDesign(file, opts);
      const model = buildModel(stack);
      const name = opts.blueprint ? findBlueprint(opts.blueprint).name : basename(source);
      const dot = toDot(model, { title: `${name} · ${model.domain}` });
      const data = await render(dot, format);
      if (!opts.output) {
        process.stdout.write(data);
        return;
      }
      writeFileSync(opts.output, data);
      const result: DiagramResult = { file: opts.output, format, bytes: data.length, hosts: model.hosts.map((h) => h.name) };
      output(result, opts.json, (r) => `wrote ${color("bold", r.file)} (${r.format}, ${Math.ceil(r.bytes / 1024)} KiB, ${r.hosts.length} hosts)`);
    });
}

async function render(dot: string, format: DiagramFormat): Promise<string | Buffer> {
  if (format === "dot") return dot;
  const svg = await renderSvg(dot);
  if (format === "svg") return svg;
  try {
    return renderPng(svg);
  } catch (err) {
    if (!(err instanceof MissingFontsError)) throw err;
    process.stderr.write(`${color("red", "error:")} ${err.message}\n`);
    throw new ExitCode(EXIT.failed);
  }
}
