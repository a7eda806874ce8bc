// The app server's environment (/etc/stacklab/app.env) and the database password file it points to.
import { PORTS, type Host, type Model } from "../../model/index.js";
import { appPort, header, hostByName, privateAddress, text } from "./common.js";
import { APP_DB, APP_ENV_FILE, APP_PASSWORD_FILE, TLS_FILES } from "./paths.js";
import type { RenderedFile, Secrets } from "./types.js";
import { envLine } from "../../app/env-file.js";

/** True when the design's app talks to a database. */
export function appUsesDatabase(model: Model): boolean {
  return model.database.primary !== null && (model.app.type === "demo" || model.app.usesDatabase);
}

/**
 * The replicas an app host reads from, as host:port: its own local replica first when it has one
 * (reads stay on the machine), then the others in model order.
 */
export function replicaOrder(model: Model, host: Host): string[] {
  const replicas = model.database.replicas;
  const ordered = replicas.includes(host.name) ? [host.name, ...replicas.filter((r) => r !== host.name)] : replicas;
  return ordered.map((r) => `${privateAddress(hostByName(model, r))}:${PORTS.mysql}`);
}

/** The app.env variables of an app host, in the order they are written. */
export function appEnv(model: Model, host: Host): [string, string][] {
  const app = model.app;
  const vars: [string, string][] = [
    ["HOST_NAME", host.name],
    ["PORT", String(appPort(model))],
    ["WORKERS", String(app.workers)],
    ["APP_KIND", app.type],
  ];
  if (app.type === "demo") vars.push(["APP_VERSION", app.version], ["APP_HEALTH_PATH", "/healthz"]);
  else vars.push(["APP_COMMAND", app.command], ["APP_HEALTH_PATH", app.healthPath]);
  if (appUsesDatabase(model)) {
    const primary = hostByName(model, model.database.primary!);
    // With replicas, the local database proxy follows the primary wherever it moves.
    const proxied = model.services.some((s) => s.host === host.name && s.kind === "db-proxy");
    vars.push(
      ["DB_PRIMARY", proxied ? `127.0.0.1:${PORTS.dbProxyWrite}` : `${privateAddress(primary)}:${PORTS.mysql}`],
      ["DB_REPLICAS", proxied ? `127.0.0.1:${PORTS.dbProxyRead}` : replicaOrder(model, host).join(",")],
      ["DB_NAME", APP_DB.name],
      ["DB_USER", APP_DB.user],
      ["DB_PASSWORD_FILE", APP_PASSWORD_FILE],
    );
  }
  if (model.tls.internal) vars.push(["TLS_CERT", TLS_FILES.hostCert], ["TLS_KEY", TLS_FILES.hostKey], ["TLS_CA", TLS_FILES.ca]);
  return vars;
}

/** Renders app.env (and, when the app uses the database, its password file, mode 0600) for an app host. */
export function renderAppEnv(model: Model, host: Host, secrets: Secrets): RenderedFile[] {
  const vars = appEnv(model, host);
  const lines = [
    header(model),
    `# Environment of the app server on ${host.name}: KEY=VALUE; a value with spaces, quotes, # or \\ is double-quoted and escaped.`,
    ...vars.map(([k, v]) => envLine(k, v)),
  ];
  const files: RenderedFile[] = [{ path: APP_ENV_FILE, content: text(lines) }];
  // The password file holds the password alone, without a newline.
  if (appUsesDatabase(model)) files.push({ path: APP_PASSWORD_FILE, content: secrets.app, mode: 0o600 });
  return files;
}
