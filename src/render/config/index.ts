// Config renderers: pure functions from the model to the files each host of the lab runs with.
import type { Model } from "../../model/index.js";
import { hostByName } from "./common.js";
import { renderAppEnv } from "./app-env.js";
import { renderDbFailover } from "./db-proxy.js";
import { renderHaproxy } from "./haproxy.js";
import { renderKeepalived } from "./keepalived.js";
import { renderMariadb } from "./mariadb.js";
import { renderMonitoring } from "./monitoring.js";
import { renderNginx } from "./nginx.js";
import { renderNftables } from "./nftables.js";
import { renderResolv } from "./resolv.js";
import type { RenderedFile, Secrets } from "./types.js";
import { renderDns } from "./zone.js";

export type { RenderedFile, Secrets } from "./types.js";
export { PLACEHOLDER_SECRETS } from "./types.js";
export { APP_DB, APP_ENV_FILE, APP_PASSWORD_FILE, APP_TLS_NAME, STATIC_DIR, TLS_FILES } from "./paths.js";
export { tlsNeeds, type HostTlsNeeds } from "./tls-files.js";
export { webCertificate } from "./common.js";
export { renderHaproxy, HAPROXY_MAXCONN } from "./haproxy.js";
export { renderKeepalived, vrrpPriority, floatingEntries } from "./keepalived.js";
export { renderNginx } from "./nginx.js";
export { renderMariadb, serverId, SEMISYNC_TIMEOUT_MS } from "./mariadb.js";
export { renderDns, zoneFilePath, zoneSerial } from "./zone.js";
export { renderResolv } from "./resolv.js";
export { renderAppEnv, appEnv, replicaOrder } from "./app-env.js";

/** Renders every config file of one host, sorted by path; throws when the host is not in the model. */
export function renderHost(model: Model, hostName: string, secrets: Secrets): RenderedFile[] {
  const host = hostByName(model, hostName);
  const files: RenderedFile[] = [];
  const roles = host.roles;
  if (roles.includes("user")) files.push(...renderResolv(model));
  if (roles.includes("dns")) files.push(...renderDns(model, host));
  if (roles.includes("lb")) {
    files.push(renderHaproxy(model, host));
    if (model.loadBalancer && model.loadBalancer.ha !== "single") files.push(renderKeepalived(model, host));
  }
  if (roles.includes("web")) files.push(renderNginx(model, host));
  if (roles.includes("app")) files.push(...renderAppEnv(model, host, secrets));
  if (roles.includes("db")) files.push(renderMariadb(model, host));
  if (host.firewall) files.push(renderNftables(model, host));
  files.push(...renderMonitoring(model, host, secrets));
  files.push(...renderDbFailover(model, host, secrets));
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Renders every host's files, keyed by host name in model order (a host with no config gets an empty list). */
export function renderAll(model: Model, secrets: Secrets): Record<string, RenderedFile[]> {
  const out: Record<string, RenderedFile[]> = {};
  for (const h of model.hosts) out[h.name] = renderHost(model, h.name, secrets);
  return out;
}
export { writeRendered, DEFAULT_MODE } from "./write.js";
