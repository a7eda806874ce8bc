// The journey's first half: the DNS lookup, the connection to the entry point, TLS and the load balancer's choice.
import { PORTS } from "../model/index.js";
import { addressOf, list, names, pointsToText, type Facts } from "./facts.js";
import { addr, type Cast, type HopInput } from "./journey-cast.js";

/** The DNS lookup of the site's name. */
export function lookup(f: Facts, c: Cast): HopInput {
  const { dns } = f.model;
  const first = f.chain[0];
  const final = f.chain.at(-1);
  const answer =
    first?.type === "CNAME" && final?.type === "A"
      ? `The answer says ${f.site} is an alias (CNAME) of ${first.values[0]} and gives that name's A record: ${pointsToText(final)}.`
      : `The answer is an A record: ${final ? pointsToText(final) : list(f.siteAddresses)}.`;
  const pick = f.siteAddresses.length > 1 ? ` The browser tries the first address it got, ${f.entry.address}.` : "";
  return {
    from: c.user.name,
    fromAddress: addressOf(c.user),
    to: c.dns.name,
    toAddress: dns.address,
    transport: "udp",
    protocol: "DNS",
    port: f.flow("user-dns")?.port ?? PORTS.dns,
    encrypted: false,
    what:
      `The user types ${f.site}. Before the browser can connect it needs the address behind the name, so the computer sends one small UDP packet to the DNS server at ${dns.address}, port 53: ` +
      `"what is the address of ${f.site}?" ${answer}${pick} The answer is cached for ${dns.ttl} seconds, so the next page view skips this step. ` +
      `(On the real Internet the question goes first to a resolver, the provider's or a public one, which asks the root servers, then the .${f.model.domain.split(".").at(-1)} servers, then ${f.model.domain}'s own name servers; here the ${c.dns.name} host plays all of them.)`,
  };
}

/** From the browser to the web server: redirect, TCP handshake, TLS handshake and the load balancer's choice. */
export function connect(f: Facts, c: Cast): HopInput[] {
  const hops: HopInput[] = [];
  const mode = f.model.tls.mode;
  const entry = f.entry;
  const frontProgram = c.lb ? `HAProxy on ${c.front.name}` : `nginx on ${c.front.name}`;
  const http = f.flow("user-http");
  const https = f.flow("user-https");
  const toFront = { from: c.user.name, fromAddress: addressOf(c.user), to: c.front.name, toAddress: entry.address, transport: "tcp" as const };
  if (https)
    hops.push({
      ...toFront,
      protocol: "HTTP",
      port: http?.port ?? PORTS.http,
      encrypted: false,
      what:
        `The user typed no "https://", so the browser starts with plain HTTP: it opens a TCP connection to ${entry.address}, port ${http?.port ?? PORTS.http}, and asks for http://${f.site}/. ` +
        `${frontProgram} answers with a redirect (301) to https://${f.site}/: nothing but this redirect is served unencrypted.`,
    });
  const port = https?.port ?? http?.port ?? PORTS.http;
  const holder =
    entry.kind === "floating"
      ? ` ${entry.address} is a floating IP: right now ${c.front.name} holds it, so the packets reach ${c.front.name}. If ${c.front.name} failed, keepalived on ${list(entry.holders.slice(1), "or")} would take the address over, and this same step would reach it instead.`
      : ` ${entry.address} is ${c.front.name}'s own public address.`;
  hops.push({
    ...toFront,
    protocol: "TCP",
    port,
    encrypted: false,
    what:
      `The browser opens a TCP connection to ${entry.address}, port ${port}: it sends SYN, ${c.front.name} answers SYN-ACK, the browser replies ACK. ` +
      `After this one round trip both sides have a reliable, ordered connection.${holder}`,
  });
  const tlsAtFront = https && (mode === "terminate" || mode === "reencrypt" || !c.lb);
  if (tlsAtFront) hops.push({ ...toFront, protocol: "TLS", port, encrypted: true, what: tlsHandshake(f, c.front.name, `Inside that connection the browser and ${c.front.name} set up TLS.`) });
  if (!https)
    hops.push({
      ...toFront,
      protocol: "HTTP",
      port,
      encrypted: false,
      what: `The browser sends its request over the connection as plain text: GET / with "Host: ${f.site}". Anyone on the path could read or change it.`,
    });
  if (c.lb) hops.push(balance(f, c));
  if (https && mode === "passthrough" && c.lb)
    hops.push({
      from: c.user.name,
      fromAddress: addressOf(c.user),
      to: c.web.name,
      toAddress: addressOf(c.web, "private"),
      transport: "tcp",
      protocol: "TLS",
      port: f.flow("lb-web")?.port ?? PORTS.https,
      encrypted: true,
      what: tlsHandshake(f, c.web.name, `Through ${c.lb.name}, which only relays the bytes, the browser and ${c.web.name} set up TLS.`),
    });
  return hops;
}

function tlsHandshake(f: Facts, holder: string, opening: string): string {
  return (
    `${opening} ${holder} presents the certificate for ${f.site}; the browser checks that an authority it trusts signed it for this name, ` +
    `and both sides agree on fresh session keys. From here on everything on this connection is encrypted. The browser sends its request, GET / with "Host: ${f.site}", inside the encrypted channel.`
  );
}

/** The load balancer's hop: its choice of web server and how the request is forwarded. */
function balance(f: Facts, c: Cast): HopInput {
  const lb = c.lb!;
  const model = f.model.loadBalancer!;
  const webs = f.withRole("web").map((h) => h.name);
  const flow = f.flow("lb-web");
  const mode = f.model.tls.mode;
  const { fromAddress, toAddress } = addr(lb, c.web);
  const port = flow?.port ?? PORTS.http;
  const choice =
    webs.length === 1
      ? `there is only ${c.web.name} behind it, so the choice is easy`
      : model.algorithm === "roundrobin"
        ? `with round robin it is simply the next server's turn, ${c.web.name} this time, ${webs[1]} for the next request, and so on`
        : model.algorithm === "leastconn"
          ? `with leastconn it takes the server with the fewest open connections, ${c.web.name} here (when servers tie, they take turns)`
          : `with source hashing, the hash of the visitor's address ${addressOf(c.user)} picks the server, say ${c.web.name}, and every later request from that address goes to the same one`;
  const among = webs.length > 1 ? `. It only considers those of ${names(webs)} that pass their health checks, and ${choice}` : `: ${choice}`;
  let what: string;
  if (mode === "passthrough")
    what =
      `HAProxy on ${lb.name} will never see the request in clear: the connection will be encrypted from the browser to the web server. So it picks a web server for the whole connection as soon as it opens${among}. ` +
      `It then opens a TCP connection from its private address ${fromAddress} to ${c.web.name} at ${toAddress}, port ${port}, and relays the encrypted bytes without opening them.`;
  else if (mode === "reencrypt")
    what =
      `HAProxy on ${lb.name} has decrypted the request, so it can read it, and picks a web server${among}. ` +
      `It then opens a new TLS connection from ${fromAddress} to ${c.web.name} at ${toAddress}, port ${port}, and sends the request encrypted again: this is re-encryption. ` +
      `${c.web.name} proves itself with its own certificate, so the request crosses the private network encrypted too.`;
  else
    what =
      `HAProxy on ${lb.name} ${mode === "terminate" ? "decrypts the request, so the encryption ends here. It reads the request" : "reads the request"} and picks a web server${among}. ` +
      `It forwards the request from its private address ${fromAddress} to ${c.web.name} at ${toAddress}, port ${port}, in plain HTTP over the private network.`;
  return {
    from: lb.name,
    fromAddress,
    to: c.web.name,
    toAddress,
    transport: "tcp",
    protocol: flow?.protocol === "https" ? (mode === "passthrough" ? "TCP" : "HTTPS") : "HTTP",
    port,
    encrypted: flow?.encrypted ?? false,
    what,
  };
}
