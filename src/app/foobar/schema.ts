// The guestbook's one table. The runtime runs SCHEMA_SQL on the primary at bring-up: the app's
// database user only has SELECT and INSERT, and replicas are read-only.

/** Longest author name and message the app accepts (the column sizes). */
export const LIMITS = { author: 64, message: 500 } as const;

/** One statement (no trailing semicolon needed) creating the guestbook table if it is missing; run it inside DB_NAME. */
export const SCHEMA_SQL = `CREATE TABLE IF NOT EXISTS entries (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  author VARCHAR(${LIMITS.author}) NOT NULL,
  message VARCHAR(${LIMITS.message}) NOT NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  app_host VARCHAR(64) NOT NULL,
  PRIMARY KEY (id),
  KEY entries_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

/** Privileges the app's database user needs on DB_NAME.* (for the runtime's GRANT). */
export const APP_DB_PRIVILEGES = ["SELECT", "INSERT"] as const;
