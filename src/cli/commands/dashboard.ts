// `stacklab dashboard [--port N] [--name LAB]`: a live web page of a running lab on loopback;
// `stacklab dashboard --grafana FILE [DESIGN | --blueprint NAME]`: the same charts as a Grafana dashboard.
import { type Command, Option } from "commander";
import { writeFileSync } from "node:fs";
import { buildModel } from "../../model/index.js";
import { renderGrafana } from "../../render/grafana/index.js";
import { openLab } from "../../runtime/lab.js";
import { UsageError } from "../../spec/errors.js";
import { DashboardLab } from "../../dashboard/lab.js";
import { startDashboard } from "../../dashboard/server.js";
import { type DesignOptions, color, output, resolveDesign } from "../common.js";

interface DashboardOptions extends DesignOptions {
  name?: string;
  port?: string;
  grafana?: string;
  json?: boolean;
  readOnly?: boolean;
}

/** The default port, and how many after it are tried when it is taken (an explicit --port is not moved). */
export const DEFAULT_PORT = 7300;
const TRIES = 20;

function parsePort(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port ${text} is not a port: give 1-65535, or 0 for any free port`);
  return n;
}

async function listen(lab: DashboardLab, port: number | undefined, readOnly: boolean) {
  for (let i = 0; ; i++) {
    try {
      return await startDashboard(lab, port ?? DEFAULT_PORT + i, { readOnly });
    } catch (err) {
      const inUse = (err as NodeJS.ErrnoException).code === "EADDRINUSE";
      if (!inUse) throw err;
      if (port !== undefined) throw new UsageError(`port ${port} on 127.0.0.1 is taken; pick another with --port, or --port 0 for any free one`);
      if (i + 1 >= TRIES) throw new UsageError(`ports ${DEFAULT_PORT}-${DEFAULT_PORT + TRIES - 1} on 127.0.0.1 are all taken; pick one with --port`);
    }
  }
}

async function exportGrafana(file: string | undefined, opts: DashboardOptions): Promise<void> {
  const model = file || opts.blueprint ? buildModel((await resolveDesign(file, opts)).stack) : openLab(opts.name).model;
  const text = renderGrafana(model);
  writeFileSync(opts.grafana!, text);
  const panels = (JSON.parse(text) as { panels: { type: string }[] }).panels.filter((p) => p.type !== "row").length;
  output(
    { file: opts.grafana!, design: model.name, panels },
    opts.json,
    (r) => `wrote ${color("bold", r.file)}: Grafana dashboard of ${r.design} with ${r.panels} panels (import it and pick your Prometheus)`,
  );
}

export function register(program: Command): void {
  program
    .command("dashboard")
    .description("serve a live web page of a running lab on 127.0.0.1: topology coloured by health, QPS/latency/errors, events, and buttons to break and heal hosts")
    .argument("[file]", "with --grafana: a design file (default: the running lab's design)")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("-p, --port <port>", `port on 127.0.0.1 (default ${DEFAULT_PORT}, or the next free one; 0: any free port)`)
    .option("--grafana <file>", "write a Grafana dashboard JSON with the same queries instead of serving")
    .addOption(new Option("-b, --blueprint <name>", "with --grafana: a built-in design instead of the lab's"))
    .option("--read-only", "show the lab without the buttons that break and heal hosts (they are refused)")
    .option("--json", "print the address (or the file written) as JSON")
    .action(async (file: string | undefined, opts: DashboardOptions) => {
      if (opts.grafana) return exportGrafana(file, opts);
      if (file || opts.blueprint) throw new UsageError("a design file or --blueprint goes with --grafana; the live dashboard shows a running lab (--name)");
      const lab = new DashboardLab(opts.name);
      const running = await listen(lab, opts.port === undefined ? undefined : parsePort(opts.port), opts.readOnly === true);
      output(
        { lab: lab.name, url: running.url, readOnly: opts.readOnly === true },
        opts.json,
        (r) =>
          `dashboard of lab ${color("bold", r.lab)}${r.readOnly ? " (read-only)" : ""}: open ${color("cyan", r.url)}\n(loopback only; the URL carries this run's token, which your browser then keeps in a cookie; Ctrl-C stops it)`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void running.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
