// The typed result of `stacklab explain`: sections of prose and the hop-by-hop journey of one request.

/** A piece of a section: a paragraph, a bullet list, or a small heading inside the section. */
export type Block = { kind: "paragraph"; text: string } | { kind: "bullets"; items: string[] } | { kind: "subheading"; text: string };

/** Which question a section answers; stable, so tests and tools can find a section. */
export type SectionId = "overview" | "basics" | "components" | "dns" | "load-balancing" | "redundancy" | "database" | "elements" | "firewall" | "https" | "monitoring";

export interface Section {
  id: SectionId;
  title: string;
  blocks: Block[];
}

/** One step of a request's trip between two hosts (or inside one host). */
export interface Hop {
  step: number;
  from: string;
  fromAddress: string;
  to: string;
  toAddress: string;
  transport: "udp" | "tcp";
  /** What is spoken on this hop: DNS, TCP, TLS, HTTP, HTTPS, MySQL, MySQL over TLS. */
  protocol: string;
  /** The server side's port of the connection the hop uses. */
  port: number;
  encrypted: boolean;
  /** True when both ends are on the same host: the packets never leave it. */
  sameHost: boolean;
  what: string;
}

export interface Journey {
  title: string;
  intro: string;
  hops: Hop[];
  outro: string;
}

export interface Explanation {
  design: string;
  domain: string;
  /** The name the journey starts from, e.g. www.foobar.com. */
  site: string;
  sections: Section[];
  journey: Journey;
}
