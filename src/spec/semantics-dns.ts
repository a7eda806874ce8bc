// Checks the zone: every record points somewhere real, CNAMEs stay in the zone and never loop, users can find www.
import type { Stack } from "./schema.js";
import type { RawProblem } from "./errors.js";

type Add = (at: RawProblem["at"], message: string, onKey?: boolean) => void;

/** Adds a problem for every record of the zone that cannot be served as written. */
export function checkDns(stack: Stack, hostNames: ReadonlySet<string>, add: Add): void {
  const { domain } = stack;
  const records = stack.dns.records;
  const names = new Set(records.map((r) => r.name));
  const aliases = new Map<string, { target: string; index: number }>();

  records.forEach((r, i) => {
    const at = ["dns", "records", i];
    const same = records.findIndex((o) => o.name === r.name && o.type === r.type && o.target === r.target);
    if (same < i) add(at, `repeats dns.records[${same}]; remove one of them`);
    else if (r.type === "CNAME" && records.some((o, k) => k !== i && o.name === r.name)) {
      add([...at, "name"], `"${r.name}" is a CNAME and has other records too; a CNAME must be the only record of its name`);
    }
    if (r.type === "A") {
      if (r.target !== "entry" && !hostNames.has(r.target)) {
        add([...at, "target"], `"${r.target}" is neither "entry" (the design's entry point) nor a host of this design (${[...hostNames].join(", ")})`);
      }
      return;
    }
    if (r.name === "@") add([...at, "name"], "the domain itself (@) cannot be a CNAME, since it also carries the zone's SOA and NS records; use an A record");
    const target = zoneName(r.target, domain);
    if (r.target === "@") add([...at, "target"], `write "${domain}" to alias the domain itself`);
    else if (target === undefined) add([...at, "target"], `"${r.target}" is outside the zone ${domain}; the lab's DNS server only answers for its own zone`);
    else if (!names.has(target)) {
      const hint = r.target === "entry" ? "; a CNAME needs a target: another name of the zone, such as www" : ` (names: ${[...names].join(", ")})`;
      add([...at, "target"], `"${r.target}" is not a name in the zone ${domain}${hint}`);
    } else if (!aliases.has(r.name)) aliases.set(r.name, { target, index: i });
  });

  for (const loop of cnameLoops(aliases)) {
    add(["dns", "records", loop.index, "target"], `CNAMEs point at each other in a loop (${loop.names.join(" -> ")}); one of them must be an A record`);
  }
  if (!names.has("www")) add(["dns", "records"], `no record for www.${domain}: users could not reach the site by its name; add {name: www}`, true);
}

/** The name inside the zone a CNAME target means (`www`, `www.foobar.com.`, `foobar.com` -> `@`), or undefined when outside it. */
function zoneName(target: string, domain: string): string | undefined {
  const t = target.replace(/\.$/, "");
  if (t === domain) return "@";
  if (t.endsWith(`.${domain}`)) return t.slice(0, -domain.length - 1);
  return t.includes(".") ? undefined : t;
}

/** Each CNAME loop once, reported at its first record. */
function cnameLoops(aliases: ReadonlyMap<string, { target: string; index: number }>): { index: number; names: string[] }[] {
  const loops: { index: number; names: string[] }[] = [];
  const done = new Set<string>();
  for (const start of aliases.keys()) {
    const path: string[] = [];
    let name: string | undefined = start;
    while (name !== undefined && aliases.has(name) && !path.includes(name) && !done.has(name)) {
      path.push(name);
      name = aliases.get(name)!.target;
    }
    if (name !== undefined && path.includes(name)) {
      const cycle = path.slice(path.indexOf(name));
      const index = Math.min(...cycle.map((n) => aliases.get(n)!.index));
      loops.push({ index, names: [...cycle, name] });
    }
    path.forEach((n) => done.add(n));
  }
  return loops;
}
