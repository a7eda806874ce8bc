// Everything a host's tree holds before it starts: rendered configs, TLS files, run scripts, identity files.
import { resolve } from "node:path";
import type { Model } from "../model/types.js";
import { renderHost } from "../render/config/index.js";
import { SCHEMA_SQL } from "../app/foobar/schema.js";
import type { HostFile } from "./host.js";
import { SERVICE_DIR } from "./host.js";
import type { Secrets } from "./secrets.js";
import { SERVICES } from "./services/index.js";
import { renderInitSql } from "./services/mariadb-init.js";
import { publishServiceFiles } from "./publish.js";
import { sizeReporterFiles } from "./size-reporter.js";
import type { ServiceContext } from "./services/types.js";
import { envLine } from "../app/env-file.js";

/** The files of one host: identity, configs from the renderers, TLS, and one runit service per implemented service. */
export function hostFiles(ctx: ServiceContext, tls: HostFile[]): HostFile[] {
  const { model, host, secrets } = ctx;
  const files: HostFile[] = [
    { path: "/etc/hostname", content: `${host.name}\n` },
    { path: "/etc/hosts", content: `127.0.0.1 localhost\n${host.interfaces.map((i) => `${i.address} ${host.name}`).join("\n")}\n` },
    ...renderHost(model, host.name, secrets).map((f) => ({ path: f.path, content: f.path === "/etc/stacklab/app.env" ? f.content + appDirLine(ctx) : f.content, mode: f.mode })),
    ...tls,
  ];
  if (host.roles.includes("db")) {
    const schema = model.app.type === "demo" ? SCHEMA_SQL : "";
    files.push({ path: "/etc/mysql/init.sql", content: renderInitSql(model, secrets, schema), mode: 0o600, owner: "mysql" });
  }
  if (host.roles.includes("user")) files.push(...publishServiceFiles(model));
  for (const svc of model.services.filter((s) => s.host === host.name)) {
    const def = SERVICES[svc.kind];
    if (def) files.push({ path: `${SERVICE_DIR}/${svc.kind}/run`, content: def.runScript(ctx), mode: 0o755 });
  }
  files.push(...sizeReporterFiles(ctx));
  // One file per path: a renderer's version (e.g. the user host's /etc/hosts) replaces the generic one.
  return [...new Map(files.map((f) => [f.path, f])).values()];
}

/** A custom app runs from its directory, resolved against the spec file's folder (the model does not know where that is). */
function appDirLine(ctx: ServiceContext): string {
  const app = ctx.model.app;
  if (app.type !== "custom") return "";
  // A packaged release holds the custom app's folder as `custom/`.
  if (ctx.appRelease) return `${envLine("APP_DIR", `${ctx.appRelease}/current/custom`)}\n`;
  return `${envLine("APP_DIR", resolve(ctx.specDir ?? process.cwd(), app.dir ?? "."))}\n`;
}

/** Service kinds of the design that this version of stacklab does not run yet. */
export function missingServices(model: Model): { host: string; kind: string }[] {
  return model.services.filter((s) => !SERVICES[s.kind]).map((s) => ({ host: s.host, kind: s.kind }));
}

export type { Secrets };
