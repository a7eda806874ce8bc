// `stacklab db status|failover|rejoin`: the database tier of a running lab, and moving its primary.
import { commandLine, openLockedLab } from "../lab-lock.js";
import type { Command } from "commander";
import { openLab } from "../../runtime/lab.js";
import { callLeadingController, cliRecorder, dbStatus, type DbStatus } from "../../failover/lab.js";
import { rebuildFrom, saveDiverged } from "../../failover/rebuild.js";
import { serverId } from "../../render/config/mariadb.js";
import { HttpError } from "../../failover/http.js";
import { manualFailover, manualRejoin, RefusedError } from "../../failover/manual.js";
import type { FailoverRecord } from "../../failover/controller/controller.js";
import type { ProcedureResult } from "../../failover/procedures.js";
import type { FollowResult } from "../../failover/types.js";
import { isAlive, type LabState } from "../../runtime/state.js";
import type { Model } from "../../model/types.js";
import { UsageError } from "../../spec/errors.js";
import { color, EXIT, ExitCode, output } from "../common.js";

const ago = (now: number, t: number | null | undefined) => (t ? `${Math.max(0, now - t)} ms ago` : "never");

function statusText(s: DbStatus): string {
  const now = Date.now();
  const lines = [
    color("bold", `database of lab ${s.lab}`) +
      `: ${s.replication === "none" ? "no" : s.replication} replication, ${s.failover} failover${s.controllerHost ? ` (controller on ${s.controllerHost})` : ""}`,
  ];
  lines.push(
    s.primary ? `primary: ${color("green", s.primary)}` : s.writable.length > 1 ? color("red", `several servers take writes: ${s.writable.join(", ")}`) : color("red", "no server takes writes"),
  );
  for (const sv of s.servers) {
    const mark = sv.role === "primary" ? color("green", "●") : sv.role === "replica" ? color("cyan", "●") : sv.role === "down" ? color("red", "●") : color("yellow", "●");
    const db = sv.db;
    lines.push(`${mark} ${sv.host.padEnd(9)} ${sv.role.padEnd(9)} ${sv.address}`);
    if (!db.up) {
      lines.push(`    ${color("red", db.error ?? "not answering")}`);
    } else {
      lines.push(`    gtid binlog ${db.gtidBinlogPos || "-"}  current ${db.gtidCurrentPos || "-"}${db.replica ? `  received ${db.replica.gtidIoPos || "-"}` : ""}`);
      if (db.replica)
        lines.push(
          `    follows ${db.replica.masterHost}: IO ${db.replica.io}, SQL ${db.replica.sqlRunning ? "Yes" : "No"}, lag ${db.replica.secondsBehind ?? "?"} s, semi-sync ack ${db.semisync.slaveStatus ? "ON" : "OFF"}${db.replica.lastIoError ? color("red", `  IO error ${db.replica.lastIoErrno}: ${db.replica.lastIoError}`) : ""}${db.replica.lastSqlError ? color("red", `  SQL error: ${db.replica.lastSqlError}`) : ""}`,
        );
      if (sv.role === "primary")
        lines.push(
          `    semi-sync ${db.semisync.masterStatus ? color("green", "ON") : color("yellow", "OFF")}, ${db.semisync.masterClients} replica(s) acknowledging, ${db.semisync.noTx} commits not acknowledged since start`,
        );
    }
    if (sv.agent && "error" in sv.agent) lines.push(`    agent: ${color("red", sv.agent.error)}`);
    else if (sv.agent)
      lines.push(
        `    agent: write=${sv.agent.answers.write} replica=${sv.agent.answers.replica}${sv.agent.selfFenced ? color("red", `  fenced itself: ${sv.agent.selfFenced.reason}`) : ""}${sv.agent.probe ? `  pings ${sv.agent.probe.target}: ${sv.agent.probe.ok ? "ok" : `${sv.agent.probe.failures} failed`}` : ""}`,
      );
    if (sv.agent && !("error" in sv.agent) && sv.agent.diverged)
      lines.push(
        color(
          "red",
          `    diverged from ${sv.agent.diverged.primary}: ${sv.agent.diverged.detail}; not replicating (\`stacklab db rejoin ${sv.host} --rebuild\` saves what only it holds and rebuilds it)`,
        ),
      );
  }
  for (const p of s.proxies) {
    if ("error" in p.servers) lines.push(`proxy on ${p.host}: ${color("red", p.servers.error)}`);
    else {
      const up = (b: string) => (p.servers as { backend: string; server: string; status: string }[]).filter((x) => x.backend === b && x.status.startsWith("UP")).map((x) => x.server);
      lines.push(
        `proxy on ${p.host}: writes -> ${up("db_write").join(", ") || color("red", "none")}, reads -> ${up("db_replicas").join(", ") || `(primary) ${up("db_write").join(", ") || color("red", "none")}`}`,
      );
    }
  }
  for (const x of s.saved)
    lines.push(
      color(
        "yellow",
        `saved from ${x.host} before its rebuild from ${x.primary} (${new Date(x.at).toISOString()}): ${x.gtids.join(", ")} in ${x.file} (never acknowledged to a client unless a failover was forced)`,
      ),
    );
  const c = s.controller;
  if (c && "error" in c) lines.push(`controller: ${color("red", c.error)}`);
  else if (c) {
    lines.push(`controller on ${c.host}: ${c.phase} (${c.note}); believes ${c.primary ?? "nobody"} is the primary`);
    if (c.rebuilding?.length) lines.push(color("yellow", `    rebuilding from ${c.primary}: ${c.rebuilding.join(", ")}`));
    if (c.autoRebuild === false) lines.push("    a diverged replica is only recorded (autoRebuild off): `stacklab db rejoin HOST --rebuild` rebuilds it");
    for (const h of c.diverged ?? [])
      lines.push(
        color("yellow", `    ${h} diverged from ${c.primary}${c.autoRebuild === false ? `, left as it is: \`stacklab db rejoin ${h} --rebuild\` saves what only it holds and rebuilds it` : ""}`),
      );
    lines.push(
      `    if ${c.primary} died now: ${c.ifPrimaryDied.candidate ? `${c.ifPrimaryDied.sync.inSync ? color("green", `promote ${c.ifPrimaryDied.candidate}`) : color("yellow", `refuse to promote ${c.ifPrimaryDied.candidate}`)}: ${c.ifPrimaryDied.sync.reason}` : color("yellow", "no replica could take over")}`,
    );
    // The controller's marks are on the machine's monotonic clock (src/failover/clock.ts): aged by its own `now`.
    if (c.lastSync) lines.push(`    last seen in sync ${ago(c.now, c.lastSync.at)} (semi-sync ${c.lastSync.masterStatus ? "ON" : "OFF"}, acknowledging: ${c.lastSync.replicas.join(", ") || "none"})`);
    if (c.refused) lines.push(color("yellow", `    refused ${ago(c.now, c.refused.at)}: ${c.refused.reason}; ${c.refused.sync.reason}`));
    const last = c.failovers[c.failovers.length - 1];
    if (last)
      lines.push(
        `    last ${last.kind}: ${last.from} -> ${last.to} ${last.ok ? "ok" : "FAILED"} ${ago(now, last.at)}, ${last.kind === "failover" ? `writes back ${last.totalMs} ms after ${last.from} was last seen` : `writes paused ${last.pauseMs ?? "?"} ms`}`,
      );
  }
  return lines.join("\n");
}

function procedureText(kind: string, from: string, to: string, r: ProcedureResult, extra: string): string {
  const lines = [`${kind} ${from} -> ${to}: ${r.ok ? color("green", "done") : color("red", `failed: ${r.error}`)}${extra}`];
  for (const st of r.steps) lines.push(`  +${String(st.ms).padStart(5)} ms  ${st.step.padEnd(9)} ${st.detail}`);
  if (r.pauseMs !== undefined) lines.push(`writes paused ${r.pauseMs} ms`);
  return lines.join("\n");
}

export function register(program: Command): void {
  const db = program.command("db").description("the database tier of a running lab: status, failover, rejoin");
  db.command("status")
    .description("primary, replicas, GTID positions, semi-sync, lag, proxies and the failover controller")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--json", "print JSON")
    .action(async (opts: { name?: string; json?: boolean }) => {
      const { state, model } = openLab(opts.name);
      if (!model.database.primary) throw new UsageError("this design has no database");
      const s = await dbStatus(state, model);
      output(s, opts.json, statusText);
      if (!s.primary) throw new ExitCode(EXIT.failed);
    });
  db.command("failover")
    .description("move the primary: a planned switchover while it is up (no write lost), a failover when it is lost")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--wait", "when another command is changing the lab, wait for it to finish (at most 15 min) instead of failing")
    .option("--to <host>", "the replica to promote (default: the most advanced)")
    .option("--force", "promote even when no replica is known to hold every acknowledged write")
    .option("--json", "print JSON")
    .action(async (opts: { name?: string; to?: string; force?: boolean; json?: boolean }) => {
      const { state, model } = await openLockedLab(opts, commandLine());
      if (model.database.replicas.length === 0) throw new UsageError("this design has no replica to promote");
      if (controllerUp(state, model)) {
        let rec: FailoverRecord | null;
        try {
          rec = await callLeadingController<FailoverRecord>(state, model, "POST", "/failover", { ...(opts.to ? { to: opts.to } : {}), force: Boolean(opts.force) }, 80_000);
        } catch (e) {
          if (e instanceof HttpError && (e.status === 409 || e.status === 400)) {
            process.stderr.write(`${e.message}\n`);
            throw new ExitCode(e.status === 400 ? EXIT.usage : EXIT.failed);
          }
          throw e;
        }
        if (rec) {
          output(rec, opts.json, (r) => procedureText(r.kind, r.from, r.to, r.result, r.forced ? color("yellow", " (forced)") : ""));
          if (!rec.ok) throw new ExitCode(EXIT.failed);
          return;
        }
      }
      try {
        const r = await manualFailover(state, model, { ...(opts.to ? { to: opts.to } : {}), ...(opts.force ? { force: true } : {}) });
        output(r, opts.json, (v) => procedureText(v.kind, v.from, v.to, v.result, v.forced ? color("yellow", ` (forced: ${v.syncReason})`) : ""));
        if (!r.result.ok) throw new ExitCode(EXIT.failed);
      } catch (e) {
        if (e instanceof RefusedError) {
          process.stderr.write(`${e.message}\n`);
          throw new ExitCode(EXIT.failed);
        }
        throw e;
      }
    });
  db.command("rejoin")
    .description("make a database server that came back follow the current primary")
    .argument("<host>", "database host")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--wait", "when another command is changing the lab, wait for it to finish (at most 15 min) instead of failing")
    .option("--rebuild", "first replace its data with a copy of the primary's (for a server that diverged)")
    .option("--json", "print JSON")
    .action(async (host: string, opts: { name?: string; json?: boolean; rebuild?: boolean }) => {
      const { state, model } = await openLockedLab(opts, commandLine());
      if (opts.rebuild) {
        const primary = (await dbStatus(state, model)).primary;
        if (!primary) throw new UsageError("no single server takes writes: nothing to copy from");
        const hostModel = model.hosts.find((h) => h.name === host);
        if (!hostModel) throw new UsageError(`${host} is not a host of lab ${state.name}`);
        // What only it holds is kept in a file of the lab before its data is replaced.
        const saved = await saveDiverged(state, host, primary, serverId(model, hostModel));
        const r = await rebuildFrom(state, host, primary);
        const kept = saved
          ? `; the ${saved.gtids.length} transaction(s) only ${host} held (${saved.gtids.join(", ")}) are kept in ${saved.file} (without a forced failover, none was acknowledged to a client)`
          : `; it held no transaction of its own that ${primary} lacks`;
        cliRecorder(state.name)("rebuild", `${host}'s data replaced by a copy of ${primary}'s at ${r.pos} (${r.bytes} bytes in ${r.ms} ms)${kept}`, {
          host,
          pos: r.pos,
          ...(saved ? { saved: saved.file, gtids: saved.gtids } : {}),
        });
        if (!opts.json)
          process.stdout.write(
            `${host}: data copied from ${primary} at ${r.pos} (${r.bytes} bytes, ${r.ms} ms)${saved ? `; its own transactions ${saved.gtids.join(", ")} saved in ${saved.file}` : ""}\n`,
          );
      }
      let r: FollowResult | null = null;
      if (controllerUp(state, model)) {
        try {
          r = await callLeadingController<FollowResult>(state, model, "POST", "/rejoin", { host }, 50_000);
        } catch (e) {
          if (e instanceof HttpError && e.status < 500) throw new UsageError(e.message);
          throw e;
        }
      }
      r ??= await manualRejoin(state, model, host);
      output(
        r,
        opts.json,
        (v) =>
          `${v.host} -> follows ${v.primary}: ${v.outcome === "streaming" ? color("green", "streaming") : color("red", v.outcome)}${v.detail ? ` (${v.detail})` : ""}, from ${v.gtid || "the start"}`,
      );
      if (r.outcome !== "streaming") throw new ExitCode(EXIT.failed);
    });
}

/** Whether a failover controller runs (on a host that is up): then it, not this command, moves the primary. */
function controllerUp(state: LabState, model: Model): boolean {
  return model.database.controllers.some((c) => isAlive(state.hosts.find((h) => h.name === c)?.init));
}
