// One experiment of the rehearsal group in a few words: for the closing lines (text) and docs/BENCHMARKS.md (markdown).
import type { RehearsalExperiment } from "./types.js";

export function experimentWords(e: RehearsalExperiment, markdown = false): string {
  const none = markdown ? "–" : "-";
  if (e.passed === null) return `${markdown ? "" : `${e.scenario} gave `}no report (${e.error ?? "?"})`;
  const ms = (v: number | null) => (v === null ? none : `${Math.round(v)} ms`);
  const verdict = e.passed ? "passed" : markdown ? "**failed**" : "FAILED";
  const figures = `down ${ms(e.downtimeMs)} (writes ${ms(e.writeDowntimeMs)}), ${e.failedRequests ?? none}/${e.requests ?? none} failed, ${e.lostWrites ?? none} lost`;
  return markdown ? `${verdict}: ${figures}` : `${e.scenario} ${verdict}, ${figures}`;
}
