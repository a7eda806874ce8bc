// `stacklab fault ...`: inject faults into a running lab, list them, and heal them.
import { commandLine, openLockedLab } from "../lab-lock.js";
import type { Command } from "commander";
import { activeFaults, type ActiveFault, type FaultLab, type FaultResult } from "../../runtime/faults/index.js";
import { ACTIONS, runAction } from "../../operations/actions.js";
import { openLab } from "../../runtime/lab.js";
import { UsageError } from "../../spec/errors.js";
import { parseMemory } from "../../spec/size.js";
import { checkStress } from "../../runtime/faults/index.js";
import { isRoleReference, liveRoles, resolveTarget } from "../../experiment/targets.js";
import { parseDuration, parsePercent } from "../../experiment/units.js";
import { color, ExitCode, output } from "../common.js";

interface LabOpts {
  name?: string;
  json?: boolean;
  wait?: boolean;
}

/** The lab, under its lock until the command ends (a fault changes the lab); `list` only reads it. */
async function open(opts: LabOpts, lock = true): Promise<FaultLab> {
  const { state, model } = lock ? await openLockedLab(opts, commandLine()) : openLab(opts.name);
  return { state, model, source: "cli" };
}

/** Host names from names or role references (`active-lb`, `primary-db`, `all-app`...). */
async function hosts(lab: FaultLab, refs: string[]): Promise<string[]> {
  const live = refs.some(isRoleReference) ? await liveRoles(lab.state, lab.model) : { holders: {}, writable: [], primary: null };
  return [...new Set(refs.flatMap((r) => (lab.state.hosts.some((h) => h.name === r) ? [r] : resolveTarget(r, lab.model, live))))];
}

async function oneHost(lab: FaultLab, ref: string): Promise<string> {
  const list = await hosts(lab, [ref]);
  if (list.length !== 1) throw new UsageError(`"${ref}" names ${list.length} hosts (${list.join(", ")}); this fault takes one`);
  return list[0]!;
}

/** Faults in red, heals in green. */
function tone(action: string): "red" | "green" {
  return (ACTIONS as Record<string, { kind: string }>)[action]?.kind === "fault" && action !== "restart" ? "red" : "green";
}

function print(results: FaultResult[], json: boolean | undefined): void {
  output(results, json, (rs) =>
    rs.length
      ? rs
          .map(
            (r) =>
              `${color(tone(r.action), r.action.padEnd(11))} ${r.message} ${color("gray", `(${new Date(r.at).toISOString()}, ${r.durationMs} ms)`)}${(r.notReady ?? []).map((n) => `\n  ${color("yellow", "not ready:")} ${n}`).join("")}`,
          )
          .join("\n")
      : "nothing to heal",
  );
  if (results.some((r) => r.notReady?.length)) throw new ExitCode(1);
}

function describe(f: ActiveFault): string {
  const since = new Date(f.at).toISOString();
  switch (f.kind) {
    case "down":
      return `${f.host} down (${f.how === "kill" ? "crashed" : "stopped"}) since ${since}`;
    case "service":
      return `${f.service} stopped on ${f.host} since ${since}`;
    case "partition":
      return `${f.hosts.join(", ")} cut off from ${f.from.join(", ")} since ${since}`;
    case "netem":
      return `${f.host}: ${f.delayMs} ms delay ± ${f.jitterMs} ms, ${f.lossPct}% loss on ${f.links.join(", ")} (${f.via}) since ${since}`;
    case "pause":
      return `${f.host} paused since ${since}`;
    case "stress":
      return `${f.host} under stress (${[f.cpu ? `${f.cpu} CPU worker(s)` : "", f.memoryBytes ? `${Math.round(f.memoryBytes / 1024 ** 2)} MiB held` : ""].filter(Boolean).join(", ")}) since ${since}${f.until <= Date.now() ? ", over (stress-ng stopped by itself)" : `, until ${new Date(f.until).toISOString()}`}`;
  }
}

function labOptions(cmd: Command): Command {
  return cmd
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--json", "print JSON")
    .option("--wait", "when another command is changing the lab, wait for it to finish (at most 15 min) instead of failing");
}

function need<T>(value: T | undefined, what: string, got: string): T {
  if (value === undefined) throw new UsageError(`${what}: cannot read "${got}"`);
  return value;
}

export function register(program: Command): void {
  const fault = program.command("fault").description("break a running lab: crash, stop, partition, slow down or pause hosts, then heal");
  const HOST = "host name, or a role: active-lb, standby-lb, primary-db, replica-db, web, app, db, entry...";

  labOptions(fault.command("kill").description(ACTIONS.kill.summary).argument("<host>", HOST)).action(async (ref: string, opts: LabOpts) => {
    const lab = await open(opts);
    print(await runAction(lab, "kill", { hosts: [await oneHost(lab, ref)] }), opts.json);
  });

  for (const name of ["stop", "start", "restart"] as const) {
    labOptions(fault.command(name).description(ACTIONS[name].summary).argument("<host>", HOST).argument("[service]", `service to ${name} (nginx, haproxy, mariadb, app, ...)`)).action(
      async (ref: string, service: string | undefined, opts: LabOpts) => {
        const lab = await open(opts);
        print(await runAction(lab, name, { hosts: [await oneHost(lab, ref)], ...(service ? { service } : {}) }), opts.json);
      },
    );
  }

  labOptions(
    fault.command("partition").description(ACTIONS.partition.summary).argument("<hosts...>", HOST).option("--from <hosts...>", "cut off only from these hosts (default: every other host)"),
  ).action(async (refs: string[], opts: LabOpts & { from?: string[] }) => {
    const lab = await open(opts);
    print(await runAction(lab, "partition", { hosts: await hosts(lab, refs), ...(opts.from ? { from: await hosts(lab, opts.from) } : {}) }), opts.json);
  });

  labOptions(
    fault
      .command("netem")
      .description(ACTIONS.netem.summary)
      .argument("<host>", HOST)
      .option("--delay <time>", "added latency, e.g. 100ms", "0ms")
      .option("--jitter <time>", "random variation of the delay, e.g. 10ms", "0ms")
      .option("--loss <percent>", "share of packets dropped, e.g. 2%", "0%")
      .option("--link <ifname>", "only this link (eth0, eth1, public or private)"),
  ).action(async (ref: string, opts: LabOpts & { delay: string; jitter: string; loss: string; link?: string }) => {
    const imp = {
      delayMs: need(parseDuration(opts.delay), "--delay", opts.delay),
      jitterMs: need(parseDuration(opts.jitter), "--jitter", opts.jitter),
      lossPct: need(parsePercent(opts.loss), "--loss", opts.loss),
    };
    const lab = await open(opts);
    print(await runAction(lab, "netem", { hosts: [await oneHost(lab, ref)], netem: { ...imp, ...(opts.link ? { link: opts.link } : {}) } }), opts.json);
  });

  labOptions(fault.command("pause").description(ACTIONS.pause.summary).argument("<host>", HOST)).action(async (ref: string, opts: LabOpts) => {
    const lab = await open(opts);
    print(await runAction(lab, "pause", { hosts: [await oneHost(lab, ref)] }), opts.json);
  });

  labOptions(
    fault
      .command("stress")
      .description(ACTIONS.stress.summary)
      .argument("<host>", HOST)
      .option("--cpu <n>", "CPU workers, each burning one core (a sized host shares its size among them and its services)")
      .option("--memory <size>", "memory held, e.g. 256Mi (past the host's size the kernel kills processes of the host)")
      .option("--duration <time>", "how long, at most 10m (stress-ng stops by itself then)", "30s"),
  ).action(async (ref: string, opts: LabOpts & { cpu?: string; memory?: string; duration: string }) => {
    const stress = {
      ...(opts.cpu !== undefined ? { cpu: Number(opts.cpu) } : {}),
      ...(opts.memory !== undefined ? { memoryBytes: need(parseMemory(opts.memory), "--memory (a size such as 256Mi)", opts.memory) } : {}),
      durationMs: need(parseDuration(opts.duration), "--duration", opts.duration),
    };
    checkStress(stress);
    const lab = await open(opts);
    print(await runAction(lab, "stress", { hosts: [await oneHost(lab, ref)], stress }), opts.json);
  });

  labOptions(fault.command("heal").description(ACTIONS.heal.summary).argument("[host]", "only faults touching this host")).action(async (ref: string | undefined, opts: LabOpts) => {
    const lab = await open(opts);
    print(await runAction(lab, "heal", { hosts: ref ? [await oneHost(lab, ref)] : [] }), opts.json);
  });

  labOptions(fault.command("list").description("faults in force")).action(async (opts: LabOpts) => {
    const lab = await open(opts, false);
    output(activeFaults(lab.state), opts.json, (fs) => (fs.length ? fs.map(describe).join("\n") : "no fault in force"));
  });
}
