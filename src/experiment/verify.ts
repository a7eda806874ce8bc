// After healing: read the run's writes back from the database primary, to find acknowledged writes that were lost.
import type { Model } from "../model/types.js";
import type { Operation } from "./operations.js";
import { liveRoles } from "./targets.js";
import { sql } from "../runtime/replication.js";
import { DB_NAME } from "../runtime/services/mariadb-init.js";
import { isAlive, type LabState } from "../runtime/state.js";

/** The run's entries on a database host: message -> id; null when the host cannot be read. */
export async function storedWrites(state: LabState, host: string, author: string): Promise<Map<string, number> | null> {
  const h = state.hosts.find((x) => x.name === host);
  if (!h || !isAlive(h.init) || !/^[A-Za-z0-9-]+$/.test(author)) return null;
  try {
    const out = await sql(h.init!.pid, `SELECT id, message FROM ${DB_NAME}.entries WHERE author = '${author}';`, { timeoutMs: 10_000 });
    const rows = new Map<string, number>();
    for (const line of out.split("\n").filter(Boolean)) {
      const [id, message] = line.split("\t");
      if (id && message) rows.set(message, Number(id));
    }
    return rows;
  } catch {
    return null;
  }
}

/** True when the design runs the demo app, whose entries table the writes go to. */
export function writesCheckable(model: Model): boolean {
  return model.app.type === "demo" && model.database.primary !== null;
}

/** Where the run's writes are now: on the primary; with no writable host (a crashed primary may come back
 * read-only until a person acts), on every database host, a write counting as present when any holds it. */
export async function findWrites(state: LabState, model: Model, author: string, ops: readonly Operation[]): Promise<{ stored: Map<string, number> | null; checkedOn: string | null; notes: string[] }> {
  const live = await liveRoles(state, model);
  const notes: string[] = [];
  if (live.primary) {
    if (live.writable.length > 1) notes.push(`several database hosts accept writes (${live.writable.join(", ")}): checked on ${live.primary}`);
    const stored = await storedWrites(state, live.primary, author);
    if (!stored) notes.push(`the writes could not be checked: ${live.primary} could not be read`);
    return { stored, checkedOn: live.primary, notes };
  }
  const dbs = model.hosts.filter((h) => h.roles.includes("db")).map((h) => h.name);
  const per = await Promise.all(dbs.map(async (h) => ({ host: h, rows: await storedWrites(state, h, author) })));
  const readable = per.filter((p): p is { host: string; rows: Map<string, number> } => p.rows !== null);
  if (!readable.length) return { stored: null, checkedOn: null, notes: ["the writes could not be checked: no database host could be read"] };
  const union = new Map<string, number>();
  for (const p of readable) for (const [k, v] of p.rows) if (!union.has(k)) union.set(k, v);
  notes.push(`no database host accepts writes after the heal: the writes were checked on ${readable.map((p) => p.host).join(", ")}, and one counts as lost only when none holds it`);
  const acked = ops.filter((o) => o.op === "write" && o.ok && o.key !== undefined && union.get(o.key) === o.id);
  for (const p of readable) {
    const lacking = acked.filter((o) => p.rows.get(o.key!) !== o.id);
    if (lacking.length)
      notes.push(
        `${p.host} lacks ${lacking.length} acknowledged write(s) another database host holds (ids ${lacking
          .slice(0, 10)
          .map((o) => o.id)
          .join(", ")}): the servers have diverged`,
      );
  }
  return { stored: union, checkedOn: readable.map((p) => p.host).join(", "), notes };
}
