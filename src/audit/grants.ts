// Least privilege in the database: SHOW GRANTS for every account on every db host, against what each account is for.
import { DB_NAME, DB_USERS } from "../runtime/services/mariadb-init.js";
import type { AuditContext, CheckResult } from "./context.js";

export interface Grant {
  privileges: string[];
  /** `*.*` or `schema`.* as MariaDB prints it, without backquotes. */
  on: string;
  grantOption: boolean;
}

/** Parses SHOW GRANTS lines (password hashes are dropped with the rest of the line). */
export function parseGrants(lines: string[]): Grant[] {
  return lines
    .map((l) => /^GRANT (.+?) ON (\S+) TO .*?( WITH GRANT OPTION)?$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ privileges: m[1]!.split(/,\s*/).map((p) => p.trim().toUpperCase()), on: m[2]!.replace(/`/g, ""), grantOption: Boolean(m[3]) }));
}

/** What an account of the lab may hold: privileges allowed per scope (`*.*` or `schema.*`). */
export const ALLOWED: Record<string, { what: string; scopes: Record<string, string[]> }> = {
  [DB_USERS.app]: { what: "read and write the app's schema", scopes: { "*.*": ["USAGE"], [`${DB_NAME}.*`]: ["SELECT", "INSERT", "UPDATE", "DELETE"] } },
  [DB_USERS.clone]: {
    what: "copy the primary's data to rebuild a diverged replica",
    scopes: { "*.*": ["USAGE", "RELOAD", "BINLOG MONITOR"], [`${DB_NAME}.*`]: ["SELECT", "LOCK TABLES", "SHOW VIEW", "TRIGGER", "EVENT"] },
  },
  [DB_USERS.replication]: { what: "replicate", scopes: { "*.*": ["USAGE", "REPLICATION SLAVE", "REPLICATION REPLICA"] } },
  [DB_USERS.monitor]: {
    what: "read status",
    scopes: { "*.*": ["USAGE", "PROCESS", "SLAVE MONITOR", "REPLICA MONITOR", "REPLICATION CLIENT", "BINLOG MONITOR"], "performance_schema.*": ["SELECT"] },
  },
};

const LOCAL = new Set(["localhost", "127.0.0.1", "::1"]);

/** What is wrong with one account's grants (empty when it holds only what its job needs). */
export function grantProblems(user: string, host: string, grants: Grant[]): { problems: string[]; known: boolean } {
  const rule = ALLOWED[user];
  const who = `'${user}'@'${host}'`;
  if (!rule) {
    // root and MariaDB's own accounts are fine as long as they only log in locally (root over the socket).
    if (LOCAL.has(host)) return { problems: [], known: true };
    const wide = grants.some((g) => g.grantOption || g.privileges.includes("ALL PRIVILEGES"));
    return { problems: wide ? [`${who} can log in over the network with ${grants.find((g) => g.grantOption) ? "GRANT OPTION" : "ALL PRIVILEGES"}`] : [], known: false };
  }
  const problems: string[] = [];
  if (host === "%") problems.push(`${who} may log in from any address`);
  for (const g of grants) {
    const allowed = rule.scopes[g.on];
    const extra = allowed ? g.privileges.filter((p) => !allowed.includes(p)) : g.privileges.filter((p) => p !== "USAGE");
    if (extra.length) problems.push(`${who} holds ${extra.join(", ")} on ${g.on}; it should only ${rule.what}`);
    if (g.grantOption) problems.push(`${who} may grant its privileges to others`);
  }
  return { problems, known: true };
}

async function sql(ctx: AuditContext, host: string, statements: string): Promise<string[]> {
  const r = await ctx.inHost(host, ["mariadb", "--socket=/run/mysqld/mysqld.sock", "-uroot", "--batch", "--skip-column-names", "--connect-timeout=2"], { input: statements });
  if (r.code !== 0) throw new Error(`SQL on ${host} failed: ${r.stderr.trim().split("\n").pop()}`);
  return r.stdout.split("\n").filter(Boolean);
}

/** Checks every account's grants on every running db host. */
export async function checkGrants(ctx: AuditContext): Promise<CheckResult> {
  const dbs = ctx.model.hosts.filter((h) => h.roles.includes("db") && ctx.isUp(h.name));
  if (!dbs.length) return { id: "db-grants", title: "database privileges", status: "skip", summary: "no database host runs", details: [] };
  const details: string[] = [];
  const problems: string[] = [];
  await Promise.all(
    dbs.map(async (db) => {
      const accounts = (await sql(ctx, db.name, "SELECT CONCAT(user, ' ', host) FROM mysql.user ORDER BY user, host;")).map((l) => l.split(" ") as [string, string]);
      const shown = await sql(ctx, db.name, accounts.map(([u, h]) => `SELECT '@@ ${u} ${h}'; SHOW GRANTS FOR '${u}'@'${h}';`).join("\n"));
      const byAccount = new Map<string, string[]>();
      let current = "";
      for (const line of shown) {
        if (line.startsWith("@@ ")) byAccount.set((current = line.slice(3)), []);
        else byAccount.get(current)?.push(line);
      }
      for (const [u, h] of accounts) {
        const grants = parseGrants(byAccount.get(`${u} ${h}`) ?? []);
        const r = grantProblems(u, h, grants);
        problems.push(...r.problems.map((p) => `${db.name}: ${p}`));
        if (ALLOWED[u] || !r.known)
          details.push(`${db.name}: '${u}'@'${h}': ${grants.map((g) => `${g.privileges.join(", ")} ON ${g.on}`).join("; ")}${r.known ? "" : " (an account stacklab does not know)"}`);
      }
    }),
  );
  return {
    id: "db-grants",
    title: "database privileges",
    status: problems.length ? "fail" : "pass",
    summary: problems.length
      ? `${problems.length} account${problems.length > 1 ? "s hold" : " holds"} more than its job needs`
      : `on ${dbs.length} db host${dbs.length > 1 ? "s" : ""}: the app can only read and write ${DB_NAME}, replication can only replicate, monitoring can only read status; root logs in over the local socket only`,
    details: [...problems.map((p) => `FAIL ${p}`), ...details.sort()],
  };
}
