// Generated passwords of a lab: stored with mode 0600 in the lab's state, never printed.
import { randomBytes } from "node:crypto";
import { derivedSecrets } from "../render/config/failover.js";

export { derivedSecrets };
import { existsSync, linkSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { labDir, stateRoot } from "./paths.js";

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

/**
 * Loads a lab's secrets, generating and storing them (mode 0600) the first time. The file is created exclusively
 * and whole: written under a private name, then hard-linked to its place, which fails if it exists; so two first
 * callers never store different passwords, and nobody reads a half-written file.
 */
export function labSecrets(lab: string): Secrets {
  const file = join(labDir(lab), "secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as Secrets;
  const secrets: Secrets = { mysqlRoot: password(), app: password(), replication: password(), monitor: password() };
  const draft = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(draft, JSON.stringify(secrets), { mode: 0o600, flag: "wx" });
  try {
    linkSync(draft, file);
    return secrets;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return JSON.parse(readFileSync(file, "utf8")) as Secrets;
  } finally {
    unlinkSync(draft);
  }
}

/** Every secret value of a lab, generated or derived, with the placeholder that replaces it. */
function secretValues(secrets: Secrets): [string, string][] {
  const derived = derivedSecrets(secrets);
  return [...Object.entries(secrets), ["db-agent", derived.agent], ["failover-token", derived.token], ["db-clone", derived.clone]].filter(
    ([, v]) => typeof v === "string" && v.length >= 8 && !v.startsWith("<secret:"),
  ) as [string, string][];
}

// Secrets in the usual places, whoever's they are: SQL and replication passwords, bearer tokens, password= settings.
// (Not `token=`: the dashboard's URL carries its own token on purpose.)
const SECRET_SHAPES: RegExp[] = [
  /((?:IDENTIFIED BY|PASSWORD|MASTER_PASSWORD)\s*=?\s*)'(?:[^'\\]|\\.)*'/gi,
  /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g,
  /((?:password|passwd)["']?\s*[=:]\s*["']?)[A-Za-z0-9._~+/-]{8,}/gi,
];

/**
 * The one masking function: every printer and error path of the CLI goes through it. It replaces each secret of
 * the given labs (generated and derived) by its placeholder, then anything shaped like a password or token.
 */
export function mask(text: string, secrets: Secrets | Secrets[] = allLabSecrets()): string {
  let out = text;
  const values = (Array.isArray(secrets) ? secrets : [secrets]).flatMap(secretValues).sort((a, b) => b[1].length - a[1].length);
  for (const [name, value] of values) if (out.includes(value)) out = out.split(value).join(`<secret:${name}>`);
  for (const shape of SECRET_SHAPES) out = out.replace(shape, (_m, lead: string) => `${lead}<secret>`);
  return out;
}

/** Replaces every secret value in a text with its placeholder (for logs and errors shown to people). */
export function redact(text: string, secrets: Secrets): string {
  return mask(text, secrets);
}

let cache: { key: string; secrets: Secrets[] } | undefined;

/** The secrets of every lab on this machine that this process may read (re-read when a lab's file appears or changes). */
export function allLabSecrets(): Secrets[] {
  let files: string[] = [];
  try {
    const labs = join(stateRoot(), "labs");
    files = readdirSync(labs)
      .map((l) => join(labs, l, "secrets.json"))
      .filter((f) => existsSync(f));
  } catch {
    return [];
  }
  const key = files.map((f) => `${f}:${statSync(f).mtimeMs}`).join("|");
  if (cache?.key === key) return cache.secrets;
  const secrets = files.flatMap((f) => {
    try {
      return [JSON.parse(readFileSync(f, "utf8")) as Secrets];
    } catch {
      return [];
    }
  });
  cache = { key, secrets };
  return secrets;
}
