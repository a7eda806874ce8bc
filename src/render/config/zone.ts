// NSD for the dns host: nsd.conf and the domain's zone file (SOA, NS, and the design's records).
import { PORTS, type Host, type Model } from "../../model/index.js";
import { header, text } from "./common.js";
import type { RenderedFile } from "./types.js";

/** Folder of the zone files inside the dns host. */
export const ZONES_DIR = "/etc/nsd/zones";

/** Path of the zone file of a domain. */
export function zoneFilePath(domain: string): string {
  return `${ZONES_DIR}/${domain}.zone`;
}

/** Renders /etc/nsd/nsd.conf and the zone file for the dns host. */
export function renderDns(model: Model, host: Host): RenderedFile[] {
  return [renderNsdConf(model, host), renderZone(model)];
}

function renderNsdConf(model: Model, host: Host): RenderedFile {
  const lines = [
    header(model),
    `# NSD on ${host.name}: the authoritative server for ${model.domain}.`,
    "# It drops to the nsd user once port 53 is bound. It needs no writable state: no compiled",
    "# database, no transfer state, no pid file (it runs in the foreground under the lab's",
    "# supervisor); the zone is read from its text file at start.",
    "",
    "server:",
    `    ip-address: ${model.dns.address}`,
    `    port: ${PORTS.dns}`,
    "    do-ip6: no",
    "    server-count: 1",
    "    username: nsd",
    `    zonesdir: "${ZONES_DIR}"`,
    '    database: ""',
    '    xfrdfile: ""',
    '    zonelistfile: "/var/lib/nsd/zone.list"',
    '    pidfile: ""',
    "    hide-version: yes",
    "    # the small-footprint settings of nsd.conf(5): the response-rate-limit table's default of a",
    "    # million buckets alone is ~30 MiB of shared memory, for a zone a handful of lab hosts ask",
    "    rrl-size: 1000",
    "    xfrd-tcp-max: 32",
    "    xfrd-tcp-pipeline: 128",
    "    verbosity: 1",
    "",
    "remote-control:",
    "    control-enable: no",
    "",
    "zone:",
    `    name: ${model.domain}`,
    `    zonefile: "${model.domain}.zone"`,
  ];
  return { path: "/etc/nsd/nsd.conf", content: text(lines) };
}

/** A serial derived from the zone's records: the same design gives the same serial. */
export function zoneSerial(model: Model): number {
  const seed = JSON.stringify([model.domain, model.dns.ttl, model.dns.address, model.dns.records.map((r) => [r.fqdn, r.type, r.values])]);
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Any value in 1..2^31-1 is a valid serial; no secondary compares them here.
  return (h % 0x7ffffffe) + 1;
}

function relativeName(fqdn: string, domain: string): string {
  if (fqdn === domain) return "@";
  return fqdn.endsWith(`.${domain}`) ? fqdn.slice(0, -domain.length - 1) : `${fqdn}.`;
}

function renderZone(model: Model): RenderedFile {
  const { domain, dns } = model;
  const rows: [string, string, string][] = [["@", "NS", `ns1.${domain}.`], ...(dns.records.some((r) => r.fqdn === `ns1.${domain}`) ? [] : [["ns1", "A", dns.address] as [string, string, string]])];
  for (const r of dns.records) {
    const name = relativeName(r.fqdn, domain);
    for (const v of r.values) rows.push([name, r.type, r.type === "CNAME" ? `${v}.` : v]);
  }
  const width = Math.max(...rows.map(([n]) => n.length), 3) + 1;
  const lines = [
    header(model, ";"),
    `; The zone of ${domain}, served by NSD on ${dns.server} (${dns.address}).`,
    ...dns.records.map((r) => `; ${r.fqdn} ${r.type}: ${r.pointsTo}`),
    `$ORIGIN ${domain}.`,
    `$TTL ${dns.ttl}`,
    `@ IN SOA ns1.${domain}. hostmaster.${domain}. (`,
    `    ${zoneSerial(model)} ; serial`,
    "    3600 ; refresh",
    "    600 ; retry",
    "    86400 ; expire",
    `    ${dns.ttl} ; negative answers are cached as long as positive ones`,
    ")",
    ...rows.map(([name, type, value]) => `${name.padEnd(width)}IN ${type.padEnd(6)}${value}`),
  ];
  return { path: zoneFilePath(domain), content: text(lines) };
}
