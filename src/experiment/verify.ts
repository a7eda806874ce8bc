// After healing: read the run's writes back from the database primary, to find acknowledged writes that were lost.
import type { Model } from "../model/types.js";
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
