// The benchmark's capacity figures as Markdown and as summary lines: the seeds' claims with their ratios, and the
// model's predicted against measured saturation. Pure.
import { mdTable } from "./table.js";
import type { CapacityBenchResult } from "./types.js";

const rate = (n: number | null) => (n === null ? "–" : `${n} req/s`);

export function capacitySection(c: CapacityBenchResult): string {
  const s = c.search;
  const lines = [
    "## Saturation, the seeds' claims and the capacity model",
    "",
    `Open-loop load from the \`user\` host (page reads and ${Math.round(s.writeShare * 100)}% writes), steps of ${s.stepMs / 1000} s from ${s.startRate} req/s ×${s.factor}, then ${s.bisectSteps} bisection steps; a step fails past a p99 of ${s.p99Ms} ms, 1% errors, or fewer than 90% of the offered requests answered. Every server has a size (docs/capacity.md); each ratio compares configurations measured in this run.`,
    "",
    mdTable(
      ["claim", "configuration", "sustained", "binds", "verdict"],
      c.claims.flatMap((r) =>
        r.configs.map((cfg, i) => [
          i === 0 ? r.name : "",
          cfg.label,
          rate(cfg.sustainable),
          cfg.bottleneck ? `${cfg.bottleneck.tier} (${Math.round(cfg.bottleneck.utilisation * 100)}%)` : "–",
          i === 0 ? `${r.passed ? "**pass**" : "**FAIL**"}: ${r.why}` : "",
        ]),
      ),
    ),
  ];
  if (c.verify) {
    lines.push(
      "",
      `The capacity model (\`stacklab capacity --verify\`): each tier's CPU per request measured at a light and a moderate load, the saturation the queueing model predicts from it, and the saturation the search measures on the same lab, within ${c.verify.tolerancePct}%.`,
      "",
      mdTable(
        ["configuration", "cores", "predicted", "measured", "error", ""],
        c.verify.rows.map((r) => [
          r.label,
          String(r.cores),
          rate(r.predicted),
          rate(r.measured),
          r.errorPct === null ? "–" : `${r.errorPct > 0 ? "+" : ""}${r.errorPct}%`,
          r.fits ? (r.within ? "within" : (r.note ?? "**outside**")) : (r.note ?? "not checked here"),
        ]),
        ["l", "r", "r", "r", "r", "l"],
      ),
    );
  }
  return lines.join("\n");
}

export function capacitySummary(c: CapacityBenchResult): string[] {
  const out = c.claims.map((r) => `  claim ${r.name.padEnd(11)}  ${r.passed ? "pass" : "FAIL"}: ${r.why}`);
  for (const r of c.verify?.rows ?? [])
    if (r.fits) out.push(`  model ${r.label}: predicted ${rate(r.predicted)}, measured ${rate(r.measured)}${r.errorPct === null ? "" : ` (${r.errorPct > 0 ? "+" : ""}${r.errorPct}%)`}`);
  return out;
}
