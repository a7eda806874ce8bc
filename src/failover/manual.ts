// `stacklab db failover` and `db rejoin` on designs without a controller: the CLI stands in for one, once.
import type { Model } from "../model/types.js";
import { hostsWithRole, privateAddress } from "../render/config/common.js";
import type { LabState } from "../runtime/state.js";
import { UsageError } from "../spec/errors.js";
import { decide, primaryHealth, rankCandidates, type DecideInput, type HostTrack } from "./decide.js";
import { isWritablePrimary } from "./observe.js";
import { failover, rejoin, switchover, unfence, type ProcedureContext, type ProcedureResult } from "./procedures.js";
import { cliRecorder, labAgentClient } from "./lab.js";
import { TIMING } from "./timing.js";
import type { FollowResult } from "./types.js";
import { semisyncTimeoutMs } from "../render/config/mariadb.js";
import { monoNow } from "./clock.js";

/** What the CLI did. */
export interface ManualResult {
  /** unfence: the primary had restarted read-only holding everything the replicas hold; it takes writes again. */
  kind: "switchover" | "failover" | "unfence";
  from: string;
  to: string;
  forced: boolean;
  inSync: boolean;
  syncReason: string;
  result: ProcedureResult;
}

function context(state: LabState, model: Model): ProcedureContext {
  return {
    client: labAgentClient(state.name),
    record: cliRecorder(state.name),
    addresses: Object.fromEntries(hostsWithRole(model, "db").map((h) => [h.name, privateAddress(h)])),
    proxies: model.services.filter((s) => s.kind === "db-proxy").map((s) => s.host),
  };
}

/** Polls every agent once; silent ones keep no "last seen" (the CLI has no history). */
async function observe(ctx: ProcedureContext, hosts: string[], tracks: Record<string, HostTrack>): Promise<void> {
  await Promise.all(
    hosts.map(async (h) => {
      const started = monoNow();
      const t = (tracks[h] ??= { last: null, lastOkAt: null, firstFailAt: null, failures: 0 });
      try {
        t.last = await ctx.client.status(h);
        t.lastOkAt = started;
        t.failures = 0;
        t.firstFailAt = null;
      } catch {
        t.failures++;
        t.firstFailAt ??= started;
      }
    }),
  );
}

/** Runs a switchover (primary up) or a failover (primary lost) without a controller. */
export async function manualFailover(state: LabState, model: Model, opts: { to?: string; force?: boolean }): Promise<ManualResult> {
  const ctx = context(state, model);
  const hosts = hostsWithRole(model, "db").map((h) => h.name);
  if (opts.to && !hosts.includes(opts.to)) throw new UsageError(`${opts.to} is not a database host (${hosts.join(", ")})`);
  const tracks: Record<string, HostTrack> = {};
  const input = (): DecideInput => {
    const live = hosts.filter((h) => tracks[h]?.last && isWritablePrimary(tracks[h]!.last!.db));
    return {
      now: monoNow(),
      hosts,
      addresses: ctx.addresses,
      primary: live.length === 1 ? live[0]! : (model.database.primary ?? null),
      tracks,
      lastSync: null,
      replication: model.database.replication,
      deadAfterMs: 10_000,
      confirmFailures: TIMING.confirmFailures,
      semisyncTimeoutMs: semisyncTimeoutMs(model),
    };
  };
  // A few looks, so that a primary that just died is confirmed by the replicas' own pings.
  let health = primaryHealth((await observe(ctx, hosts, tracks), input()));
  for (let i = 0; i < 15 && health.state === "suspect"; i++) {
    await new Promise((r) => setTimeout(r, 200));
    await observe(ctx, hosts, tracks);
    health = primaryHealth(input());
  }
  const snapshot = input();
  const primary = snapshot.primary;
  if (!primary) throw new UsageError("no primary found: no database server takes writes and the design names none");
  if (opts.to === primary) throw new UsageError(`${opts.to} is already the primary`);
  const record = ctx.record;
  if (health.state === "up") {
    const to = opts.to ?? rankCandidates(snapshot)[0];
    if (!to) throw new UsageError("no replica answers and replicates: nothing to switch over to");
    const others = hosts.filter((h) => h !== primary && h !== to && tracks[h]?.last?.db.up);
    record("switchover", `planned switchover from ${primary} to ${to} (asked by a person, no controller)`, { from: primary, to });
    const result = await switchover(ctx, primary, to, others);
    return { kind: "switchover", from: primary, to, forced: false, inSync: true, syncReason: "planned: the new primary applied every write first", result };
  }
  if (health.state === "suspect") throw new UsageError(`not sure ${primary} is lost: ${health.reason}`);
  const d = decide(snapshot, { ...(opts.force ? { force: true } : {}), ...(opts.to ? { to: opts.to } : {}) });
  if (d.action === "refuse") {
    record("refuse", `failover asked by a person refused: ${d.reason}; ${d.sync.reason}${opts.force ? "" : ". Add --force to promote anyway."}`, { candidate: d.candidate });
    throw new RefusedError(
      `${d.reason}\nrefusing to promote${d.candidate ? ` ${d.candidate}` : ""}: ${d.sync.reason}${opts.force ? "" : "\n(add --force to promote anyway, accepting that acknowledged writes may be lost)"}`,
    );
  }
  if (d.action === "unfence") {
    // Without a controller nobody else gives writes back to a primary that restarted read-only (designs 1 and 2).
    const t0 = performance.now();
    await unfence(ctx, d.host, `${d.reason}; asked by a person`);
    const result: ProcedureResult = { ok: true, from: d.host, to: d.host, steps: [{ step: "unfence", ms: Math.round(performance.now() - t0), detail: d.reason }] };
    return { kind: "unfence", from: d.host, to: d.host, forced: false, inSync: true, syncReason: d.reason, result };
  }
  if (d.action !== "failover") throw new UsageError(`nothing to do: ${"reason" in d ? d.reason : d.note}`);
  record("detect", `${d.from} is lost: ${d.reason}`, { host: d.from });
  record("decide", `promoting ${d.to}${opts.force && !d.sync.inSync ? " (forced)" : ""}: ${d.sync.reason}`, { host: d.to, inSync: d.sync.inSync, forced: Boolean(opts.force) });
  const result = await failover(ctx, d.from, d.to, d.others, { lossless: d.sync.inSync, agentAnswers: tracks[d.from]?.lastOkAt !== null && tracks[d.from]?.lastOkAt !== undefined });
  if (result.ok) record("done", `failover done: ${d.to} is the primary`, { host: d.to });
  return { kind: "failover", from: d.from, to: d.to, forced: Boolean(opts.force) && !d.sync.inSync, inSync: d.sync.inSync, syncReason: d.sync.reason, result };
}

/** Thrown when promoting would risk losing acknowledged writes and --force was not given. */
export class RefusedError extends Error {
  override name = "RefusedError";
}

/** Makes `host` follow the current primary (the one server taking writes). */
export async function manualRejoin(state: LabState, model: Model, host: string): Promise<FollowResult> {
  const ctx = context(state, model);
  const hosts = hostsWithRole(model, "db").map((h) => h.name);
  if (!hosts.includes(host)) throw new UsageError(`${host} is not a database host (${hosts.join(", ")})`);
  const tracks: Record<string, HostTrack> = {};
  await observe(ctx, hosts, tracks);
  const writable = hosts.filter((h) => tracks[h]?.last && isWritablePrimary(tracks[h]!.last!.db));
  if (writable.length !== 1)
    throw new UsageError(writable.length ? `several servers take writes (${writable.join(", ")}); fix that first` : "no server takes writes: promote one first (`stacklab db failover`)");
  const primary = writable[0]!;
  if (primary === host) throw new UsageError(`${host} is the primary`);
  if (!tracks[host]?.last) throw new UsageError(`${host}'s agent does not answer; is the host up? (\`stacklab fault start ${host}\`)`);
  ctx.record("rejoin", `${host} rejoins as a replica of ${primary} (asked by a person)`, { host });
  return rejoin(ctx, host, primary);
}
