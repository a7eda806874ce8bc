// Figures a run was meant to give and did not, each with the reason, for the report's "not measured" list.
import type { BenchResults, Missing } from "./types.js";

const first = (failures: readonly string[]) => failures[0] ?? "no run produced it";

/** Lists every figure of the results that is empty, and why. */
export function findGaps(r: Pick<BenchResults, "lifecycle" | "serving" | "failover" | "footprint" | "references">): Missing[] {
  const out: Missing[] = [];
  for (const f of r.references?.failures ?? []) out.push({ what: `reference: ${f.split(":")[0]}`, why: f.split(":").slice(1).join(":").trim() });
  for (const row of [...(r.lifecycle?.designs ?? []), ...(r.lifecycle?.generated ?? [])]) {
    if (!row.up) out.push({ what: `bring-up of ${row.label}`, why: first(row.failures) });
    if (!row.down) out.push({ what: `tear-down of ${row.label}`, why: row.leftovers.length ? `\`down\` left ${row.leftovers.join(", ")}` : first(row.failures) });
  }
  if (r.lifecycle && !r.lifecycle.fit.up) out.push({ what: "growth with lab size", why: "fewer than two generated sizes came up" });
  for (const t of r.serving?.targets ?? []) if (!t.rps) out.push({ what: `serving: ${t.label}`, why: first(t.failures) });
  for (const row of r.failover?.rows ?? []) {
    const judged = row.measure === "failed" ? row.failed : row.measure === "downtime" ? row.downtime : row.writeDowntime;
    if (!judged) out.push({ what: `failover: ${row.label}`, why: first(row.failures) });
    else if (row.id === "db-crash" && !row.lostWrites)
      out.push({
        what: "failover: lost writes after a database primary crash",
        why: row.notes.find((n) => /writes could not be checked/.test(n)) ?? "the runner could not read the database after the run",
      });
  }
  return out;
}
