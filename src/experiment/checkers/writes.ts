// Jepsen's rule for writes: only acknowledged writes must survive. A write whose answer never came is
// indeterminate: counted apart, never as lost or as kept.
import type { Operation } from "../operations.js";

/** What became of the run's writes. */
export interface WriteCheck {
  /** Writes answered with a committed id. */
  acknowledged: number;
  /** Acknowledged writes missing from the database (or stored under another id); null when the database could not be read. */
  lost: number | null;
  /** The lost writes themselves. */
  lostWrites: { id: number; key: string; start: number }[];
  /** Writes that certainly did not run: never sent, refused (4xx), or the app said it did not run them. */
  failed: number;
  /** Writes whose outcome is unknown: sent, but no answer, or an error from a proxy in between. */
  indeterminate: number;
  /** Of the indeterminate writes, how many are in the database after all (null when it could not be read). */
  indeterminateCommitted: number | null;
  /** The database host the writes were checked on. */
  checkedOn: string | null;
}

/** How one write ended, from the client's side only. */
export function writeOutcome(o: Operation): "acknowledged" | "failed" | "indeterminate" {
  if (o.ok && o.id !== undefined) return "acknowledged";
  if (o.sent === false) return "failed";
  if (o.status !== null && o.status >= 400 && o.status < 500) return "failed";
  if (o.maybeExecuted === false) return "failed";
  return "indeterminate";
}

/** Checks the run's writes against what the database holds (`stored`: the run's messages -> ids; null when unreadable). */
export function checkWrites(ops: readonly Operation[], stored: ReadonlyMap<string, number> | null, checkedOn: string | null): WriteCheck {
  const writes = ops.filter((o) => o.op === "write");
  const by = { acknowledged: [] as Operation[], failed: [] as Operation[], indeterminate: [] as Operation[] };
  for (const w of writes) by[writeOutcome(w)].push(w);
  const lostWrites = stored ? by.acknowledged.filter((w) => w.key === undefined || stored.get(w.key) !== w.id).map((w) => ({ id: w.id!, key: w.key ?? "", start: w.start })) : [];
  return {
    acknowledged: by.acknowledged.length,
    lost: stored ? lostWrites.length : null,
    lostWrites,
    failed: by.failed.length,
    indeterminate: by.indeterminate.length,
    indeterminateCommitted: stored ? by.indeterminate.filter((w) => w.key !== undefined && stored.has(w.key)).length : null,
    checkedOn,
  };
}
