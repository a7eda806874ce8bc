// The four result sections of docs/BENCHMARKS.md, each rendered from its part of the results.
import { ANCHORS, downVerdict, footprintVerdict, GOALS, upVerdict } from "./goals.js";
import { fmtBytes, fmtCount, fmtLatency, fmtMs, fmtRatio, fmtSummary, mdTable } from "./table.js";
import { WHOLE_WATCH_MS } from "../failover/whole.js";
import { DB_GOALS, DB_WRITERS, RESUME_ONLY_CASES } from "./scenarios.js";
import { experimentWords } from "./rehearsal-words.js";
import type { FailoverResult, FailoverRow, FootprintResult, LifecycleResult, LifecycleRow, LinearFit, ServingResult, RehearsalExperiment, RehearsalResult, RootlessResult, Summary } from "./types.js";

const ms = (s: LifecycleRow["up"]) => fmtSummary(s, fmtMs);

/** "Median of 3 runs, with the range (min–max) in brackets", or what one run means. */
function runsText(runs: number, what: string): string {
  return runs === 1 ? `One run ${what} (so no range)` : `Median of ${runs} runs ${what}, with the range (min–max) in brackets`;
}

/** Each distinct failure once, with how many runs it ended. */
function grouped(list: readonly string[]): { text: string; times: number }[] {
  const counts = new Map<string, number>();
  for (const x of list) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].map(([text, times]) => ({ text, times }));
}

function problems(rows: { label: string; failures: string[]; leftovers?: string[] }[]): string[] {
  return rows.flatMap((r) => [
    ...grouped(r.failures).map((f) => `- ${r.label}: ${f.times === 1 ? "a run" : `${f.times} runs`} failed: ${f.text}`),
    ...(r.leftovers ?? []).map((l) => `- ${r.label}: left after \`down\`: ${l}`),
  ]);
}

function fitText(what: string, fit: LinearFit | null): string {
  if (!fit) return `- ${what}: not enough sizes measured for a line.`;
  const line = `- ${what}: about **${fmtMs(fit.slope)} per host** (${what.toLowerCase()} ≈ ${fmtMs(fit.slope)} × hosts ${fit.intercept < 0 ? "−" : "+"} ${fmtMs(Math.abs(fit.intercept))}`;
  if (fit.points < 3) return `${line}). Only two sizes were measured, and a line fits any two points: the full run's three sizes say whether growth is linear.`;
  return (
    `${line}, r² = ${fit.r2.toFixed(3)}). ` +
    `Each host added ${fmtMs(fit.firstSlope)} between the two smallest labs and ${fmtMs(fit.lastSlope)} between the two largest: growth is **${fit.verdict}**.`
  );
}

/** Bring-up and tear-down: designs, generated sizes, the line through them, the goals. */
export function lifecycleSection(l: LifecycleResult): string {
  const d3 = l.designs.find((r) => r.label.startsWith("3"));
  const goal = d3
    ? `Design 3: up in **${d3.up ? fmtMs(d3.up.median) : "–"}** (${d3.up ? upVerdict(d3.up.median) : "not measured"}), down in **${d3.down ? fmtMs(d3.down.median) : "–"}** (${d3.down ? downVerdict(d3.down.median) : "not measured"}).`
    : "Design 3 was not measured.";
  const ok = (r: LifecycleRow) => {
    const good = r.up?.values.length ?? 0;
    return `${good} of ${good + r.failures.length}`;
  };
  const rows = [...l.designs, ...l.generated].map((r) => [r.label, String(r.hosts), String(r.services), ms(r.up), ms(r.upInternal), ms(r.down), ok(r)]);
  return [
    "## Bring-up and tear-down",
    "",
    `Goals: design 3 up in under ${GOALS.upMs / 1000} s (aim: ${GOALS.upAimMs / 1000} s), down in under ${GOALS.downMs / 1000} s. ${goal}`,
    "",
    `${l.runs === l.generatedRuns ? runsText(l.runs, "per design and per generated size") : `${runsText(l.runs, "per design")}; ${l.generatedRuns} per generated size`}. ` +
      "*up* is `stacklab up -d` from the command to its return; *inside stacklab* is the time `up` reports itself, without starting Node and loading the CLI.",
    "",
    mdTable(["lab", "hosts", "services", "up", "up, inside stacklab", "down (nothing left)", "runs that came up"], rows, ["l", "r", "r", "r", "r", "r", "r"]),
    ...(d3?.steps?.length ? ["", `Design 3's \`up\` by step, as it reports them (medians): ${d3.steps.map((st) => `${st.step} ${fmtMs(st.ms.median)}`).join(", ")}.`] : []),
    ...(problems([...l.designs, ...l.generated]).length
      ? ["", "A run that failed is retried (up to half as many times again, within a time budget); the failures:", "", ...problems([...l.designs, ...l.generated])]
      : []),
    "",
    "### How the cost grows with the size of the lab",
    "",
    "A straight line through the generated labs' medians (design 3 with more web and app servers):",
    "",
    fitText("Up", l.fit.up),
    fitText("Down", l.fit.down),
  ].join("\n");
}

/** Serving: wrk figures per target, and the ratios between them. */
export function servingSection(s: ServingResult): string {
  const rows = s.targets.map((t) => [
    t.label,
    t.from,
    fmtSummary(t.rps, fmtCount),
    fmtSummary(t.p50, fmtLatency),
    fmtSummary(t.p90, fmtLatency),
    fmtSummary(t.p99, fmtLatency),
    `${fmtCount(t.errors)} of ${fmtCount(t.requests)}`,
  ]);
  const failed = s.targets.flatMap((t) => grouped(t.failures).map((f) => `- ${t.label}: ${f.text}${f.times > 1 ? ` (${f.times} runs)` : ""}`));
  // Errors beyond 1% make a figure doubtful: say which, and of what kind (answers/s counts successful answers only).
  const erred = s.targets
    .filter((t) => t.errors > t.requests * 0.01)
    .map(
      (t) =>
        `- ${t.label}: ${fmtCount(t.errors)} of ${fmtCount(t.requests)} requests failed (${
          Object.entries(t.errorKinds ?? {})
            .map(([k, n]) => `${fmtCount(n)} × ${k}`)
            .join(", ") || "kinds not recorded"
        }).`,
    );
  return [
    "## Serving",
    "",
    `\`${s.load}\` against each target, the targets in turn, after a 1 s warm-up of each. ${runsText(s.runs, "per target")}. ` +
      "All on the same 2 cores: wrk, HAProxy, nginx, the app's workers and MariaDB compete for them, so the whole path is bounded by the machine, not by any one server. " +
      "Through the whole path HAProxy spreads requests over both web servers and nginx over both app servers, while *alone* means one server: the ratios compare the site with one of its servers, on the same cores.",
    "",
    mdTable(["target", "wrk runs in", "answers/s (2xx)", "p50", "p90", "p99", "errors"], rows, ["l", "l", "r", "r", "r", "r", "r"]),
    ...(failed.length ? ["", ...failed] : []),
    ...(erred.length ? ["", "More than 1% of the requests failed here (the answers/s column counts successful answers only):", "", ...erred] : []),
    "",
    mdTable(
      ["ratio of answers/s", "value"],
      s.ratios.map((r) => [r.label, fmtRatio(r.value)]),
      ["l", "r"],
    ),
    ...cpuPerRequestLines(s),
  ].join("\n");
}

/** Why requests failed, per row (all runs together). */
function causes(f: FailoverResult): string[] {
  const lines = f.rows
    .filter((r) => Object.keys(r.errors).length)
    .map((r) => {
      const list = Object.entries(r.errors).sort((a, b) => b[1] - a[1]);
      return `- ${r.label}: ${list.map(([k, n]) => `${fmtCount(n)} × ${/^\d+$/.test(k) ? `HTTP ${k}` : k}`).join(", ")}`;
    });
  return lines.length ? ["", `Why requests failed (all runs together):`, "", ...lines] : [];
}

/** Did a row meet a goal over all its runs (null: not measured)? */
function met(values: Summary | null | undefined, ok: (worst: number) => boolean): boolean | null {
  return values ? ok(values.max) : null;
}

/** The database faults of issue 13 against its goals: no acknowledged write lost, a write gap under 1 s, whole again within 30 s of the heal. */
function databaseGoals(f: FailoverResult): string[] {
  const rows = f.rows.filter((r) => r.wholeAfterHeal !== undefined && (r.wholeAfterHeal !== null || (r.notWhole ?? 0) > 0));
  if (!rows.length) return [];
  const yes = (b: boolean | null) => (b === null ? "not measured" : b ? "yes" : "**no**");
  const whole = (r: FailoverRow) => {
    const text = fmtSummary(r.wholeAfterHeal ?? null, fmtMs);
    return r.notWhole ? `${text === "–" ? "" : `${text}; `}not whole ${WHOLE_WATCH_MS / 1000} s after the heal in ${r.notWhole} run${r.notWhole > 1 ? "s" : ""}` : text;
  };
  const table = rows.map((r) => {
    const resumeOnly = RESUME_ONLY_CASES.has(r.id);
    // A resume-only case: every run's expectations held, and they include writesRecovered (writes went through again before the heal).
    const gap = resumeOnly ? (r.passed.length ? r.passed.every(Boolean) : null) : met(r.writeDowntime, (x) => x < DB_GOALS.writeGapMs);
    const goals = [met(r.lostWrites, (x) => x === 0), gap, r.notWhole ? false : met(r.wholeAfterHeal, (x) => x < DB_GOALS.wholeAfterHealMs)];
    const cells: string[] = goals.map(yes);
    if (resumeOnly) cells[1] = `writes resume: ${cells[1]}`;
    return [r.label, fmtSummary(r.writesInFlight ?? null, (x) => x.toFixed(1)), fmtSummary(r.lostWrites, fmtCount), fmtSummary(r.writeDowntime, fmtMs), whole(r), ...cells];
  });
  return [
    "",
    `### Database faults (issue 13)`,
    "",
    `${DB_WRITERS} writers each send their next write as soon as the previous one is answered (50 ms after a failure), so ${DB_WRITERS} writes are in flight all the time; ` +
      `*writes in flight* is what the run achieved: the writes' time in flight summed, over the load's length (Little's law). ` +
      `*Whole after heal* is the time from the end of the heal step until \`stacklab db status\` shows one primary, the other server streaming from it in sync, the controller watching it and every proxy sending writes to it, with no command typed (looked at every 0.3 s for up to ${WHOLE_WATCH_MS / 1000} s). ` +
      `Goals: no acknowledged write lost, a write gap under ${fmtMs(DB_GOALS.writeGapMs)} (when a deciding host dies with the primary, only that writes resume before the heal), whole within ${fmtMs(DB_GOALS.wholeAfterHealMs)}; a goal is met when every run met it.`,
    "",
    mdTable(["event", "writes in flight", "lost writes", "write gap", "whole after heal", "0 lost", `gap < ${fmtMs(DB_GOALS.writeGapMs)}`, `whole < ${fmtMs(DB_GOALS.wholeAfterHealMs)}`], table, [
      "l",
      "r",
      "r",
      "r",
      "r",
      "l",
      "l",
      "l",
    ]),
  ];
}

/** Failover and operations under load. */
export function failoverSection(f: FailoverResult): string {
  const held = (p: boolean[]) => (p.length ? `${p.filter(Boolean).length}/${p.length}` : "–");
  // The figure a row is judged by is in bold.
  const mark = (r: FailoverRow, m: FailoverRow["measure"], text: string) => (r.measure === m && text !== "–" ? `**${text}**` : text);
  const rows = f.rows.map((r) => [
    r.label,
    `\`${r.scenario}\``,
    mark(r, "downtime", fmtSummary(r.downtime, fmtMs)),
    mark(r, "writeDowntime", fmtSummary(r.writeDowntime, fmtMs)),
    `${mark(r, "failed", fmtSummary(r.failed, fmtCount))} of ${fmtSummary(r.requests, fmtCount)}`,
    fmtSummary(r.lostWrites, fmtCount),
    held(r.passed),
    r.anchor ?? "",
  ]);
  const others = f.rows.filter((r) => r.load && r.load !== f.load);
  const issues = f.rows.flatMap((r) => grouped(r.failures).map((x) => `- ${r.label}: ${x.text}${x.times > 1 ? ` (${x.times} runs)` : ""}`));
  return [
    "## Failover and operations",
    "",
    `Measured by the experiment runner (\`stacklab experiment NAME --json\`) on a running design-3 lab: ${f.load}${others.length ? " (unless said below)" : ""}. ` +
      `*Downtime* is the longest stretch in which every request failed; *lost writes* are acknowledged writes missing from the database afterwards. ` +
      `${runsText(f.runs, "per case")}; the figure each case is judged by is in bold.`,
    "",
    mdTable(["event", "scenario", "downtime", "write downtime", "failed requests", "lost writes", "expectations held", "published figure"], rows, ["l", "l", "r", "r", "r", "r", "r", "l"]),
    ...(others.length ? ["", "Scenarios with a load of their own:", "", ...others.map((r) => `- ${r.label}: ${r.load}.`)] : []),
    ...databaseGoals(f),
    ...causes(f),
    "",
    "Published figures to read these against:",
    "",
    `- Load balancer crash: ${ANCHORS.lbFailover}.`,
    `- Load balancer clean stop: ${ANCHORS.lbStop}.`,
    `- Database primary crash: ${ANCHORS.dbFailover}.`,
    ...(issues.length ? ["", "What went wrong in some runs:", "", ...issues] : []),
    ...(f.recreated.length ? ["", "The lab was replaced by a fresh one before a case because the one before left it unable to serve:", "", ...f.recreated.map((x) => `- ${x}`)] : []),
  ].join("\n");
}

/** Memory of a running design-3 lab, per host and in all. */
export function footprintSection(f: FootprintResult): string {
  const samples = f.samples;
  const hostNames = [...new Set(samples.flatMap((s) => [...s.hosts.map((h) => h.host), s.outside.host]))];
  const find = (s: FootprintResult["samples"][number], name: string) => [...s.hosts, s.outside].find((x) => x.host === name);
  const rows = hostNames.map((name) => [
    name,
    String(samples.map((s) => find(s, name)?.processes).find((n) => n !== undefined) ?? ""),
    ...samples.flatMap((s) => {
      const h = find(s, name);
      return h ? [fmtBytes(h.rssBytes), fmtBytes(h.pssBytes)] : ["", ""];
    }),
  ]);
  rows.push([
    "**all**",
    String(samples[0] ? [...samples[0].hosts, samples[0].outside].reduce((n, h) => n + h.processes, 0) : ""),
    ...samples.flatMap((s) => [`**${fmtBytes(s.totalRssBytes)}**`, `**${fmtBytes(s.totalPssBytes)}**`]),
  ]);
  const headers = ["host", "processes", ...samples.flatMap((s) => [`RSS, ${s.when}`, `PSS, ${s.when}`])];
  const rss = Math.max(...samples.map((s) => s.totalRssBytes));
  const pss = Math.max(...samples.map((s) => s.totalPssBytes));
  return [
    "## Footprint",
    "",
    `Goal: a running design-3 lab in under 1 GiB. Largest sum of RSS measured: **${fmtBytes(rss)}** (${footprintVerdict(rss)}); ` +
      `largest sum of PSS, where a page shared by several processes counts once: **${fmtBytes(pss)}** (${footprintVerdict(pss)}).`,
    "",
    "Every process in each host's PID namespace (found through `/proc/*/ns/pid`), summed per host. " +
      "RSS counts a shared page once per process that maps it (so the sum overstates); PSS splits each shared page between the processes sharing it (so the PSS total is what the lab really takes). " +
      "*Outside the hosts* are each host's launcher and the loopback relays.",
    "",
    mdTable(headers, rows, ["l", "r", ...samples.flatMap(() => ["r", "r"] as const)]),
    ...samples
      .filter((s) => s.totalKernelBytes !== undefined)
      .map((s) => `- Counted by the kernel (the hosts' cgroups, each page once, page cache included), ${s.when}: **${fmtBytes(s.totalKernelBytes!)}**.`),
    ...(f.idle
      ? [
          "",
          `Idle CPU: with nothing to serve, the hosts used **${f.idle.cores} cores** on average over ${f.idle.seconds} s (${Math.round(f.idle.cores * 100)}% of one core; goal under 5%), by their cgroups' CPU time. ` +
            `Busiest: ${[...f.idle.hosts]
              .sort((a, b) => b.cores - a.cores)
              .slice(0, 4)
              .map((h) => `${h.host} ${Math.round(h.cores * 1000) / 10}%`)
              .join(", ")}.`,
          ...(f.idle.byProgram?.length
            ? [
                "",
                "By program (every host's processes of one program together, from their own CPU times over the same window; processes started or ended in it are left out):",
                "",
                mdTable(
                  ["program", "processes", "% of one core"],
                  f.idle.byProgram.filter((p) => p.cores >= 0.001).map((p) => [p.program, String(p.processes), (p.cores * 100).toFixed(1)]),
                  ["l", "r", "r"],
                ),
              ]
            : []),
        ]
      : []),
  ].join("\n");
}

/** The rehearsal of design 3: `stacklab rehearse` and a second ansible-playbook run. */
export function rehearsalSection(r: RehearsalResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return [
    "## Rehearsal with Ansible",
    "",
    `\`stacklab rehearse --blueprint 3\` (bare lab, export, the real ansible-playbook, then stacklab's own readiness checks), once; then ansible-playbook again on the same lab.`,
    "",
    "| step | time | changes |",
    "|---|---|---|",
    `| bare up (SSH only) | ${s(r.bareUpMs)} | |`,
    `| export (with ansible-vault) | ${s(r.exportMs)} | |`,
    `| ansible-playbook, first run | ${s(r.playbookMs)} | ${r.changedFirst} |`,
    `| whole \`rehearse\` command | ${s(r.wallMs)} | |`,
    `| ansible-playbook, second run | ${s(r.secondRunMs)} | ${r.changedSecond ?? "failed"} |`,
    ...(r.experiments?.length ? ["", ...rehearsalExperiments(r.experiments)] : []),
  ].join("\n");
}

/** The experiments on the rehearsed lab next to the same on a native design-3 lab (one run each, in turn). */
function rehearsalExperiments(list: RehearsalExperiment[]): string[] {
  const cell = (e: RehearsalExperiment | undefined) => (e ? experimentWords(e, true) : "–");
  const scenarios = [...new Set(list.map((e) => e.scenario))];
  return [
    "The built-in experiments on the rehearsed lab, then on a native design-3 lab brought up after it (one run each):",
    "",
    "| experiment | rehearsed lab | native lab |",
    "|---|---|---|",
    ...scenarios.map((sc) => `| \`${sc}\` | ${cell(list.find((e) => e.scenario === sc && e.lab === "rehearsed"))} | ${cell(list.find((e) => e.scenario === sc && e.lab === "native"))} |`),
  ];
}

/** Design 3 as root and as a normal user (rootless), in the same run: up, down and the whole path's serving speed. */
export function rootlessSection(r: RootlessResult): string {
  const s = (x: Summary | null) => (x ? `${(x.median / 1000).toFixed(2)} s` : "–");
  const rps = (x: Summary | null) => (x ? `${Math.round(x.median)} req/s` : "–");
  const q = (x: number | null) => (x === null ? "–" : `${x.toFixed(2)}×`);
  const failures = [...r.root.failures.map((f) => `root: ${f}`), ...r.rootless.failures.map((f) => `rootless: ${f}`)];
  return [
    "## Rootless labs",
    "",
    `Design 3 brought up (\`stacklab up -d\`), loaded from the user host (\`${r.load}\` through \`stacklab exec\`, whole path) and brought down, by root and by the normal user ${r.user} (through its keeper), interleaved, ${r.runs} run${r.runs > 1 ? "s" : ""} each; medians.`,
    "",
    "| | root | rootless | rootless / root |",
    "|---|---|---|---|",
    `| up | ${s(r.root.up)} | ${s(r.rootless.up)} | ${q(r.ratios.up)} |`,
    `| down | ${s(r.root.down)} | ${s(r.rootless.down)} | ${q(r.ratios.down)} |`,
    `| dynamic page, whole path | ${rps(r.root.dynamicRps)} | ${rps(r.rootless.dynamicRps)} | ${q(r.ratios.dynamic)} |`,
    `| static file, whole path | ${rps(r.root.staticRps)} | ${rps(r.rootless.staticRps)} | ${q(r.ratios.static)} |`,
    ...(failures.length ? ["", ...failures.map((f) => `- ${f}`)] : []),
  ].join("\n");
}

/** Where each dynamic request's CPU goes, host by host, and the throughput ratio those costs allow. */
function cpuPerRequestLines(s: ServingResult): string[] {
  const costed = s.targets.filter((t) => t.cpuMsPerRequest && (t.id === "path-dynamic" || t.id === "app-direct"));
  if (!costed.length) return [];
  const hosts = [...new Set(costed.flatMap((t) => Object.keys(t.cpuMsPerRequest!)))].sort();
  const total = (t: (typeof costed)[number]) => Object.values(t.cpuMsPerRequest!).reduce((a, x) => a + x.median, 0);
  const ms = (v: number | undefined) => (v === undefined ? "–" : v.toFixed(3));
  return [
    "",
    "CPU per answered request, in ms, by host: each host's cgroup CPU time during wrk, less what it burns at rest (measured for 5 s before the runs), over the answers; medians over the runs; wrk's own host included, since it shares the cores:",
    "",
    mdTable(
      ["host", ...costed.map((t) => t.label)],
      [...hosts.map((h) => [h, ...costed.map((t) => ms(t.cpuMsPerRequest![h]?.median))]), ["**all hosts**", ...costed.map((t) => `**${ms(total(t))}**`)]],
      ["l", ...costed.map(() => "r" as const)],
    ),
    ...(s.costRatios ?? []).map(
      (r) =>
        `- ${r.label}: **${fmtRatio(r.value)}**. When every process shares the same cores, answers/s follow the CPU a request costs, so this is about the highest throughput ratio the whole path can reach until a hop costs less.`,
    ),
  ];
}
