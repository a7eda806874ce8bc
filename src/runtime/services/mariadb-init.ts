// The SQL each database host runs at every start, outside the binary log: users, grants and the app's schema.
import type { Model } from "../../model/types.js";
import type { Secrets } from "../secrets.js";
import { addressOf } from "./types.js";
import { APP_DB_PRIVILEGES } from "../../app/foobar/schema.js";
import { AGENT_DB_USER, CLONE_DB_USER, failoverSecrets, hasDbAgents } from "../../render/config/failover.js";

/** Names of the lab's database accounts. */
export const DB_USERS = { app: "foobar_app", replication: "repl", monitor: "monitor", agent: AGENT_DB_USER, clone: CLONE_DB_USER } as const;

/**
 * What the database agent may do, and nothing more: look (PROCESS, SLAVE MONITOR, BINLOG MONITOR),
 * fence (READ_ONLY ADMIN, CONNECTION ADMIN to cut the app's connections) and promote or repoint
 * (REPLICATION SLAVE ADMIN; RELOAD only because RESET SLAVE ALL, which makes a promoted server forget
 * its old primary, asks for it). It reads no table and writes none.
 */
export const AGENT_DB_PRIVILEGES = ["PROCESS", "SLAVE MONITOR", "BINLOG MONITOR", "READ_ONLY ADMIN", "CONNECTION ADMIN", "REPLICATION SLAVE ADMIN", "RELOAD"] as const;
/**
 * What an agent rebuilding its diverged server reads from the primary, and nothing more: the app's schema
 * (`mariadb-dump --single-transaction`: SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT) and a consistent GTID
 * position (`--master-data --gtid`: RELOAD for its brief global read lock, BINLOG MONITOR for the position).
 * It writes nothing on the primary, and may log in only from the database hosts (over TLS when it is on).
 */
export const CLONE_DB_PRIVILEGES = { schema: ["SELECT", "LOCK TABLES", "SHOW VIEW", "TRIGGER", "EVENT"], global: ["RELOAD", "BINLOG MONITOR"] } as const;
/** The demo app's schema name. */
export const DB_NAME = "foobar";

const q = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/** Renders init.sql: least-privilege accounts bound to the addresses that need them, and the schema. */
export function renderInitSql(model: Model, secrets: Secrets, schemaSql: string): string {
  const addressesWithRole = (role: "app" | "db") => model.hosts.filter((h) => h.roles.includes(role)).map((h) => addressOf(h, "private"));
  const user = (name: string, host: string, password: string) => [
    `CREATE USER IF NOT EXISTS ${q(name)}@${q(host)} IDENTIFIED BY ${q(password)};`,
    `ALTER USER ${q(name)}@${q(host)} IDENTIFIED BY ${q(password)};`,
  ];
  // init-file statements must each sit on one line, without comments.
  const lines = ["SET sql_log_bin = 0;"];
  lines.push(`CREATE DATABASE IF NOT EXISTS ${DB_NAME};`);
  for (const ip of addressesWithRole("app")) {
    lines.push(...user(DB_USERS.app, ip, secrets.app), `GRANT ${APP_DB_PRIVILEGES.join(", ")} ON ${DB_NAME}.* TO ${q(DB_USERS.app)}@${q(ip)};`);
  }
  for (const ip of addressesWithRole("db")) {
    lines.push(...user(DB_USERS.replication, ip, secrets.replication), `GRANT REPLICATION SLAVE ON *.* TO ${q(DB_USERS.replication)}@${q(ip)};`);
  }
  lines.push(
    ...user(DB_USERS.monitor, "localhost", secrets.monitor),
    `GRANT PROCESS, SLAVE MONITOR ON *.* TO ${q(DB_USERS.monitor)}@'localhost';`,
    `GRANT SELECT ON performance_schema.* TO ${q(DB_USERS.monitor)}@'localhost';`,
  );
  if (hasDbAgents(model) && model.database.failover === "automatic")
    for (const ip of addressesWithRole("db"))
      lines.push(
        ...user(DB_USERS.clone, ip, failoverSecrets(secrets).clone),
        ...(model.tls.internal ? [`ALTER USER ${q(DB_USERS.clone)}@${q(ip)} REQUIRE SSL;`] : []),
        `GRANT ${CLONE_DB_PRIVILEGES.global.join(", ")} ON *.* TO ${q(DB_USERS.clone)}@${q(ip)};`,
        `GRANT ${CLONE_DB_PRIVILEGES.schema.join(", ")} ON ${DB_NAME}.* TO ${q(DB_USERS.clone)}@${q(ip)};`,
      );
  if (hasDbAgents(model)) lines.push(...user(DB_USERS.agent, "localhost", failoverSecrets(secrets).agent), `GRANT ${AGENT_DB_PRIVILEGES.join(", ")} ON *.* TO ${q(DB_USERS.agent)}@'localhost';`);
  lines.push(
    `USE ${DB_NAME};`,
    ...schemaSql
      .split(";")
      .map((st) =>
        st
          .replace(/--[^\n]*/g, "")
          .replace(/\s+/g, " ")
          .trim(),
      )
      .filter(Boolean)
      .map((st) => `${st};`),
  );
  lines.push("SET sql_log_bin = 1;", "");
  return lines.join("\n");
}
