// Security checks of a design: nothing in the spec may publish the database to the visitors' side.
import type { Stack } from "./schema.js";
import type { RawProblem } from "./errors.js";
import { expandServers } from "./hosts.js";

type Add = (at: RawProblem["at"], message: string, onKey?: boolean) => void;

/** Adds a problem for every part of the spec that would expose a database server to visitors. */
export function checkSecurity(stack: Stack, add: Add): void {
  const dbOnly = new Set(
    expandServers(stack.servers)
      .filter((s) => s.roles.includes("db") && !s.roles.includes("web"))
      .map((s) => s.name),
  );
  stack.dns.records.forEach((r, i) => {
    if (r.type !== "A" || !dbOnly.has(r.target)) return;
    const fqdn = r.name === "@" ? stack.domain : `${r.name}.${stack.domain}`;
    add(
      ["dns", "records", i, "target"],
      `"${r.target}" is a database server: an A record would give it a public name (${fqdn}) and send visitors straight to MariaDB; point the record at entry or at a web server`,
    );
  });
}
