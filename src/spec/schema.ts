// The stack spec: the one schema that stack.yaml and stacklab.config.ts both go through.
import { z } from "zod";

/** Roles a server can carry. Load balancers are declared in `loadBalancer`, not here. */
export const ServerRole = z.enum(["web", "app", "db"]);
export type ServerRole = z.infer<typeof ServerRole>;

const hostName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,11}$/, "must be 1-12 characters: lowercase letters, digits and '-', starting with a letter");

const port = z.number().int().min(1).max(65535);

/** A group of identical servers: `count` hosts named `<name>-1`, `<name>-2`, ... */
export const ServerGroup = z.strictObject({
  name: hostName.optional().describe("Name prefix of the hosts; default derived from the roles (web, app, db, server)"),
  roles: z.array(ServerRole).min(1).describe("What runs on each server of the group"),
  count: z.number().int().min(1).max(40).default(1).describe("How many servers the group has"),
});
export type ServerGroup = z.infer<typeof ServerGroup>;

export const LoadBalancer = z.strictObject({
  count: z.number().int().min(1).max(4).default(1).describe("How many HAProxy load balancers"),
  algorithm: z.enum(["roundrobin", "leastconn", "source"]).default("roundrobin"),
  ha: z
    .enum(["single", "active-passive", "active-active"])
    .default("single")
    .describe("single: one load balancer; active-passive: a pair sharing one floating IP (keepalived); active-active: two floating IPs, one per load balancer, both in DNS"),
  healthCheck: z
    .strictObject({
      intervalMs: z.number().int().min(100).max(60_000).default(500),
      fall: z.number().int().min(1).max(10).default(2),
      rise: z.number().int().min(1).max(10).default(2),
    })
    .prefault({}),
});
export type LoadBalancer = z.infer<typeof LoadBalancer>;

export const Tls = z.strictObject({
  mode: z
    .enum(["none", "terminate", "passthrough", "reencrypt"])
    .default("none")
    .describe("none: plain HTTP; terminate: HTTPS ends at the load balancer; passthrough: the web servers end it; reencrypt: the load balancer ends it and opens a new TLS connection to the web servers"),
  internal: z
    .boolean()
    .default(false)
    .describe("Also encrypt web -> app and app -> database hops (end-to-end TLS)"),
});
export type Tls = z.infer<typeof Tls>;

export const Firewall = z.strictObject({
  policy: z.enum(["none", "default-deny"]).default("none").describe("default-deny: nftables on every server allowing only the design's flows"),
});
export type Firewall = z.infer<typeof Firewall>;

export const Monitoring = z.strictObject({
  system: z.enum(["none", "prometheus"]).default("none"),
  qpsAlert: z.number().positive().default(500).describe("Alert when the site's requests per second exceed this"),
  errorRateAlert: z.number().min(0).max(1).default(0.05).describe("Alert when the share of 5xx answers exceeds this"),
});
export type Monitoring = z.infer<typeof Monitoring>;

export const Database = z.strictObject({
  engine: z.literal("mariadb").default("mariadb"),
  primary: hostName.optional().describe("Host holding the write primary; default the first host with role db"),
  replication: z
    .enum(["none", "async", "semisync"])
    .default("async")
    .describe("How replicas follow the primary (used when more than one host has role db)"),
  failover: z.enum(["manual", "automatic"]).default("manual"),
  controller: hostName
    .optional()
    .describe("Host running the automatic failover controller; default the monitoring host, else the first load balancer"),
});
export type Database = z.infer<typeof Database>;

export const DnsRecord = z.strictObject({
  name: z.string().regex(/^(@|[a-z0-9]([a-z0-9-]*[a-z0-9])?)$/, "a label such as www, or @ for the domain itself"),
  type: z.enum(["A", "CNAME"]).default("A"),
  target: z
    .string()
    .default("entry")
    .describe("For A: 'entry' (the entry point) or a host name; for CNAME: another name in the zone"),
});
export type DnsRecord = z.infer<typeof DnsRecord>;

export const Dns = z.strictObject({
  records: z
    .array(DnsRecord)
    .default([
      { name: "www", type: "A", target: "entry" },
      { name: "@", type: "A", target: "entry" },
    ]),
  ttl: z.number().int().min(1).max(86_400).default(60),
});

const DemoApp = z.strictObject({
  type: z.literal("demo").describe("The built-in foobar guestbook"),
  workers: z.number().int().min(1).max(16).default(2),
  version: z.string().min(1).max(40).default("1.0.0"),
});
const CustomApp = z.strictObject({
  type: z.literal("custom").describe("Your own application"),
  command: z.string().min(1).describe("Command that starts one worker; it must listen on $PORT"),
  dir: z.string().min(1).optional().describe("Directory with the application, relative to the spec file"),
  port: port.default(8000),
  healthPath: z.string().startsWith("/").default("/healthz"),
  workers: z.number().int().min(1).max(16).default(2),
  usesDatabase: z.boolean().default(true),
});
export const App = z.discriminatedUnion("type", [DemoApp, CustomApp]);
export type App = z.infer<typeof App>;

export const Availability = z
  .strictObject({
    server: z.number().gt(0).lt(1).default(0.99),
    loadBalancer: z.number().gt(0).lt(1).default(0.995),
    dns: z.number().gt(0).lt(1).default(0.9999),
  })
  .describe("Per-component availability assumptions used by `plan`'s estimate");

/** The whole design. */
export const StackSpec = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1).default(1),
    name: hostName.default("foobar").describe("Short name of the design; the lab's default name"),
    description: z.string().optional(),
    domain: z
      .string()
      .regex(/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/, "a domain name such as foobar.com")
      .default("foobar.com"),
    dns: Dns.prefault({}),
    loadBalancer: LoadBalancer.optional().describe("HAProxy in front of the web tier; omit for none"),
    servers: z.array(ServerGroup).min(1).describe("The servers, as groups of identical hosts"),
    database: Database.prefault({}),
    app: App.default({ type: "demo", workers: 2, version: "1.0.0" }),
    tls: Tls.prefault({}),
    firewall: Firewall.prefault({}),
    monitoring: Monitoring.prefault({}),
    availability: Availability.prefault({}),
  })
  .describe("A stacklab design: one web infrastructure for one domain");

/** A spec as written by a person (defaults may be omitted). */
export type StackInput = z.input<typeof StackSpec>;
/** A spec after validation, with every default filled in. */
export type Stack = z.output<typeof StackSpec>;
