// "Did you mean": the known key or value closest to a misspelt one, from the schema itself plus a few synonyms.
import { distance } from "fastest-levenshtein";
import { StackSpec } from "./schema.js";

type AnyDef = {
  type?: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  element?: unknown;
  options?: unknown[];
  in?: unknown;
  entries?: Record<string, unknown>;
};

function defOf(schema: unknown): AnyDef {
  return ((schema as { _zod?: { def?: AnyDef } })._zod?.def ?? {}) as AnyDef;
}

/** The schemas at a path of the spec, unwrapped (unions give all their options). */
function schemasAt(path: readonly PropertyKey[]): unknown[] {
  let nodes: unknown[] = [StackSpec];
  for (const part of path) {
    nodes = nodes
      .flatMap((n) => unwrap(n))
      .flatMap((n) => {
        const def = defOf(n);
        if (typeof part === "number") return def.type === "array" ? [def.element] : [];
        const child = def.shape?.[String(part)];
        return child ? [child] : [];
      });
  }
  return nodes.flatMap((n) => unwrap(n));
}

/** Keys an object schema accepts at a path of the spec (unions give the union of their options' keys). */
export function keysAt(path: readonly PropertyKey[]): string[] {
  return [...new Set(schemasAt(path).flatMap((n) => Object.keys(defOf(n).shape ?? {})))];
}

/** For a word written where a mapping belongs (`tls: terminate`): the mapping it likely stands for (`tls: {mode: terminate}`); "" when none. */
export function shorthandHint(path: readonly (string | number)[], word: unknown): string {
  const last = path[path.length - 1];
  if (typeof last !== "string") return "";
  if (word === true) return `write ${last}: {} to take the defaults`;
  if (typeof word !== "string") return "";
  for (const node of schemasAt(path)) {
    for (const [field, child] of Object.entries(defOf(node).shape ?? {})) {
      const values = unwrap(child).flatMap((c) => Object.keys(defOf(c).entries ?? {}));
      if (values.includes(word)) return `write ${last}: {${field}: ${word}}`;
    }
  }
  return "";
}

function unwrap(schema: unknown): unknown[] {
  const def = defOf(schema);
  if (def.type === "union" && def.options) return def.options.flatMap((o) => unwrap(o));
  if (def.type === "pipe" && def.in) return unwrap(def.in);
  if (def.innerType) return unwrap(def.innerType);
  return [schema];
}

/** The candidate nearest to `word`, when close enough to be a likely typo (or when `word` is a clear prefix of it). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase().replace(/[_\s-]/g, "");
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase().replace(/[_\s-]/g, "");
    const d = w.length >= 3 && c.startsWith(w) ? 1 : isAnagram(w, c) ? 1 : distance(w, c);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  const allowed = w.length <= 4 ? 1 : w.length <= 8 ? 2 : 3;
  return best !== undefined && bestDistance <= allowed ? best : undefined;
}

/** Same letters in another order: a transposition typo such as "tsl" for "tls". */
function isAnagram(a: string, b: string): boolean {
  return a.length === b.length && a !== b && [...a].sort().join("") === [...b].sort().join("");
}

/** The accepted key nearest to `key` at `path`, when it is close enough to be a likely typo. */
export function suggestKey(path: readonly PropertyKey[], key: string): string | undefined {
  const keys = keysAt(path);
  const synonym = KEY_SYNONYMS[key.toLowerCase()];
  if (synonym && keys.includes(synonym)) return synonym;
  return nearest(key, keys);
}

// Words people use for a key the schema spells differently.
const KEY_SYNONYMS: Record<string, string> = {
  lb: "loadBalancer",
  lbs: "loadBalancer",
  haproxy: "loadBalancer",
  balancer: "loadBalancer",
  loadbalancers: "loadBalancer",
  ssl: "tls",
  https: "tls",
  certificate: "tls",
  prometheus: "monitoring",
  metrics: "monitoring",
  mysql: "database",
  mariadb: "database",
  db: "database",
  hosts: "servers",
  machines: "servers",
  nodes: "servers",
  nftables: "firewall",
  application: "app",
  replicas: "count",
  instances: "count",
  size: "count",
  hostname: "name",
  prefix: "name",
  balance: "algorithm",
  algo: "algorithm",
  cluster: "ha",
  mode: "ha",
  termination: "mode",
  endtoend: "internal",
  master: "primary",
  zone: "dns",
};

// Keys with no spelling near them that still deserve a pointer to where the idea lives.
const KEY_NOTES: Record<string, string> = {
  "database.replicas": "replicas are the hosts with role db other than the primary; raise the count of the db group instead",
  "database.replica": "replicas are the hosts with role db other than the primary; raise the count of the db group instead",
  "servers[].role": 'the key is "roles", a list: roles: [web, app]',
  "(root).lb": "load balancers are declared as loadBalancer: {count: 2, ha: active-passive}",
};

/** A hint for an unknown key: "did you mean" a near key, or a note on where the idea lives; "" when none. */
export function keyHint(path: readonly (string | number)[], key: string): string {
  const context = path.length
    ? path
        .map((p) => (typeof p === "number" ? "[]" : `.${p}`))
        .join("")
        .replace(/^\./, "")
    : "(root)";
  const note = KEY_NOTES[`${context}.${key.toLowerCase()}`];
  if (note) return note;
  const near = suggestKey(path, key);
  return near ? `did you mean "${near}"?` : "";
}

// Values people write for an option the schema names differently.
const VALUE_SYNONYMS: Record<string, string> = {
  nginx: "web",
  webserver: "web",
  application: "app",
  gunicorn: "app",
  mysql: "db",
  mariadb: "db",
  database: "db",
  "round-robin": "roundrobin",
  "least-conn": "leastconn",
  leastconnections: "leastconn",
  iphash: "source",
  "active-standby": "active-passive",
  "master-slave": "active-passive",
  failover: "active-passive",
  none: "single",
  sync: "semisync",
  "semi-sync": "semisync",
  asynchronous: "async",
  "end-to-end": "reencrypt",
  offload: "terminate",
  https: "terminate",
  deny: "default-deny",
  auto: "automatic",
};

const VALUE_NOTES: Record<string, string> = {
  lb: "load balancers are not a server role; declare them under loadBalancer:",
  haproxy: "load balancers are not a server role; declare them under loadBalancer:",
  loadbalancer: "load balancers are not a server role; declare them under loadBalancer:",
  monitor: "the monitoring host is added by monitoring: {system: prometheus}, not as a server role",
};

/** A hint for a value outside an enum: a near or synonymous value, or a note; "" when none. */
export function valueHint(allowed: readonly unknown[], input: unknown): string {
  if (typeof input !== "string") return "";
  const words = allowed.filter((v): v is string => typeof v === "string");
  const key = input.toLowerCase();
  if (words.includes("web") && VALUE_NOTES[key]) return VALUE_NOTES[key]!;
  const synonym = VALUE_SYNONYMS[key];
  if (synonym && words.includes(synonym)) return `did you mean "${synonym}"?`;
  const near = nearest(input, words);
  return near && near !== input ? `did you mean "${near}"?` : "";
}
