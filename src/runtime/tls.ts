// The lab's certificate authority and certificates, made in process: one CA per lab, a site certificate, one per host.
import { createPrivateKey, type KeyObject } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Host, Model } from "../model/types.js";
import { makeCertificate, newEcKey, type DistinguishedName } from "../util/x509.js";
import { labDir } from "./paths.js";
import type { HostFile } from "./host.js";

/** Where TLS files live inside a host. */
export const TLS_DIR = "/etc/ssl/stacklab";
/** Extra name every app server's certificate carries, so nginx can verify one name for the whole upstream. */
export const APP_TLS_NAME = "app.internal";
/** Extra name every database host's certificate carries. */
export const DB_TLS_NAME = "db.internal";
/** Certificates, the CA's included, last this long (Mozilla's guidelines 6.0): long enough for a lab, short enough to look like a real one. */
export const DAYS = 90;
/** The lab's whole address block: the only addresses the CA may sign. */
export const LAB_IP_CONSTRAINT = { network: "198.18.0.0", mask: "255.254.0.0" } as const;
/** Servers per group a lab may scale to (the schema's maximum count), so hosts added later stay inside the CA's names. */
const MAX_PER_GROUP = 40;

/**
 * The names the lab CA may sign (X.509 name constraints): the design's domain and its subdomains, `internal`
 * (app.internal, db.internal), each host name of the lab and the names its groups may scale to, and 198.18.0.0/15.
 * A browser that trusts the CA therefore trusts it for nothing else; any other name or address fails verification.
 */
export function caPermittedNames(model: Model): string[] {
  const hosts = new Set<string>();
  for (const h of model.hosts) {
    hosts.add(h.name);
    const numbered = /^(.*)-\d+$/.exec(h.name);
    if (numbered) for (let i = 1; i <= MAX_PER_GROUP; i++) hosts.add(`${numbered[1]}-${i}`);
  }
  return [model.domain, "internal", ...[...hosts].sort()].map((n) => `DNS:${n}`).concat(`IP:${LAB_IP_CONSTRAINT.network}/${LAB_IP_CONSTRAINT.mask}`);
}

interface KeyPair {
  crt: string;
  key: string;
}

/** The CA's name, also every certificate's issuer. */
const CA_NAME: DistinguishedName = [
  ["O", "stacklab lab CA"],
  ["CN", "stacklab lab CA"],
];

interface Ca {
  crt: string;
  key: KeyObject;
}

/**
 * The lab's CA, made once per lab (in process: node:crypto and src/util/x509.ts, no openssl process): P-256, 90
 * days, basicConstraints critical CA:TRUE pathlen 0, keyUsage critical keyCertSign and cRLSign, and critical name
 * constraints permitting only the lab's names and 198.18.0.0/15 (`audit`'s ca-constraints check asks openssl to
 * verify a foreign name against it).
 */
function makeCa(dir: string, model: Model): Ca {
  const crt = join(dir, "ca.crt");
  const keyFile = join(dir, "ca.key");
  if (!existsSync(crt)) {
    const { key, pem } = newEcKey();
    writeFileSync(keyFile, pem, { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    writeFileSync(
      crt,
      makeCertificate({ subject: CA_NAME, publicKey: key, issuer: CA_NAME, issuerKey: key, days: DAYS, caPathLen: 0, keyUsage: ["keyCertSign", "cRLSign"], permitted: caPermittedNames(model) }),
    );
  }
  return { crt: readFileSync(crt, "utf8"), key: createPrivateKey(readFileSync(keyFile, "utf8")) };
}

/** A server and client certificate signed by the lab CA, written beside it (as `<name>.crt` and `<name>.key`). */
function issue(dir: string, name: string, cn: string, sans: string[], ca: Ca): KeyPair {
  const { key, pem } = newEcKey();
  const crt = makeCertificate({
    subject: [["CN", cn]],
    publicKey: key,
    issuer: CA_NAME,
    issuerKey: ca.key,
    days: DAYS,
    keyUsage: ["digitalSignature"],
    extKeyUsage: ["serverAuth", "clientAuth"],
    altNames: sans,
  });
  writeFileSync(join(dir, `${name}.key`), pem, { mode: 0o600 });
  writeFileSync(join(dir, `${name}.crt`), crt);
  return { crt, key: pem };
}

function sansFor(host: Host, model: Model): string[] {
  const names = [host.name, ...(host.roles.includes("app") ? [APP_TLS_NAME] : []), ...(host.roles.includes("db") ? [DB_TLS_NAME] : [])];
  return [...names.map((n) => `DNS:${n}`), ...host.interfaces.map((i) => `IP:${i.address}`), ...(host.roles.includes("lb") ? model.entryPoints.map((e) => `IP:${e.address}`) : [])];
}

/** Makes the lab's CA and certificates (once) and returns the TLS files of every host. */
export function labTlsFiles(lab: string, model: Model): Map<string, HostFile[]> {
  return tlsFilesIn(join(labDir(lab), "tls"), model);
}

/** Makes a CA and certificates (once) in `dir` and returns the TLS files of every host (a lab's, or an export's own). */
export function tlsFilesIn(dir: string, model: Model): Map<string, HostFile[]> {
  const out = new Map<string, HostFile[]>();
  if (model.tls.mode === "none") return out;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = makeCa(dir, model);
  const siteNames = [model.domain, `www.${model.domain}`, ...model.dns.records.map((r) => r.fqdn)];
  const site = existsSync(join(dir, "site.crt"))
    ? { crt: readFileSync(join(dir, "site.crt"), "utf8"), key: readFileSync(join(dir, "site.key"), "utf8") }
    : issue(
        dir,
        "site",
        `www.${model.domain}`,
        [...new Set(siteNames)].map((n) => `DNS:${n}`),
        ca,
      );
  const facing = new Set(model.entryPoints.flatMap((e) => e.holders));
  for (const h of model.hosts) {
    const files: HostFile[] = [{ path: `${TLS_DIR}/ca.crt`, content: ca.crt }];
    if (h.kind === "server" || h.roles.includes("monitor")) {
      const own = existsSync(join(dir, `host-${h.name}.crt`))
        ? { crt: readFileSync(join(dir, `host-${h.name}.crt`), "utf8"), key: readFileSync(join(dir, `host-${h.name}.key`), "utf8") }
        : issue(dir, `host-${h.name}`, h.name, sansFor(h, model), ca);
      files.push(
        { path: `${TLS_DIR}/host.crt`, content: own.crt },
        { path: `${TLS_DIR}/host.key`, content: own.key, mode: 0o640, ...(h.roles.includes("db") ? { owner: "mysql" } : {}) },
        { path: `${TLS_DIR}/host.pem`, content: own.crt + own.key, mode: 0o640 },
      );
    }
    if (facing.has(h.name) || h.roles.includes("web")) {
      files.push(
        { path: `${TLS_DIR}/site.crt`, content: site.crt },
        { path: `${TLS_DIR}/site.key`, content: site.key, mode: 0o640 },
        { path: `${TLS_DIR}/site.pem`, content: site.crt + site.key, mode: 0o640 },
      );
    }
    if (h.roles.includes("user")) {
      // The visitor trusts the lab CA like any public CA: appended to the system bundle curl reads.
      const bundle = existsSync("/etc/ssl/certs/ca-certificates.crt") ? readFileSync("/etc/ssl/certs/ca-certificates.crt", "utf8") : "";
      files.push({ path: "/etc/ssl/certs/ca-certificates.crt", content: `${bundle}${ca.crt}` });
    }
    out.set(h.name, files);
  }
  return out;
}
