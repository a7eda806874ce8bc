// Section "The basics": what a server is, what the domain name does, web vs app server, how machines talk.
import { PORTS } from "../model/index.js";
import { addressOf, list, names, type Facts } from "./facts.js";
import { portsText, softwareName } from "./software.js";
import type { Block, Section } from "./types.js";

/** Answers the course's general questions with this design's own hosts, programs and ports. */
export function basicsSection(f: Facts): Section {
  return {
    id: "basics",
    title: "The basics, with this design's parts",
    blocks: [...whatIsAServer(f), ...domainName(f), ...webAppDb(f), ...howTheyTalk(f)],
  };
}

function whatIsAServer(f: Facts): Block[] {
  const example = f.withRole("web")[0] ?? f.servers[0]!;
  const programs = f.servicesOn(example.name).map((s) => `${softwareName(s.kind)}${s.ports.length ? ` on ${portsText(s)}` : ""}`);
  return [
    { kind: "subheading", text: "What a server is" },
    {
      kind: "paragraph",
      text:
        `A server is a computer whose job is to wait for requests from other computers, its clients, and answer them. ` +
        `It runs programs called services, and each service listens on a numbered port so that clients can say which one they want. ` +
        `For example ${example.name} runs ${list(programs)}. ` +
        `A real server is a machine in a data centre or a virtual machine in the cloud; in this lab each host is a Linux network namespace, ` +
        `with its own network interfaces, addresses and firewall, so it behaves on the network like a separate machine.`,
    },
  ];
}

function domainName(f: Facts): Block[] {
  const addrs = list(f.siteAddresses);
  return [
    { kind: "subheading", text: "What the domain name is for" },
    {
      kind: "paragraph",
      text:
        `Computers find each other by IP address, such as ${addrs}; people remember names. ` +
        `${f.model.domain} is the name this site is known by, and the Domain Name System (DNS) turns ${f.site} into the address behind it. ` +
        `Because visitors only ever use the name, the address can change (a new server, a load balancer put in front) by editing one DNS record, without telling anyone. ` +
        `Resolvers cache each answer for the record's TTL, ${f.model.dns.ttl} seconds here, so such a change takes up to that long to reach everyone.`,
    },
  ];
}

function webAppDb(f: Facts): Block[] {
  const web = f.withRole("web");
  const app = f.withRole("app");
  const db = f.withRole("db");
  const appPort = f.flow("web-app")?.port ?? PORTS.app;
  const together = f.servers.filter((h) => h.roles.includes("web") && h.roles.includes("app"));
  const placement = together.length
    ? `On ${names(together)} the web server and the application server share a machine; they are still separate programs that talk to each other over a port.`
    : `In this design they run on separate machines, so each can be sized and scaled for its own job.`;
  const dbText = db.length
    ? `The database (MariaDB on ${names(db)}) keeps the site's data on disk, safely and consistently, and answers the application's queries; only the application talks to it, never the browser.`
    : `This design has no database: the application keeps no data of its own that must survive a restart.`;
  return [
    { kind: "subheading", text: "Web server, application server and database" },
    {
      kind: "paragraph",
      text:
        `A web server (here nginx, on ${names(web)}) speaks HTTP with clients. It is very good at handling many connections at once and at sending files that are the same for every visitor (style sheets, scripts, images): this is static content. ` +
        `An application server (here ${f.appName}, on ${names(app)}, port ${appPort}) runs the site's code: for each request it decides what to show, reads or changes data, and builds the page. That is dynamic content, different for each request. ` +
        `The web server stands in front of the application as a reverse proxy: it answers static requests itself and passes the others on.`,
    },
    { kind: "paragraph", text: `${dbText} ${placement}` },
  ];
}

function howTheyTalk(f: Facts): Block[] {
  const user = f.host("user");
  const dns = f.flow("user-dns");
  const http = f.flow("user-http");
  const https = f.flow("user-https");
  const webText = https
    ? `This design uses HTTPS: the same HTTP carried inside an encrypted TLS channel, on TCP port ${https.port}. Plain HTTP on port ${http?.port ?? PORTS.http} is only answered with a redirect to HTTPS.`
    : `This design uses plain HTTP on TCP port ${http?.port ?? PORTS.http}: nothing between the browser and the site is encrypted.`;
  return [
    { kind: "subheading", text: "How the server talks to the user's computer" },
    {
      kind: "paragraph",
      text:
        `Through the Internet's family of protocols, TCP/IP, in a client-server conversation. IP carries packets from one address to another, ` +
        `here between the user's ${addressOf(user)} and the site's ${f.entry.address}. TCP, on top of IP, turns those packets into a reliable, ordered two-way connection. ` +
        `Over that connection the browser and the server speak HTTP: the browser sends a request (GET / with "Host: ${f.site}") and the server sends back a response (a status such as 200 OK, headers, then the page). ` +
        `${webText} Before any of this, finding the address uses DNS, over UDP port ${dns?.port ?? PORTS.dns}.`,
    },
  ];
}
