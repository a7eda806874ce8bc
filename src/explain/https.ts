// Section "HTTPS and TLS certificates": why HTTPS, where this design's encryption starts and ends.
import type { Flow } from "../model/index.js";
import { list, names, type Facts } from "./facts.js";
import { certificateUses } from "./certificates.js";
import type { Block, Section } from "./types.js";

/** Explains why HTTPS matters and follows the encryption through this design's hops. */
export function httpsSection(f: Facts): Section {
  const blocks: Block[] = [
    {
      kind: "paragraph",
      text:
        `Without encryption, everything between the browser and the site (passwords, the cookies that keep a user logged in, the pages themselves) travels as readable text, ` +
        `and anyone on the path, such as a public Wi-Fi network, a provider or a compromised router, can read it or even change it. ` +
        `HTTPS is HTTP sent inside TLS. TLS encrypts the traffic, detects tampering and, through the site's certificate, signed by an authority the browser trusts, ` +
        `proves that the browser is really talking to ${f.site} and not to an impostor. Browsers mark plain-HTTP pages as "not secure".`,
    },
    { kind: "paragraph", text: modeText(f) },
  ];
  const uses = certificateUses(f);
  if (uses.length)
    blocks.push({
      kind: "bullets",
      items: uses.map((u) => `${names(u.hosts)} ${u.hosts.length === 1 ? "holds a certificate" : "hold certificates"} for ${u.purpose}${u.public ? " (the one browsers check)" : ""}`),
    });
  const plain = plainHops(f);
  if (f.https && plain.length) {
    blocks.push({ kind: "paragraph", text: "Still readable by anyone who gets onto the private network:" });
    blocks.push({ kind: "bullets", items: plain });
  }
  if (f.https && f.model.flows.some((fl) => fl.protocol === "prometheus"))
    blocks.push({ kind: "paragraph", text: "The monitoring traffic (Prometheus reading metrics) is not encrypted either; it carries numbers about the servers, not visitors' data." });
  return { id: "https", title: "HTTPS and TLS certificates", blocks };
}

function modeText(f: Facts): string {
  const { tls, loadBalancer } = f.model;
  const lbHosts = f.withRole("lb");
  const lbs =
    lbHosts.length === 1
      ? lbHosts[0]!.name
      : `the load balancer in use (${list(
          lbHosts.map((h) => h.name),
          "or",
        )})`;
  const webs = names(f.withRole("web"));
  const lbWeb = f.flow("lb-web");
  if (tls.mode === "none")
    return `This design has no certificate and serves plain HTTP on port ${f.flow("user-http")?.port ?? 80}: every request and response between the user and ${f.front.name} can be read and modified on the way.`;
  if (!loadBalancer)
    return `HTTPS ends at the web server: ${webs} ${f.withRole("web").length === 1 ? "holds" : "hold"} the certificate for ${f.site} and decrypt${f.withRole("web").length === 1 ? "s" : ""} each request on port 443.`;
  if (tls.mode === "terminate")
    return (
      `HTTPS ends at the load balancer (TLS termination): ${lbs} decrypts each request on port 443 and forwards it to ${webs} in plain HTTP on port ${lbWeb?.port ?? 80}, over the private network. ` +
      `Visitors are protected on the Internet and the web servers are spared the work of encryption, but from the load balancer inwards the traffic is readable by anyone who gets onto the private network.`
    );
  if (tls.mode === "passthrough")
    return (
      `HTTPS passes through the load balancer unopened: ${lbs} relays the encrypted bytes of each connection to a web server, and ${webs} ${f.withRole("web").length === 1 ? "holds the certificate and decrypts" : "hold the certificate and decrypt"}. ` +
      `Traffic stays encrypted up to the web servers, but the load balancer cannot read the requests: it balances whole connections, cannot route by path or add headers, and can only check the web servers' health at the TCP level.`
    );
  return (
    `HTTPS ends at the load balancer and starts again (re-encryption): ${lbs} decrypts each request so that it can read it and pick a web server, ` +
    `then opens a new TLS connection to that web server on port ${lbWeb?.port ?? 443}. The request is encrypted on every network it crosses; the price is a second TLS handshake and a second certificate to manage.` +
    (tls.internal ? ` The inner hops are encrypted too: nginx reaches the application over HTTPS and the application reaches MariaDB over TLS, replication included.` : "")
  );
}

/** The user-data hops that cross a network in clear text, in words. */
export function plainHops(f: Facts): string[] {
  return f.model.flows
    .filter((fl) => !fl.encrypted && fl.network === "private" && (fl.protocol === "http" || fl.protocol === "mysql" || fl.protocol === "tcp"))
    .filter((fl) => crossesNetwork(f, fl))
    .map((fl) => `${between(fl)}, port ${fl.port} (${fl.purpose})`);
}

/** "lb-1 to server-1 and server-2", or "between server-1 and server-2" when both ends are the same hosts. */
function between(fl: Flow): string {
  const same = fl.from.hosts.length === fl.to.hosts.length && fl.from.hosts.every((h) => fl.to.hosts.includes(h));
  return same ? `between ${names(fl.from.hosts)}` : `${names(fl.from.hosts)} to ${names(fl.to.hosts)}`;
}

/** False for a flow that only ever stays inside one host (web and app on the same machine). */
function crossesNetwork(f: Facts, fl: Flow): boolean {
  if (fl.id === "web-app") return fl.from.hosts.some((h) => !f.host(h).roles.includes("app"));
  return fl.from.hosts.some((a) => fl.to.hosts.some((b) => a !== b));
}
