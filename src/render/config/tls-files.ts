// Which TLS files the rendered configs of a host refer to: what the runtime must generate there.
import type { Host, Model } from "../../model/index.js";
import { webCertificate } from "./common.js";
import { APP_TLS_NAME, TLS_FILES } from "./paths.js";

/** TLS files a host needs, plus the extra certificate names (beyond its host name and addresses). */
export interface HostTlsNeeds {
  files: string[];
  extraNames: string[];
}

/** Lists the TLS files the configs rendered for a host read, in a fixed order. */
export function tlsNeeds(model: Model, host: Host): HostTlsNeeds {
  const need = new Set<string>();
  const names = new Set<string>();
  const mode = model.tls.mode;
  const internal = model.tls.internal;
  if (host.roles.includes("lb")) {
    if (mode === "terminate" || mode === "reencrypt") need.add(TLS_FILES.sitePem);
    if (mode === "reencrypt" || mode === "passthrough") need.add(TLS_FILES.ca);
  }
  if (host.roles.includes("web")) {
    const cert = webCertificate(model);
    if (cert === "site") [TLS_FILES.siteCert, TLS_FILES.siteKey].forEach((f) => need.add(f));
    if (cert === "host") [TLS_FILES.hostCert, TLS_FILES.hostKey].forEach((f) => need.add(f));
    if (internal) need.add(TLS_FILES.ca);
  }
  if (internal && (host.roles.includes("app") || host.roles.includes("db"))) {
    [TLS_FILES.ca, TLS_FILES.hostCert, TLS_FILES.hostKey].forEach((f) => need.add(f));
    if (host.roles.includes("app")) names.add(APP_TLS_NAME);
  }
  const order = Object.values(TLS_FILES) as string[];
  return { files: [...need].sort((a, b) => order.indexOf(a) - order.indexOf(b)), extraNames: [...names] };
}
