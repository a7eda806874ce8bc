// The failover procedures, written once against an AgentClient: the controller runs them over the network,
// the CLI (designs without a controller) over the agents' unix sockets.
import { gtidCovers } from "./gtid.js";
import { reachedPos } from "./observe.js";
import type { AgentClient, AgentStatus, FollowResult } from "./types.js";
import { TIMING } from "./timing.js";
import { monoNow } from "./clock.js";
import { HttpError } from "./http.js";

/** Records one step in the lab's event log. */
export type StepRecorder = (step: string, message: string, data?: Record<string, unknown>) => void;

/** Who is involved and how to reach them. */
export interface ProcedureContext {
  client: AgentClient;
  record: StepRecorder;
  /** Database hosts' private addresses by name. */
  addresses: Record<string, string>;
  /** App hosts whose database proxies must follow the new primary. */
  proxies: string[];
  /**
   * With a primary lease: revokes the lease under which `host` holds the primary key (true when it did), so the
   * promotion takes the key at once instead of waiting for it to run out. Called only for a primary found lost.
   */
  revokeLease?: (host: string) => Promise<boolean>;
  /** Told of each repoint's outcome (a rejoin's, or a failover's of the other replicas) before it is recorded. */
  followed?: (r: FollowResult) => void;
}

/** What a failover or switchover did, step by step. */
export interface ProcedureResult {
  ok: boolean;
  from: string;
  to: string;
  /** Milliseconds from the start of the procedure to each step's end. */
  steps: { step: string; ms: number; detail: string }[];
  /** Time writes could not be served (switchover: from fencing to the proxies following). */
  pauseMs?: number;
  error?: string;
}

const since = (t: number) => Math.round(performance.now() - t);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until every proxy has been told "up" for writes by `host` since `after`; returns the names that followed and when. */
export async function waitProxiesFollow(ctx: ProcedureContext, host: string, after: number, timeoutMs = 3000): Promise<{ followed: Record<string, number>; missing: string[] }> {
  const deadline = monoNow() + timeoutMs;
  const followed: Record<string, number> = {};
  while (monoNow() < deadline) {
    let s: AgentStatus | undefined;
    try {
      s = await ctx.client.status(host);
    } catch {
      // try again
    }
    for (const p of ctx.proxies) {
      const w = s?.checkers[p]?.write;
      if (w && w.answer === "up" && w.lastAt >= after && followed[p] === undefined) followed[p] = Math.max(w.since, after);
    }
    const missing = ctx.proxies.filter((p) => followed[p] === undefined);
    if (!missing.length) return { followed, missing };
    await sleep(50);
  }
  return { followed, missing: ctx.proxies.filter((p) => followed[p] === undefined) };
}

async function repoint(ctx: ProcedureContext, hosts: string[], primary: string, t0: number, steps: ProcedureResult["steps"]): Promise<FollowResult[]> {
  const results = await Promise.all(
    hosts.map((h) =>
      ctx.client.follow(h, primary, ctx.addresses[primary]!).catch((e: unknown): FollowResult => {
        const busy = e instanceof HttpError && e.status === 409;
        return { host: h, primary, outcome: busy ? "busy" : "error", detail: e instanceof Error ? e.message : String(e), gtid: "", ms: 0 };
      }),
    ),
  );
  for (const r of results) {
    ctx.followed?.(r);
    const detail =
      r.outcome === "streaming"
        ? `${r.host} follows ${primary} from ${r.gtid || "the start"}`
        : r.outcome === "diverged"
          ? `${r.host} holds transactions ${primary} never had: ${r.detail}`
          : `${r.host} does not stream from ${primary} yet (${r.outcome}${r.detail ? `: ${r.detail}` : ""})`;
    steps.push({ step: "repoint", ms: since(t0), detail });
    ctx.record("repoint", detail, { host: r.host, outcome: r.outcome, ms: since(t0) });
  }
  return results;
}

async function confirmProxies(ctx: ProcedureContext, to: string, promotedAt: number, t0: number, steps: ProcedureResult["steps"]): Promise<void> {
  if (!ctx.proxies.length) return;
  const { followed, missing } = await waitProxiesFollow(ctx, to, promotedAt - 1000);
  const parts = Object.entries(followed).map(([p, at]) => `${p} (+${Math.max(0, at - promotedAt)} ms)`);
  const detail = missing.length
    ? `database proxies sending writes to ${to}: ${parts.join(", ") || "none"}; not yet: ${missing.join(", ")}`
    : `every database proxy sends writes to ${to}: ${parts.join(", ")}`;
  steps.push({ step: "proxies", ms: since(t0), detail });
  ctx.record("proxies", detail, { followed, missing, ms: since(t0) });
}

/**
 * Replaces a lost primary: fence it when it answers, promote `to` once it applied what it received,
 * make the other replicas follow `to`, and confirm the proxies send writes there.
 */
export async function failover(ctx: ProcedureContext, from: string, to: string, others: string[], opts: { lossless: boolean; agentAnswers: boolean }): Promise<ProcedureResult> {
  const t0 = performance.now();
  const steps: ProcedureResult["steps"] = [];
  try {
    // When its agent still answers (MariaDB died, or was restarted read-only), fence it first. When the agent is
    // silent the host is dead or cut off: it fences itself when cut off, so promotion does not wait for it.
    const attempt = ctx.client.fence(from, "failover", { killFirst: true, timeoutMs: opts.agentAnswers ? 8000 : TIMING.agentCallTimeoutMs * 2 }).catch(() => null);
    const fence = opts.agentAnswers ? await attempt : null;
    if (!opts.agentAnswers)
      void attempt.then(
        (f) =>
          f &&
          ctx.record(
            "fence",
            f.stopped ? `fenced ${from} after all: MariaDB stopped at once, commits waiting for a replica left unanswered` : `fenced ${from} after all: read-only, ${f.killed} app connections cut`,
            { host: from, reachable: true, ms: since(t0) },
          ),
      );
    const fenceDetail = fence?.stopped
      ? `fenced ${from}: MariaDB stopped at once, commits waiting for a replica left unanswered (it restarts read-only and cuts them)`
      : fence
        ? `fenced ${from}: read-only, ${fence.killed} app connections cut (it held ${fence.gtidBinlogPos || "nothing"})`
        : `${from} does not answer: the proxies count it down (its agent is silent), it fences itself if only cut off, and it restarts read-only`;
    steps.push({ step: "fence", ms: since(t0), detail: fenceDetail });
    ctx.record("fence", fenceDetail, { host: from, reachable: Boolean(fence), ms: since(t0) });

    // With a primary lease, a lost primary that did not give its key back (it is dead, or cut off) has its lease
    // revoked: it was found lost after the second opinion, and if it is only cut off it goes read-only by itself
    // (at its next renewal that reaches etcd, or when its hold runs out, ~1.3 s after its last renewal), long before
    // semi-sync could acknowledge a write asynchronously (3 s). Without the revoke, the promotion waits up to 2 s for the lease to run out.
    if (ctx.revokeLease && !fence) {
      const revoked = await ctx.revokeLease(from).catch((e: unknown) => `failed: ${e instanceof Error ? e.message : String(e)}`);
      const detail =
        revoked === true
          ? `revoked ${from}'s primary lease in etcd: the key is free for ${to}`
          : revoked === false
            ? `${from} holds no primary lease in etcd any more`
            : `could not revoke ${from}'s primary lease (${revoked}): ${to} waits for it to run out`;
      steps.push({ step: "lease", ms: since(t0), detail });
      ctx.record("lease", detail, { host: from, ms: since(t0) });
    }

    // When the old primary answered and nothing may be lost, the new one first applies everything it had.
    const waitFor = fence?.gtidBinlogPos && opts.lossless ? fence.gtidBinlogPos : undefined;
    const p = await ctx.client.promote(to, { ...(waitFor ? { waitFor } : {}), timeoutMs: TIMING.applyWaitMs });
    const promotedAt = monoNow();
    const promoteDetail = `promoted ${to}: applied its relay log in ${p.applyMs} ms, takes writes from ${p.gtid || "the start"}`;
    steps.push({ step: "promote", ms: since(t0), detail: promoteDetail });
    ctx.record("promote", promoteDetail, { host: to, gtid: p.gtid, applyMs: p.applyMs, ms: since(t0) });

    await repoint(ctx, others, to, t0, steps);
    await confirmProxies(ctx, to, promotedAt, t0, steps);
    return { ok: true, from, to, steps };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    ctx.record("error", `failover from ${from} to ${to} failed: ${error}`, { ms: since(t0) });
    return { ok: false, from, to, steps, error };
  }
}

/**
 * A planned switchover with both servers alive: wait for `to` to catch up, pause writes on `from`
 * (read-only), let `to` apply the last of them, promote it, make `from` and the others follow it.
 * No write is lost; writes pause from the fence until the proxies follow.
 */
export async function switchover(ctx: ProcedureContext, from: string, to: string, others: string[]): Promise<ProcedureResult> {
  const t0 = performance.now();
  const steps: ProcedureResult["steps"] = [];
  const start = await ctx.client.status(from);
  const deadline = monoNow() + TIMING.catchUpMs;
  for (;;) {
    const s = await ctx.client.status(to);
    if (gtidCovers(reachedPos(s.db), start.db.gtidBinlogPos)) break;
    if (monoNow() > deadline) {
      const error = `${to} did not catch up with ${from} within ${TIMING.catchUpMs} ms; nothing changed`;
      ctx.record("abort", error);
      return { ok: false, from, to, steps, error };
    }
    await sleep(50);
  }
  steps.push({ step: "catch-up", ms: since(t0), detail: `${to} caught up with ${from}` });
  const pause = performance.now();
  const fence = await ctx.client.fence(from, "switchover", { killFirst: false });
  steps.push({ step: "fence", ms: since(t0), detail: `writes paused: ${from} read-only at ${fence.gtidBinlogPos}, ${fence.killed} app connections cut` });
  ctx.record("fence", `switchover: ${from} read-only at ${fence.gtidBinlogPos}, ${fence.killed} app connections cut`, { host: from, ms: since(t0) });
  try {
    const p = await ctx.client.promote(to, { waitFor: fence.gtidBinlogPos, timeoutMs: 2000 });
    const promotedAt = monoNow();
    steps.push({ step: "promote", ms: since(t0), detail: `promoted ${to} at ${p.gtid}` });
    ctx.record("promote", `switchover: promoted ${to} (applied ${fence.gtidBinlogPos} in ${p.applyMs} ms)`, { host: to, gtid: p.gtid, ms: since(t0) });
    await confirmProxies(ctx, to, promotedAt, t0, steps);
    const pauseMs = since(pause);
    await repoint(ctx, [from, ...others], to, t0, steps);
    ctx.record("done", `switchover from ${from} to ${to} done; writes paused ${pauseMs} ms`, { pauseMs, ms: since(t0) });
    return { ok: true, from, to, steps, pauseMs };
  } catch (e) {
    // Give the writes back to the old primary: it still holds everything.
    const error = e instanceof Error ? e.message : String(e);
    await ctx.client.promote(from, {}).catch(() => undefined);
    ctx.record("abort", `switchover from ${from} to ${to} aborted, ${from} takes writes again: ${error}`, { ms: since(t0) });
    return { ok: false, from, to, steps, error };
  }
}

/** Makes a server that came back (or drifted) follow the primary; reports divergence instead of hiding it. */
export async function rejoin(ctx: ProcedureContext, host: string, primary: string): Promise<FollowResult> {
  const t0 = performance.now();
  const [r] = await repoint(ctx, [host], primary, t0, []);
  return r!;
}

/** Gives writes back to a primary that was fenced (by itself, or restarted) and is still the most advanced. */
export async function unfence(ctx: ProcedureContext, host: string, reason: string): Promise<void> {
  const p = await ctx.client.promote(host, {});
  ctx.record("unfence", `${host} takes writes again (${reason}); at ${p.gtid}`, { host });
}
