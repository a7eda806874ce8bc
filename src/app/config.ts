// The app env contract (PORT, WORKERS, APP_KIND, DB_*, TLS_*) read into one typed value.
import { hostname } from "node:os";
import { readFileSync } from "node:fs";

/** A database server as `host:port`. */
export interface DbEndpoint {
  host: string;
  port: number;
}

/** Everything the runner and the foobar app read from their environment. */
export interface AppConfig {
  port: number;
  /** Address to listen on; unset means every address. Not in the lab contract: for tests and local runs. */
  listenAddress: string | undefined;
  workers: number;
  kind: "demo" | "custom";
  version: string;
  command: string | undefined;
  /** Working directory of a custom app's processes (APP_DIR; default the runner's own). */
  appDir: string | undefined;
  healthPath: string;
  hostName: string;
  db: {
    primary: DbEndpoint | undefined;
    replicas: DbEndpoint[];
    name: string;
    user: string;
    passwordFile: string | undefined;
  };
  tls: { cert: string | undefined; key: string | undefined; ca: string | undefined };
}

/** Thrown when the environment breaks the contract; lists every problem. */
export class AppConfigError extends Error {
  override name = "AppConfigError";
  constructor(readonly problems: string[]) {
    super(`invalid app environment:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
}

/** Parses `host:port` (IPv6 as `[addr]:port`); the port defaults to 3306. */
export function parseEndpoint(text: string): DbEndpoint | undefined {
  const trimmed = text.trim();
  const match = /^(?:\[([^\]]+)\]|([^:\s]+))(?::(\d{1,5}))?$/.exec(trimmed);
  if (!match) return undefined;
  const host = match[1] ?? match[2] ?? "";
  const port = match[3] === undefined ? 3306 : Number(match[3]);
  if (host === "" || port < 1 || port > 65535) return undefined;
  return { host, port };
}

/** Formats an endpoint back to `host:port`. */
export function formatEndpoint(e: DbEndpoint): string {
  return e.host.includes(":") ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

function intValue(env: Record<string, string | undefined>, key: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[key];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${key}=${JSON.stringify(raw)}: must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return n;
}

function optional(env: Record<string, string | undefined>, key: string): string | undefined {
  const v = env[key];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

/** Reads the app env contract from a merged environment; throws AppConfigError listing every problem. */
export function readAppConfig(env: Record<string, string | undefined>): AppConfig {
  const problems: string[] = [];
  const kindRaw = optional(env, "APP_KIND") ?? "demo";
  if (kindRaw !== "demo" && kindRaw !== "custom") problems.push(`APP_KIND=${JSON.stringify(kindRaw)}: must be demo or custom`);
  const kind = kindRaw === "custom" ? "custom" : "demo";
  const command = optional(env, "APP_COMMAND");
  if (kind === "custom" && command === undefined) problems.push("APP_COMMAND: required when APP_KIND=custom (the command that starts one worker on $PORT)");

  let primary: DbEndpoint | undefined;
  const primaryRaw = optional(env, "DB_PRIMARY");
  if (primaryRaw !== undefined) {
    primary = parseEndpoint(primaryRaw);
    if (!primary) problems.push(`DB_PRIMARY=${JSON.stringify(primaryRaw)}: expected host:port`);
  } else if (kind === "demo") {
    problems.push("DB_PRIMARY: required for the demo app (host:port of the write primary)");
  }
  const replicas: DbEndpoint[] = [];
  for (const part of (env.DB_REPLICAS ?? "").split(",")) {
    if (part.trim() === "") continue;
    const e = parseEndpoint(part);
    if (e) replicas.push(e);
    else problems.push(`DB_REPLICAS: ${JSON.stringify(part.trim())} is not host:port`);
  }

  const healthPath = optional(env, "APP_HEALTH_PATH") ?? "/healthz";
  if (!healthPath.startsWith("/")) problems.push(`APP_HEALTH_PATH=${JSON.stringify(healthPath)}: must start with /`);
  const tls = { cert: optional(env, "TLS_CERT"), key: optional(env, "TLS_KEY"), ca: optional(env, "TLS_CA") };
  if ((tls.cert === undefined) !== (tls.key === undefined)) problems.push("TLS_CERT and TLS_KEY: set both to serve HTTPS, or neither");

  const config: AppConfig = {
    port: intValue(env, "PORT", 8000, 1, 65535, problems),
    listenAddress: optional(env, "LISTEN_ADDRESS"),
    workers: intValue(env, "WORKERS", 2, 1, 64, problems),
    kind,
    version: optional(env, "APP_VERSION") ?? "1.0.0",
    command,
    appDir: optional(env, "APP_DIR"),
    healthPath,
    hostName: optional(env, "HOST_NAME") ?? hostname(),
    db: {
      primary,
      replicas,
      name: optional(env, "DB_NAME") ?? "foobar",
      user: optional(env, "DB_USER") ?? "foobar_app",
      passwordFile: optional(env, "DB_PASSWORD_FILE"),
    },
    tls,
  };
  if (problems.length > 0) throw new AppConfigError(problems);
  return config;
}

/** Reads the database password from DB_PASSWORD_FILE (trailing newline dropped); empty when unset. */
export function readDbPassword(config: AppConfig): string {
  if (config.db.passwordFile === undefined) return "";
  return readFileSync(config.db.passwordFile, "utf8").replace(/\r?\n$/, "");
}

/** The environment variable the runner hands its workers' shared TLS session-ticket keys in (96 hex digits). */
export const TICKET_KEYS_ENV = "STACKLAB_TLS_TICKET_KEYS";

/** The shared session-ticket keys from the environment, when the runner set them. */
export function ticketKeysFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const hex = env[TICKET_KEYS_ENV];
  return hex && /^[0-9a-f]{96}$/.test(hex) ? Buffer.from(hex, "hex") : undefined;
}
