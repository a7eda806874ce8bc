// The experiment as an SVG timeline: requests per 100 ms by outcome, the fault window, steps and lab events.
import type { ExperimentReport } from "./report.js";
import { BIN_MS } from "./figures.js";

const W = 960;
const H = 340;
const M = { left: 50, right: 20, top: 46, bottom: 96 };
const COLORS = { ok: "#3a9d5d", slow: "#e0a030", failed: "#d64545", fault: "#d64545", heal: "#3a7bd5", failover: "#8e44ad", other: "#777" };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const n = (v: number) => (Math.round(v * 10) / 10).toString();

/** Renders a report's timeline as a self-contained SVG document. */
export function renderTimeline(r: ExperimentReport): string {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const bins = r.figures.timeline;
  const span = Math.max(r.durationMs, bins.length * BIN_MS);
  const x = (t: number) => M.left + (Math.max(0, Math.min(span, t)) / span) * plotW;
  const peak = Math.max(1, ...bins.map((b) => b.ok + b.slow + b.failed));
  const y = (v: number) => (v / peak) * plotH;
  const base = M.top + plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="18" font-size="14" font-weight="bold">${esc(`${r.scenario.name} on ${r.design.name}: ${r.passed ? "passed" : "failed"}`)}</text>`,
    `<text x="${M.left}" y="34" fill="#555">${esc(`downtime ${Math.round(r.figures.all.downtimeMs)} ms, ${r.figures.failed} of ${r.figures.requests} requests failed${r.writes ? `, ${r.writes.lost ?? "?"} acknowledged writes lost` : ""}`)}</text>`,
  ];
  const { faultAt, healEnd } = r.timing;
  if (faultAt !== null) {
    const end = healEnd ?? span;
    out.push(`<rect x="${n(x(faultAt))}" y="${M.top}" width="${n(Math.max(1, x(end) - x(faultAt)))}" height="${plotH}" fill="${COLORS.fault}" fill-opacity="0.08"/>`);
  }
  const bw = Math.max(1, plotW / bins.length - 1);
  for (const b of bins) {
    let top = base;
    for (const [k, v] of [
      ["ok", b.ok],
      ["slow", b.slow],
      ["failed", b.failed],
    ] as const) {
      if (!v) continue;
      const h = y(v);
      top -= h;
      out.push(
        `<rect x="${n(x(b.t))}" y="${n(top)}" width="${n(bw)}" height="${n(h)}" fill="${COLORS[k]}"><title>${esc(`+${(b.t / 1000).toFixed(1)} s: ${b.ok} ok, ${b.slow} slow, ${b.failed} failed`)}</title></rect>`,
      );
    }
  }
  out.push(`<line x1="${M.left}" y1="${base}" x2="${M.left + plotW}" y2="${base}" stroke="#333"/>`, `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${base}" stroke="#333"/>`);
  out.push(`<text x="${M.left - 6}" y="${M.top + 4}" text-anchor="end">${peak}</text>`, `<text x="${M.left - 6}" y="${base}" text-anchor="end">0</text>`);
  out.push(`<text transform="translate(14 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#555">requests per ${BIN_MS} ms</text>`);
  for (let s = 0; s * 1000 <= span; s++) {
    out.push(`<line x1="${n(x(s * 1000))}" y1="${base}" x2="${n(x(s * 1000))}" y2="${base + 4}" stroke="#333"/>`, `<text x="${n(x(s * 1000))}" y="${base + 15}" text-anchor="middle">${s} s</text>`);
  }
  // Markers: the run's steps, and the lab's own events (failovers above all) during the run.
  const marks = [
    ...r.steps.map((s) => ({ t: s.startedAt ?? s.at, label: s.text, color: s.action === "heal" || s.action === "start" ? COLORS.heal : COLORS.fault })),
    ...r.events.filter((e) => e.kind === "failover" || e.kind === "alert").map((e) => ({ t: e.t, label: e.message, color: COLORS.failover })),
  ].filter((m) => m.t >= 0 && m.t <= span);
  marks.forEach((m, i) => {
    const mx = n(x(m.t));
    out.push(`<line x1="${mx}" y1="${M.top}" x2="${mx}" y2="${base}" stroke="${m.color}" stroke-dasharray="4 3"/>`);
    out.push(
      `<text x="${mx}" y="${base + 30 + (i % 4) * 13}" fill="${m.color}" text-anchor="${x(m.t) > W - 200 ? "end" : "start"}">${esc(`+${(m.t / 1000).toFixed(2)} s ${m.label}`.slice(0, 70))}</text>`,
    );
  });
  const legend = [
    ["ok", "answered"],
    ["slow", `slower than ${r.load.slowMs} ms`],
    ["failed", "failed"],
    ["failover", "failover event"],
  ] as const;
  legend.forEach(([k, label], i) => {
    const lx = W - M.right - 520 + i * 130;
    out.push(`<rect x="${lx}" y="8" width="10" height="10" fill="${COLORS[k]}"/><text x="${lx + 14}" y="17">${esc(label)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
