// Judges a write loop's record: availability, the longest outage, and acknowledged writes missing from the database.
import type { WriteOp } from "./write-loop.js";

/** What a write loop shows about a failover. */
export interface WriteVerdict {
  writes: number;
  acknowledged: number;
  failed: number;
  unknown: number;
  /** Acknowledged writes not found in the database (id and message checked together). */
  lost: { seq: number; id: number; message: string }[];
  /** Longest stretch without an acknowledged write, measured between acknowledgements (ms). */
  longestGapMs: number;
  /** From `faultAt` to the first write started after it that was acknowledged, then to its acknowledgement (ms). */
  resumedAfterMs: number | null;
  resumedAckAfterMs: number | null;
  primaries: string[];
}

/** Compares a write record with the rows found in the database (`rows`: id -> message). */
export function judgeWrites(ops: WriteOp[], rows: Map<number, string>, faultAt?: number): WriteVerdict {
  const acked = ops.filter((o) => o.outcome === "ok");
  const lost = acked.filter((o) => rows.get(o.id!) !== o.message).map((o) => ({ seq: o.seq, id: o.id!, message: o.message }));
  const ends = acked.map((o) => o.end).sort((a, b) => a - b);
  let longestGapMs = 0;
  for (let i = 1; i < ends.length; i++) longestGapMs = Math.max(longestGapMs, ends[i]! - ends[i - 1]!);
  const after = faultAt === undefined ? undefined : acked.filter((o) => o.start >= faultAt).sort((a, b) => a.start - b.start)[0];
  return {
    writes: ops.length,
    acknowledged: acked.length,
    failed: ops.filter((o) => o.outcome === "failed").length,
    unknown: ops.filter((o) => o.outcome === "unknown").length,
    lost,
    longestGapMs,
    resumedAfterMs: after && faultAt !== undefined ? after.start - faultAt : null,
    resumedAckAfterMs: after && faultAt !== undefined ? after.end - faultAt : null,
    primaries: [...new Set(acked.map((o) => o.primary ?? "?"))],
  };
}
