// The stack spec: the one schema that stack.yaml and stacklab.config.ts both go through.
import { z } from "zod";
import { Size } from "./size.js";

/** Roles a server can carry. Load balancers are declared in `loadBalancer`, not here. */
export const ServerRole = z.enum(["web", "app", "db"]).describe("web: nginx serving static files and proxying to the app; app: the application server; db: MariaDB");
export type ServerRole = z.infer<typeof ServerRole>;

// 12 characters plus a "-40" suffix stays within the 15 characters of a Linux interface name.
const hostName = z.string().regex(/^[a-z][a-z0-9-]{0,11}$/, "must be 1-12 characters: lowercase letters, digits and '-', starting with a letter");

const port = z.number().int().min(1).max(65535);

/** One line of text: no control characters (newline, carriage return, NUL, escape...). */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const ONE_LINE = /^[^\u0000-\u001f\u007f]*$/;
const oneLine = (max: number) => z.string().max(max).regex(ONE_LINE, "must be one line without control characters");
/** A word naming a role or a host: it reaches nftables comments, plan and audit. */
const roleOrHost = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "must be a role (lb, web, app, db, monitor), user, or a host name: lowercase letters, digits and '-'");

/**
 * A path on this machine as it reaches scripts and env files: normalised (no `..` or inner `.` segment, no `//`, no
 * trailing `/`; a leading `./` is allowed) and made of letters, digits and `. _ + @ - /` only, so no quote, space, `$` or newline can reach a shell.
 */
export const SAFE_PATH = /^(\.|\/|(\/|\.\/)?[A-Za-z0-9_+@-][A-Za-z0-9._+@-]*(\/[A-Za-z0-9_+@-][A-Za-z0-9._+@-]*)*)$/;
const safePath = z.string().max(1024).regex(SAFE_PATH, "must be a normalised path: letters, digits and . _ + @ - / only, no '..' or '.' segment, no '//' or trailing '/'");

/** A group of identical servers: `count` hosts named `<name>-1`, `<name>-2`, ... */
export const ServerGroup = z.strictObject({
  name: hostName.optional().describe("Name prefix of the hosts (<name>-1, <name>-2, ...); default: the role when the group has one (web, app, db), else server"),
  roles: z.array(ServerRole).min(1).describe("What runs on each server of the group: any of web, app, db"),
  count: z.number().int().min(1).max(40).default(1).describe("How many servers the group has"),
  size: Size.optional().describe("CPU and memory of each server of the group, e.g. {cpu: 0.5, memory: 512Mi}; default: unlimited (the whole machine)"),
});
export type ServerGroup = z.infer<typeof ServerGroup>;

const HealthCheck = z
  .strictObject({
    intervalMs: z.number().int().min(100).max(60_000).default(500).describe("Milliseconds between two health checks of a web server"),
    fall: z.number().int().min(1).max(10).default(2).describe("Failed checks in a row before a web server is taken out"),
    rise: z.number().int().min(1).max(10).default(2).describe("Passed checks in a row before a web server is put back"),
  })
  .describe("How the load balancers check the web servers");

const LoadBalancerFields = z.strictObject({
  count: z.number().int().min(1).max(4).optional().describe("How many HAProxy load balancers; default 1, or 2 when ha is active-passive or active-active"),
  algorithm: z
    .enum(["roundrobin", "leastconn", "source"])
    .default("roundrobin")
    .describe("roundrobin: each web server in turn; leastconn: the one with the fewest open connections; source: the same client always to the same server"),
  ha: z
    .enum(["single", "active-passive", "active-active"])
    .default("single")
    .describe("single: one load balancer; active-passive: the load balancers share one floating IP (keepalived); active-active: one floating IP per load balancer, all of them in DNS"),
  healthCheck: HealthCheck.prefault({}),
  size: Size.optional().describe("CPU and memory of each load balancer, e.g. {cpu: 0.25, memory: 256Mi}; default: unlimited"),
});

/** The HAProxy tier; `count` defaults to 1, or 2 when the load balancers share floating IPs. */
export const LoadBalancer = LoadBalancerFields.transform((lb) => ({
  count: lb.count ?? (lb.ha === "single" ? 1 : 2),
  algorithm: lb.algorithm,
  ha: lb.ha,
  healthCheck: lb.healthCheck,
  ...(lb.size ? { size: lb.size } : {}),
}));
export type LoadBalancer = z.infer<typeof LoadBalancer>;

export const Tls = z.strictObject({
  mode: z
    .enum(["none", "terminate", "passthrough", "reencrypt"])
    .default("none")
    .describe(
      "none: plain HTTP; terminate: HTTPS ends at the load balancer; passthrough: the web servers end it; reencrypt: the load balancer ends it and opens a new TLS connection to the web servers",
    ),
  internal: z.boolean().default(false).describe("Also encrypt the web -> app and app -> database hops (end-to-end TLS)"),
});
export type Tls = z.infer<typeof Tls>;

/** One flow the design adds to those stacklab derives from the tiers (an admin port, a sidecar, a partner's access). */
export const FirewallAllow = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,30}$/, "must be 1-31 characters: lowercase letters, digits and '-', starting with a letter")
      .optional()
      .describe("Name of the flow in rule comments, plan and audit; default allow-<n>"),
    from: roleOrHost.describe("Who opens the connection: a role (lb, web, app, db, monitor), a host name, or user for visitors from anywhere"),
    to: roleOrHost.describe("Who accepts it: a role (lb, web, app, db, monitor) or a host name"),
    port: port.describe("Destination port"),
    protocol: z.enum(["tcp", "udp"]).default("tcp").describe("Transport protocol"),
    purpose: z
      .string()
      .min(1)
      .max(120)
      .regex(/^[^"\\\n]*$/, "must be one line without quotes or backslashes")
      .optional()
      .describe("What the flow is for, written next to its rule"),
    acceptRisk: oneLine(200).min(1).optional().describe("Required to open a database host to visitors: why you accept the risk. plan reports the flow as a high finding"),
  })
  .describe("A flow the firewalls let through on top of the design's own");
export type FirewallAllow = z.infer<typeof FirewallAllow>;

export const Firewall = z.strictObject({
  policy: z.enum(["none", "default-deny"]).default("none").describe("none: every port open; default-deny: nftables on every server allowing only the design's flows"),
  allow: z.array(FirewallAllow).max(50).default([]).describe("Flows to let through on top of those the design derives from its tiers (needs policy: default-deny)"),
});
export type Firewall = z.infer<typeof Firewall>;

export const Monitoring = z.strictObject({
  system: z.enum(["none", "prometheus"]).default("none").describe("none: no monitoring; prometheus: exporters on every server, scraped by a monitoring host (mon-1)"),
  qpsAlert: z.number().positive().optional().describe("Alert when the site's requests per second exceed this; omit for no QPS alert"),
  errorRateAlert: z.number().min(0).max(1).optional().describe("Alert when the share of 5xx answers exceeds this (0..1); omit for no error-rate alert"),
});
export type Monitoring = z.infer<typeof Monitoring>;

export const Database = z.strictObject({
  engine: z.literal("mariadb").default("mariadb").describe("The database server; MariaDB is the one the lab runs"),
  primary: hostName.optional().describe("Host holding the write primary; default: the first host with role db. The other db hosts are its replicas"),
  replication: z
    .enum(["none", "async", "semisync"])
    .default("async")
    .describe("How replicas follow the primary when more than one host has role db: async, or semisync (a commit waits for one replica)"),
  failover: z.enum(["manual", "automatic"]).default("manual").describe("manual: a person promotes a replica; automatic: a controller promotes one when the primary dies"),
  controller: hostName
    .optional()
    .describe("Host running the automatic failover controller; default: the monitoring host, else the first load balancer, else the first app server. Ignored when etcd is set"),
  autoRebuild: z
    .boolean()
    .default(true)
    .describe(
      "With failover: automatic, a replica found diverged (it holds transactions the primary never had) is rebuilt from the primary at once, its own transactions saved to a file of the lab; false: the divergence is only recorded, for a person to inspect (`stacklab db rejoin HOST --rebuild`)",
    ),
  primaryLease: z
    .boolean()
    .optional()
    .describe(
      "With etcd: the primary's database agent holds a lease in etcd (Patroni's pattern) and the server may be writable only while it holds it; a primary that cannot renew it goes read-only by itself, and a promotion takes the key first. Writes then depend on etcd's quorum. Off unless asked; blueprint 3 asks for it (see docs/failover.md)",
    ),
  etcd: z
    .array(hostName)
    .min(1)
    .max(7)
    .optional()
    .describe(
      "Hosts holding the members of an etcd cluster, one member each (at least 3 with failover: automatic, so losing any one keeps a quorum); a failover controller runs on each, one of them leading through an etcd lease",
    ),
});
export type Database = z.infer<typeof Database>;

export const DnsRecord = z.strictObject({
  name: z
    .string()
    .regex(/^(@|[a-z0-9]([a-z0-9-]*[a-z0-9])?)$/, "must be a label such as www, or @ for the domain itself")
    .describe("Label inside the domain (www, api), or @ for the domain itself"),
  type: z.enum(["A", "CNAME"]).default("A").describe("A: points at addresses; CNAME: an alias of another name in the zone"),
  target: z
    .string()
    .max(253)
    .regex(/^(@|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\.?)$/, "must be entry, a host name, or a name in the zone (www, www.foobar.com)")
    .default("entry")
    .describe("For A: 'entry' (the design's entry point) or a host name; for CNAME: another name in the zone (www, or www.foobar.com)"),
});
export type DnsRecord = z.infer<typeof DnsRecord>;

export const Dns = z.strictObject({
  records: z
    .array(DnsRecord)
    .default([
      { name: "www", type: "A", target: "entry" },
      { name: "@", type: "A", target: "entry" },
    ])
    .describe("Records of the zone; default: www and @ as A records to the entry point"),
  ttl: z.number().int().min(1).max(86_400).default(60).describe("Seconds resolvers may cache an answer"),
});

const workers = z.number().int().min(1).max(16).default(2).describe("Worker processes per app server");

const DemoApp = z
  .strictObject({
    type: z.literal("demo").describe("The built-in foobar guestbook"),
    workers,
    version: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,39}$/, "must be 1-40 characters: letters, digits and . _ + -")
      .default("1.0.0")
      .describe("Version string the demo app reports (changes on deploy)"),
  })
  .describe("The built-in foobar guestbook, backed by the database");
const CustomApp = z
  .strictObject({
    type: z.literal("custom").describe("Your own application"),
    command: oneLine(4096).min(1).describe("Command that starts one worker (a shell command line, run by /bin/sh); it must listen on $PORT"),
    dir: safePath.optional().describe("Directory with the application, relative to the spec file or absolute; it must exist"),
    port: port.default(8000).describe("Port the workers listen on"),
    healthPath: z
      .string()
      .regex(/^\/[A-Za-z0-9._~%/?=&+-]{0,199}$/, "must be a URL path starting with /: letters, digits and . _ ~ % / ? = & + - (at most 200 characters)")
      .default("/healthz")
      .describe("Path that answers 200 when a worker is healthy"),
    workers,
    usesDatabase: z.boolean().default(true).describe("Whether the app needs the database tier"),
  })
  .describe("Your own application, started by a command on every app server");
export const App = z.discriminatedUnion("type", [DemoApp, CustomApp]);
export type App = z.infer<typeof App>;

const share = (what: string, value: number) => z.number().gt(0).lt(1).default(value).describe(`Share of the time ${what} is up (0..1)`);
export const Availability = z
  .strictObject({
    server: share("one server", 0.99),
    loadBalancer: share("one load balancer", 0.995),
    dns: share("DNS", 0.9999),
  })
  .describe("Per-component availability assumptions used by `plan`'s estimate");

/** The whole design. */
export const StackSpec = z
  .strictObject({
    $schema: oneLine(2048).optional().describe("Path or URL of this JSON Schema, for editors; ignored by stacklab"),
    version: z.literal(1).default(1).describe("Version of the stack.yaml format; 1"),
    name: hostName.default("foobar").describe("Short name of the design; the lab's default name"),
    description: oneLine(500).optional().describe("One sentence saying what the design is"),
    domain: z
      .string()
      .max(253)
      .regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a domain name such as foobar.com")
      .default("foobar.com")
      .describe("The site's domain; the lab's DNS server answers for it"),
    dns: Dns.prefault({}).describe("The zone the lab's DNS server serves"),
    loadBalancer: LoadBalancer.optional().describe("HAProxy in front of the web tier; omit for none"),
    servers: z.array(ServerGroup).min(1).describe("The servers, as groups of identical hosts"),
    database: Database.prefault({}).describe("How the hosts with role db work together"),
    app: App.default({ type: "demo", workers: 2, version: "1.0.0" }).describe("The application the app servers run"),
    tls: Tls.prefault({}).describe("Where HTTPS is terminated, and whether internal hops are encrypted"),
    firewall: Firewall.prefault({}).describe("Host firewalls"),
    monitoring: Monitoring.prefault({}).describe("Metrics collection and alerts"),
    availability: Availability.prefault({}),
  })
  .describe("A stacklab design: one web infrastructure for one domain");

/** A spec as written by a person (defaults may be omitted). */
export type StackInput = z.input<typeof StackSpec>;
/** A spec after validation, with every default filled in. */
export type Stack = z.output<typeof StackSpec>;
