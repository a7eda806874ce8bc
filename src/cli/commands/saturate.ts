// `stacklab saturate`: step an open-loop load up on a running lab until it saturates; the highest sustainable rate
// and the tier that binds.
import type { Command } from "commander";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { saturate, type SaturationReport } from "../../experiment/saturate.js";
import { CLAIM_NAMES, runClaim, type ClaimName, type ClaimResult } from "../../experiment/claims.js";
import { parseDuration, parsePercent } from "../../experiment/units.js";
import { requireRoot } from "../../runtime/preflight.js";
import { UsageError } from "../../spec/errors.js";
import { color, ExitCode, interruptible, output } from "../common.js";

function toText(r: SaturationReport): string {
  const rows = r.steps.map((s) => {
    const busiest = s.hosts.filter((h) => h.utilisation !== null).sort((a, b) => (b.utilisation ?? 0) - (a.utilisation ?? 0))[0];
    return `${s.stage === "bisect" ? "~" : " "}${String(s.offered).padStart(7)} ${String(s.achieved).padStart(9)} ${fmt(s.p50Ms).padStart(7)} ${fmt(s.p99Ms).padStart(7)} ${`${s.errorPct.toFixed(1)}%`.padStart(7)} ${String(s.generatorCores).padStart(6)}  ${busiest ? `${busiest.host} ${Math.round((busiest.utilisation ?? 0) * 100)}% of its size` : "-"}  ${s.ok ? color("green", "ok") : color("red", s.why ?? "")}`;
  });
  return [
    `${color("bold", "saturation")} of lab ${r.lab} (${r.design}), target p99 ${r.target.p99Ms} ms, errors at most ${r.target.maxErrorPct}%`,
    ` offered  answered     p50     p99  errors   load  busiest host`,
    "   req/s     req/s                        gen.",
    ...rows,
    ...(r.steps.some((s) => s.stage === "bisect") ? ["~ a bisection step, between the last rate that met the target and the first that did not"] : []),
    "",
    r.sustainable === null ? color("red", "not even the first step met the target") : `${color("green", "highest sustainable rate:")} ${r.sustainable} requests/s`,
    r.bottleneck ? `the tier that binds: ${r.bottleneck.tier} (${Math.round(r.bottleneck.utilisation * 100)}% of its size)` : "no tier named: give the servers sizes to see which one binds",
    `stopped: ${r.stoppedBecause}`,
    `records and latency.svg in ${r.dir}`,
  ].join("\n");
}

function claimsText(results: ClaimResult[]): string {
  return results
    .map((r) =>
      [
        `${r.passed ? color("green", "PASS") : color("red", "FAIL")} ${color("bold", r.name)}: ${r.claim}`,
        `  expected: ${r.expectation}`,
        ...r.configs.map(
          (c) => `  ${c.label}: ${c.sustainable ?? "no"} req/s sustained${c.bottleneck ? `, ${c.bottleneck.tier} binds (${Math.round(c.bottleneck.utilisation * 100)}% of its size)` : ""}`,
        ),
        `  ${r.why}`,
      ].join("\n"),
    )
    .join("\n\n");
}

function fmt(ms: number | null): string {
  return ms === null ? "-" : `${Math.round(ms)}ms`;
}

export function register(program: Command): void {
  program
    .command("saturate")
    .description("step an open-loop load of page reads and writes up until p99 latency or errors pass the target: the highest sustainable rate and the tier that binds")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--p99 <time>", "latency target for the 99th percentile", "200ms")
    .option("--errors <pct>", "error limit, in percent of a step's requests", "1%")
    .option("--from <rps>", "first step's rate, requests per second", "20")
    .option("--factor <x>", "each step multiplies the rate by this", "1.5")
    .option("--step <time>", "length of each step", "6s")
    .option("--steps <n>", "at most this many steps", "10")
    .option("--confirm <n>", "run a step that missed the target again up to this many times; it fails only if every run does (for a shared machine)", "0")
    .option("--bisect <n>", "after the first step that misses the target, at most this many steps bisecting between it and the last that met it", "3")
    .option("--writes <pct>", "share of writes in the mix", "10%")
    .option("--warm-up <time>", "before the first step, load at its rate for this long, not counted (0 for none)", "5s")
    .option("--svg <file>", "also copy the latency-against-load chart here")
    .option("--claims [names]", `instead of a running lab: the seeds' scalability claims on fresh sized labs (${CLAIM_NAMES.join(", ")}; default all)`)
    .option("--json", "print JSON")
    .action(
      async (opts: {
        name?: string;
        p99: string;
        errors: string;
        from: string;
        factor: string;
        step: string;
        steps: string;
        bisect: string;
        confirm: string;
        writes: string;
        warmUp: string;
        svg?: string;
        claims?: string | boolean;
        json?: boolean;
      }) => {
        requireRoot("saturate");
        const p99Ms = parseDuration(opts.p99);
        const stepMs = parseDuration(opts.step);
        const warmUpMs = parseDuration(opts.warmUp);
        const maxErrorPct = parsePercent(opts.errors);
        const writes = parsePercent(opts.writes);
        if (p99Ms === undefined || p99Ms < 1) throw new UsageError(`--p99: cannot read "${opts.p99}" (e.g. 200ms)`);
        if (stepMs === undefined) throw new UsageError(`--step: cannot read "${opts.step}" (e.g. 6s)`);
        if (warmUpMs === undefined || warmUpMs > 60_000) throw new UsageError(`--warm-up: cannot read "${opts.warmUp}" as a time of at most 60s (e.g. 5s, or 0 for none)`);
        if (maxErrorPct === undefined || writes === undefined || writes > 100) throw new UsageError("--errors and --writes are percentages, e.g. 1% and 10%");
        const search = {
          p99Ms,
          maxErrorPct,
          startRate: Number(opts.from),
          factor: Number(opts.factor),
          stepMs,
          maxSteps: Number(opts.steps),
          writeShare: writes / 100,
          bisectSteps: Number(opts.bisect),
          warmUpMs,
        };
        await interruptible("stopping the load", async (signal) => {
          if (opts.claims !== undefined) {
            const names = typeof opts.claims === "string" ? opts.claims.split(",").map((n) => n.trim()) : [...CLAIM_NAMES];
            for (const n of names) if (!(CLAIM_NAMES as readonly string[]).includes(n)) throw new UsageError(`unknown claim "${n}"; one of ${CLAIM_NAMES.join(", ")}`);
            const results: ClaimResult[] = [];
            for (const n of names as ClaimName[])
              results.push(await runClaim(n, { prefix: opts.name ?? "claim", saturate: search, signal: signal, progress: (l) => process.stderr.write(`${color("gray", l)}\n`) }));
            output(results, opts.json, claimsText);
            if (results.some((r) => !r.passed)) throw new ExitCode(1);
            return;
          }
          const report = await saturate({
            ...(opts.name ? { lab: opts.name } : {}),
            ...search,
            confirmFailures: Number(opts.confirm),
            signal: signal,
            progress: (l) => process.stderr.write(`${color("gray", l)}\n`),
          });
          if (opts.svg) copyFileSync(join(report.dir, "latency.svg"), opts.svg);
          output(report, opts.json, toText);
          if (report.sustainable === null) throw new ExitCode(1);
        });
      },
    );
}
