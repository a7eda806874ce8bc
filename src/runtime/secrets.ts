// Generated passwords of a lab: stored with mode 0600 in the lab's state, never printed.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { labDir } from "./paths.js";

export interface Secrets {
  /** MariaDB root (used only over the local socket by the runtime). */
  mysqlRoot: string;
  /** The app's database user. */
  app: string;
  /** The replication user. */
  replication: string;
  /** The monitoring (exporter) user. */
  monitor: string;
}

/** Placeholders shown instead of secrets in files a person reads. */
export const PLACEHOLDER_SECRETS: Secrets = { mysqlRoot: "<secret:mysqlRoot>", app: "<secret:app>", replication: "<secret:replication>", monitor: "<secret:monitor>" };

function password(): string {
  return randomBytes(18).toString("base64url");
}

/** Loads a lab's secrets, generating and storing them (mode 0600) the first time. */
export function labSecrets(lab: string): Secrets {
  const file = join(labDir(lab), "secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as Secrets;
  const secrets: Secrets = { mysqlRoot: password(), app: password(), replication: password(), monitor: password() };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

/** Replaces every secret value in a text with its placeholder (for logs and errors shown to people). */
export function redact(text: string, secrets: Secrets): string {
  let out = text;
  for (const [k, v] of Object.entries(secrets)) if (v) out = out.split(v).join(`<secret:${k}>`);
  return out;
}
