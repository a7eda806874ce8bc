// `stacklab up`: brings a design up as a lab of isolated hosts, with a progress display.
import type { Command } from "commander";
import { dirname, resolve } from "node:path";
import { up } from "../../runtime/up.js";
import { down } from "../../runtime/down.js";
import { withLabLock } from "../../runtime/lock.js";
import { labDir, stateRoot } from "../../runtime/paths.js";
import { modeLine } from "../../runtime/rootless/mode.js";
import { missingPackages, setup } from "../../runtime/doctor.js";
import { UsageError } from "../../spec/errors.js";
import { withoutSizes } from "../../spec/unsized.js";
import { REHEARSAL_REQUIREMENTS } from "../../runtime/ssh.js";
import { color, designArgs, ExitCode, resolveDesign, stepPrinter, type DesignOptions } from "../common.js";

interface UpOpts extends DesignOptions {
  name?: string;
  detach?: boolean;
  /** false with --no-auto-rebuild */
  autoRebuild?: boolean;
  keepOnFailure?: boolean;
  setup?: boolean;
  json?: boolean;
  bare?: boolean;
  /** false with --no-sizes */
  sizes?: boolean;
}

export function register(program: Command): void {
  designArgs(program.command("up").description("bring a design up: every server an isolated host running the real services"))
    .option("-n, --name <lab>", "lab name (default: the design's name); labs with different names run side by side")
    .option("-d, --detach", "return once the lab is up and leave it running")
    .option("--keep-on-failure", "keep what was started when bring-up fails, to inspect it")
    .option("--setup", "install missing Debian packages first (apt-get)")
    .option("--json", "print the result as JSON")
    .option("--bare", "the same hosts and networks with only an SSH server each, for Ansible to provision (see `stacklab rehearse`)")
    .option(
      "--no-sizes",
      "run the design without its servers' sizes: no CPU or memory limits, every host may use the whole machine (the lab is then no scale model; for a rootless user without a delegated cgroup subtree)",
    )
    .option("--no-auto-rebuild", "with automatic database failover: a replica found diverged is only recorded, for you to inspect, not rebuilt (spec: database.autoRebuild: false)")
    .action(async (file: string | undefined, opts: UpOpts) => {
      const resolved = await resolveDesign(file, opts);
      const source = resolved.source;
      // recorded with the spec the lab runs (state.json): status, scale and the dashboard see no sizes either
      const stack = opts.sizes === false ? withoutSizes(resolved.stack) : resolved.stack;
      if (opts.autoRebuild === false) {
        if (stack.database.failover !== "automatic")
          throw new UsageError("--no-auto-rebuild: this design has no automatic database failover (database.failover: automatic), so nothing is rebuilt by itself anyway");
        // recorded with the spec the lab runs (state.json): every later command sees the same setting
        stack.database.autoRebuild = false;
      }
      const missing = missingPackages(opts.bare ? REHEARSAL_REQUIREMENTS.filter((r) => r.pkg.startsWith("openssh")) : []);
      if (missing.length) {
        if (!opts.setup) throw new UsageError(`missing Debian packages: ${missing.join(" ")}; run \`stacklab setup\` or add --setup`);
        await setup(missing, (l) => process.stderr.write(`${color("gray", `$ ${l}`)}\n`));
      }
      process.stderr.write(`${color("bold", "stacklab up")} ${source}${opts.name ? ` as ${opts.name}` : ""}\n${color("gray", modeLine(stateRoot()))}\n`);
      // One signal handler for the whole command, installed before anything starts (a moment without one
      // would let Ctrl-C kill the process outright): during bring-up it aborts at the next step and
      // removes what was started; once the lab runs in the foreground it tears the lab down.
      const abort = new AbortController();
      let running = false;
      let stopRequested = () => undefined as void;
      const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
      const onSignal = () => {
        if (running) return stopRequested();
        process.stderr.write("\ninterrupted: removing what was started...\n");
        abort.abort();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      const release = () => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      };
      let result;
      try {
        result = await up(stack, {
          name: opts.name,
          source,
          keepOnFailure: opts.keepOnFailure,
          progress: stepPrinter(),
          signal: abort.signal,
          bare: opts.bare,
          ...(source.startsWith("blueprint ") ? {} : { specDir: dirname(resolve(source)) }),
        });
      } catch (err) {
        release();
        if (abort.signal.aborted) throw new ExitCode(130);
        throw err;
      }
      running = true;
      const { state, url } = result;
      if (opts.bare && !opts.json) {
        process.stdout.write(
          `${color("green", color("bold", `bare lab "${state.name}" is up`))} in ${(result.durationMs / 1000).toFixed(1)} s: every host runs only an SSH server\n  provision it:  stacklab export ansible ${source.startsWith("blueprint ") ? `--blueprint ${source.slice(10)}` : source} -o DIR --lab ${state.name}, then ansible-playbook (or: stacklab rehearse)\n`,
        );
      } else if (opts.json)
        process.stdout.write(
          `${JSON.stringify({ name: state.name, url, published: state.published, durationMs: result.durationMs, steps: result.steps, notRunning: result.notRunning, ...(result.cpu ? { cpu: result.cpu } : {}) }, null, 2)}\n`,
        );
      else {
        const lines = [
          "",
          `${color("green", color("bold", `lab "${state.name}" is up`))} in ${(result.durationMs / 1000).toFixed(1)} s`,
          `  from the user host:   stacklab exec user -- curl -s ${url}`,
          ...(state.published.https
            ? [
                `  from this machine:    curl --resolve www.${stack.domain}:${new URL(state.published.https).port}:127.0.0.1 --cacert ${labDir(state.name)}/tls/ca.crt https://www.${stack.domain}:${new URL(state.published.https).port}/`,
              ]
            : []),
          ...(state.published.http ? [`  in your browser:      ${state.published.https ?? state.published.http}`] : []),
          `  status:               stacklab status${state.name === stack.name ? "" : ` --name ${state.name}`}`,
          `  stop:                 ${opts.detach ? `stacklab down${state.name === stack.name ? "" : ` --name ${state.name}`}` : "Ctrl-C"}`,
        ];
        process.stdout.write(`${lines.join("\n")}\n`);
      }
      if (opts.detach) return release();
      // Signal handlers do not keep Node's event loop alive: a long timer does, until Ctrl-C.
      const keepAlive = setInterval(() => undefined, 1 << 30);
      await stopped;
      clearInterval(keepAlive);
      process.stderr.write(`\nstopping lab "${state.name}"...\n`);
      const d = await withLabLock(state.name, "stacklab up (Ctrl-C: tearing down)", { waitMs: 60_000 }, () => down(state.name));
      process.stderr.write(`lab "${state.name}" stopped in ${(d.durationMs / 1000).toFixed(1)} s\n`);
      release();
    });
}
