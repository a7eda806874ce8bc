// Subordinate IDs (/etc/subuid, /etc/subgid): the ranges a normal user may map into a user namespace it owns, so
// that a rootless lab's services run under their usual users (mysql, www-data...) without being the user itself.
import { existsSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";

/** One line of /etc/subuid or /etc/subgid: `owner:start:count` (owner is a name or a numeric id). */
export interface SubIdRange {
  owner: string;
  start: number;
  count: number;
}

/** IDs a lab needs mapped above 0: the Debian system users (below 1000) and `nobody` (65534). */
export const SUBIDS_NEEDED = 65536;

/** Parses the text of /etc/subuid or /etc/subgid (comments and malformed lines are skipped). */
export function parseSubIds(text: string): SubIdRange[] {
  const out: SubIdRange[] = [];
  for (const line of text.split("\n")) {
    const m = /^([^:#\s]+):(\d+):(\d+)\s*$/.exec(line.trim());
    if (m) out.push({ owner: m[1]!, start: Number(m[2]), count: Number(m[3]) });
  }
  return out;
}

/** The first range of `user` (by name or id) with at least `need` ids, as newuidmap would accept it. */
export function rangeOf(ranges: SubIdRange[], user: { name: string; id: number }, need = SUBIDS_NEEDED): SubIdRange | undefined {
  return ranges.find((r) => (r.owner === user.name || r.owner === String(user.id)) && r.count >= need);
}

/** A start for a new range of `need` ids that overlaps none of the ranges given (for the administrator's command). */
export function freeStart(ranges: SubIdRange[], need = SUBIDS_NEEDED): number {
  let start = 100_000;
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) if (r.start < start + need && start < r.start + r.count) start = r.start + r.count;
  return start;
}

/** The user this process runs as (name and ids). */
export function currentUser(): { name: string; uid: number; gid: number } {
  const u = userInfo();
  return { name: u.username, uid: u.uid, gid: u.gid };
}

/** This user's subordinate uid and gid ranges, read from /etc/subuid and /etc/subgid (undefined when missing). */
export function userSubIds(user = currentUser()): { uid?: SubIdRange; gid?: SubIdRange; suggested: { uid: number; gid: number } } {
  const read = (f: string) => (existsSync(f) ? parseSubIds(readFileSync(f, "utf8")) : []);
  const [u, g] = [read("/etc/subuid"), read("/etc/subgid")];
  const uid = rangeOf(u, { name: user.name, id: user.uid });
  const gid = rangeOf(g, { name: user.name, id: user.gid });
  return { ...(uid ? { uid } : {}), ...(gid ? { gid } : {}), suggested: { uid: freeStart(u), gid: freeStart(g) } };
}

/** The one command an administrator runs to give `user` the subordinate ids a rootless lab needs. */
export function subIdsFix(user: string, suggested: { uid: number; gid: number }): string {
  const range = (s: number) => `${s}-${s + SUBIDS_NEEDED - 1}`;
  return `usermod --add-subuids ${range(suggested.uid)} --add-subgids ${range(suggested.gid)} ${user}`;
}
