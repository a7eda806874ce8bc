// MariaDB GTID positions ("0-1-105,1-2-7"): parsing, and comparing how far two servers got.

/** The last transaction of one replication domain: who wrote it and its sequence number. */
export interface DomainPos {
  server: number;
  seq: number;
}

/** A GTID position: the last transaction per domain. */
export type GtidPos = Map<number, DomainPos>;

/** How position `a` relates to position `b`. */
export type GtidOrder = "equal" | "ahead" | "behind" | "diverged";

/** Parses a GTID position as MariaDB prints it (`@@gtid_binlog_pos`); empty text is the empty position. */
export function parseGtid(text: string): GtidPos {
  const pos: GtidPos = new Map();
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\d+)-(\d+)-(\d+)$/.exec(part);
    if (!m) throw new Error(`not a GTID: "${part}"`);
    pos.set(Number(m[1]), { server: Number(m[2]), seq: Number(m[3]) });
  }
  return pos;
}

/** Formats a position back to MariaDB's text, domains in ascending order. */
export function formatGtid(pos: GtidPos): string {
  return [...pos.entries()]
    .sort(([a], [b]) => a - b)
    .map(([d, p]) => `${d}-${p.server}-${p.seq}`)
    .join(",");
}

/**
 * Compares two positions domain by domain. "diverged" when each is ahead somewhere, or when both
 * stop at the same sequence number written by different servers (two histories of the same length).
 */
export function compareGtid(a: GtidPos | string, b: GtidPos | string): GtidOrder {
  const pa = typeof a === "string" ? parseGtid(a) : a;
  const pb = typeof b === "string" ? parseGtid(b) : b;
  let ahead = false;
  let behind = false;
  for (const domain of new Set([...pa.keys(), ...pb.keys()])) {
    const x = pa.get(domain);
    const y = pb.get(domain);
    const sx = x?.seq ?? 0;
    const sy = y?.seq ?? 0;
    if (sx > sy) ahead = true;
    else if (sx < sy) behind = true;
    else if (x && y && x.server !== y.server) return "diverged";
  }
  if (ahead && behind) return "diverged";
  return ahead ? "ahead" : behind ? "behind" : "equal";
}

/** True when `a` has at least every transaction `b` has (equal or ahead). */
export function gtidCovers(a: GtidPos | string, b: GtidPos | string): boolean {
  const order = compareGtid(a, b);
  return order === "equal" || order === "ahead";
}

/** How many transactions `a` is ahead of `b`, summed over domains (0 when not ahead). */
export function gtidDistance(a: GtidPos | string, b: GtidPos | string): number {
  const pa = typeof a === "string" ? parseGtid(a) : a;
  const pb = typeof b === "string" ? parseGtid(b) : b;
  let n = 0;
  for (const [domain, x] of pa) n += Math.max(0, x.seq - (pb.get(domain)?.seq ?? 0));
  return n;
}

/** The furthest position of several (per domain, the highest sequence number). */
export function gtidMax(...positions: (GtidPos | string)[]): GtidPos {
  const out: GtidPos = new Map();
  for (const p of positions) {
    const pos = typeof p === "string" ? parseGtid(p) : p;
    for (const [d, x] of pos) if ((out.get(d)?.seq ?? -1) < x.seq) out.set(d, x);
  }
  return out;
}
