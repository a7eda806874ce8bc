// The path graph compiled to arrays and bit masks, so thousands of failure states can be checked quickly.
import type { PathGraph } from "./paths.js";

/** A path graph where hosts are bits: bit i set in `down` means host i is down. */
export interface CompiledPaths {
  /** Per node: mask of hosts of which at least one must be up (0 = always alive). */
  needsAny: number[];
  /** Outgoing edges per node: [target node, mask of hosts that must all be up, mask of a quorum's hosts, how many of them must be up]. */
  out: [number, number, number, number][][];
  start: number;
  read: number;
  write: number;
  /** Scratch space reused by every check. */
  seen: Uint8Array;
  stack: Int32Array;
}

/** Compiles a graph for the given hosts (at most 30). Hosts not listed are taken as always up. */
export function compilePaths(graph: PathGraph, hosts: string[]): CompiledPaths {
  const bit = (h: string) => {
    const i = hosts.indexOf(h);
    return i < 0 ? 0 : 1 << i;
  };
  const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const needsAny = graph.nodes.map((n) => {
    if (n.stage === "entry") return n.holders!.length ? n.holders!.reduce((m, h) => m | bit(h), 0) || -1 : -2;
    return n.host ? bit(n.host) || -1 : -1;
  });
  const out: [number, number, number, number][][] = graph.nodes.map(() => []);
  for (const e of graph.edges) {
    // quorum hosts not listed count as always up: they lower the number still needed
    const listed = e.quorum ? e.quorum.hosts.filter((h) => bit(h) !== 0) : [];
    const need = e.quorum ? Math.max(0, e.quorum.need - (e.quorum.hosts.length - listed.length)) : 0;
    out[index.get(e.from)!]!.push([index.get(e.to)!, e.requires ? bit(e.requires) : 0, listed.reduce((m, h) => m | bit(h), 0), need]);
  }
  const n = graph.nodes.length;
  return { needsAny, out, start: index.get("user")!, read: index.get("read")!, write: index.get("write")!, seen: new Uint8Array(n), stack: new Int32Array(n) };
}

/** Whether a read and a write get through when the hosts in the `down` mask are down. */
export function reachesGoals(c: CompiledPaths, down: number): { read: boolean; write: boolean } {
  const { seen, stack, needsAny } = c;
  seen.fill(0);
  let top = 0;
  stack[top++] = c.start;
  seen[c.start] = 1;
  while (top > 0) {
    const i = stack[--top]!;
    for (const [j, requires, quorum, quorumNeed] of c.out[i]!) {
      if (seen[j] || (requires & down) !== 0) continue;
      if (quorumNeed > 0 && popcount(quorum & ~down) < quorumNeed) continue;
      const need = needsAny[j]!;
      if (need === -2 || (need !== -1 && (need & ~down) === 0)) continue;
      seen[j] = 1;
      stack[top++] = j;
    }
  }
  return { read: seen[c.read] === 1, write: seen[c.write] === 1 };
}

function popcount(m: number): number {
  let n = 0;
  for (let x = m; x !== 0; x &= x - 1) n++;
  return n;
}
