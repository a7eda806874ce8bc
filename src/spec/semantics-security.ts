// Security checks of a design: nothing in the spec may publish the database to the visitors' side,
// and every extra flow of firewall.allow names ends that exist and that the network can carry.
import type { Stack } from "./schema.js";
import type { RawProblem } from "./errors.js";
import { expandServers } from "./hosts.js";
import { allowFlowId, allowTargets, dbHostNames, DERIVED_FLOW_IDS, exposedDatabases, publicHosts, resolveAllowEnd, VISITORS } from "./firewall-allow.js";
import { nearest } from "./suggest.js";

type Add = (at: RawProblem["at"], message: string, onKey?: boolean) => void;

/** Adds a problem for every part of the spec that would expose a database server to visitors or open an impossible flow. */
export function checkSecurity(stack: Stack, add: Add): void {
  checkRecords(stack, add);
  checkAllow(stack, add);
}

function checkRecords(stack: Stack, add: Add): void {
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

/** What an end may name, for messages: the design's roles, then its hosts. */
function endChoices(stack: Stack): { roles: string[]; hosts: string[] } {
  const targets = allowTargets(stack);
  return { roles: [...new Set(targets.flatMap((t) => t.roles))], hosts: targets.map((t) => t.name) };
}

function unknownEnd(stack: Stack, word: string, side: "from" | "to"): string {
  const { roles, hosts } = endChoices(stack);
  const candidates = side === "from" ? [VISITORS, ...roles, ...hosts] : [...roles, ...hosts];
  const guess = nearest(word, candidates);
  const known = ["lb", "web", "app", "db", "monitor"].includes(word) ? `this design has no host with role ${word}` : `"${word}" is neither a role of this design nor one of its hosts`;
  return `${known} (roles: ${roles.join(", ")}${side === "from" ? `, or ${VISITORS} for visitors` : ""}; hosts: ${hosts.join(", ")})${guess ? `; did you mean "${guess}"?` : ""}`;
}

function checkAllow(stack: Stack, add: Add): void {
  const rules = stack.firewall.allow;
  if (!rules.length) return;
  if (stack.firewall.policy !== "default-deny") {
    add(["firewall", "allow"], "lists flows to let through, but firewall.policy is none: without firewalls every port is open already; set firewall.policy: default-deny", true);
    return;
  }
  const ids = new Map<string, number>();
  rules.forEach((rule, i) => {
    const at = ["firewall", "allow", i];
    const id = allowFlowId(rule, i);
    if (DERIVED_FLOW_IDS.includes(id)) add([...at, "name"], `"${id}" is the name of a flow stacklab derives itself; pick another name`);
    else if (ids.has(id)) add([...at, rule.name ? "name" : "from"], `flow "${id}" is declared twice (also firewall.allow[${ids.get(id)}]); give each flow its own name`);
    ids.set(id, i);

    if (rule.to === VISITORS) {
      add([...at, "to"], `"${VISITORS}" stands for visitors from anywhere: they only open connections, and run no firewall to open; name a role or host of the design`);
      return;
    }
    const from = resolveAllowEnd(stack, rule.from);
    const to = resolveAllowEnd(stack, rule.to);
    if (!from) add([...at, "from"], unknownEnd(stack, rule.from, "from"));
    if (!to) add([...at, "to"], unknownEnd(stack, rule.to, "to"));
    if (!from || !to) return;
    if (from.hosts.length === 1 && to.hosts.length === 1 && from.hosts[0] === to.hosts[0]) {
      add([...at, "to"], `${from.hosts[0]} to itself goes over loopback, which every firewall already accepts; this flow opens nothing`);
      return;
    }
    if (from.role !== "user") return;
    const reachable = new Set(publicHosts(stack));
    const hidden = to.hosts.filter((h) => !reachable.has(h));
    if (hidden.length) {
      add(
        [...at, "to"],
        `visitors can only reach the entry hosts (${[...reachable].join(", ")}); ${hidden.join(", ")} ${hidden.length > 1 ? "are" : "is"} on the private network only, so this flow could never be used`,
      );
      return;
    }
    const dbs = exposedDatabases(to, rule.port, dbHostNames(stack));
    if (dbs.length && rule.acceptRisk === undefined) {
      add(
        [...at, "from"],
        `would open port ${rule.port} of database host${dbs.length > 1 ? "s" : ""} ${dbs.join(", ")} to visitors from anywhere, letting them try MariaDB without going through the app; keep the database private, or, if you must, add acceptRisk: "<why>" and plan reports it as a high finding`,
      );
    }
  });
}
