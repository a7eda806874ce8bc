// The few lines `npm run bench` prints at the end: the headline figures next to their goals.
import { downVerdict, footprintVerdict, upVerdict } from "./goals.js";
import { capacitySummary } from "./capacity-section.js";
import { isNoisy } from "./markdown.js";
import { issueGoals, metText } from "./issue-goals.js";
import { experimentWords } from "./rehearsal-words.js";
import { isPartial } from "./args.js";
import { fmtBytes, fmtCount, fmtDuration, fmtLatency, fmtMs, fmtRatio } from "./table.js";
import type { BenchResults } from "./types.js";

/** Headline figures as plain text. */
export function summaryText(r: BenchResults): string {
  const lines = [
    `stacklab benchmark (${r.mode}${isPartial(r.groups) ? `, only ${r.groups!.join(", ")}` : ""}) in ${fmtDuration(r.durationMs)}${isNoisy(r) ? `, NOISY: load ${r.noise.loadStart} -> ${r.noise.loadEnd}, other labs: ${r.noise.otherLabs.join(", ") || "none"}` : ""}`,
  ];
  const d3 = r.lifecycle?.designs.find((d) => d.label.startsWith("3"));
  if (d3?.up) lines.push(`  design 3 up      ${fmtMs(d3.up.median)}  (${upVerdict(d3.up.median)})`);
  if (d3?.down) lines.push(`  design 3 down    ${fmtMs(d3.down.median)}  (${downVerdict(d3.down.median)})`);
  const fit = r.lifecycle?.fit.up;
  if (fit) lines.push(`  up per host      ${fmtMs(fit.slope)}  (${fit.points < 3 ? "two sizes only: no verdict on linearity" : `${fit.verdict}, r² ${fit.r2.toFixed(3)}`})`);
  for (const t of r.serving?.targets ?? []) if (t.rps && t.p99) lines.push(`  ${t.id.padEnd(15)}  ${fmtCount(t.rps.median)} req/s, p99 ${fmtLatency(t.p99.median)}`);
  for (const x of r.serving?.ratios ?? []) lines.push(`  ${x.label}: ${fmtRatio(x.value)}`);
  for (const f of r.failover?.rows ?? []) {
    const v =
      f.measure === "failed"
        ? f.failed
          ? `${fmtCount(f.failed.median)} failed requests`
          : "–"
        : f.measure === "downtime"
          ? f.downtime
            ? `downtime ${fmtMs(f.downtime.median)}`
            : "–"
          : f.writeDowntime
            ? `write downtime ${fmtMs(f.writeDowntime.median)}`
            : "–";
    lines.push(`  ${f.id.padEnd(15)}  ${v}${f.lostWrites ? `, ${fmtCount(f.lostWrites.median)} lost writes` : ""}`);
  }
  const fp = r.footprint?.samples;
  if (fp?.length) {
    const worst = Math.max(...fp.map((s) => s.totalRssBytes));
    lines.push(`  footprint        ${fmtBytes(worst)} RSS, ${fmtBytes(Math.max(...fp.map((s) => s.totalPssBytes)))} PSS  (${footprintVerdict(worst)})`);
  }
  if (r.capacity) lines.push(...capacitySummary(r.capacity));
  const rl = r.rootless;
  if (rl) {
    const pair = (a: { median: number } | null, b: { median: number } | null, f: (x: number) => string) => `${a ? f(a.median) : "–"} root, ${b ? f(b.median) : "–"} rootless`;
    lines.push(`  rootless up      ${pair(rl.root.up, rl.rootless.up, fmtMs)}  (rootless / root ${fmtRatio(rl.ratios.up)})`);
    lines.push(`  rootless down    ${pair(rl.root.down, rl.rootless.down, fmtMs)}  (rootless / root ${fmtRatio(rl.ratios.down)})`);
    lines.push(
      `  rootless serving dynamic ${pair(rl.root.dynamicRps, rl.rootless.dynamicRps, fmtCount)} req/s (${fmtRatio(rl.ratios.dynamic)}); static ${pair(rl.root.staticRps, rl.rootless.staticRps, fmtCount)} req/s (${fmtRatio(rl.ratios.static)})`,
    );
  }
  const rh = r.rehearsal;
  if (rh) {
    lines.push(
      `  rehearsal        design 3 in ${fmtMs(rh.wallMs)} (playbook ${fmtMs(rh.playbookMs)}, ${rh.changedFirst} changes); second run ${fmtMs(rh.secondRunMs)}, ${rh.changedSecond ?? "failed"} changes`,
    );
    for (const e of rh.experiments ?? []) lines.push(`  rehearsal ${e.lab.padEnd(9)} ${experimentWords(e)}`);
  }
  for (const g of issueGoals(r)) lines.push(`  goal: ${g.goal}: ${g.figure} / ${g.reference} = ${g.ratio} (${g.target}: ${metText(g.met)})`);
  if (r.missing.length) lines.push(`  not measured: ${r.missing.map((m) => m.what).join("; ")}`);
  return lines.join("\n");
}
