// The audit's judges, fed with what the probes would see: they must fail on what a user would call a hole.
import { describe, expect, it } from "vitest";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel, type Model } from "../../src/model/index.js";
import { judgeCapture } from "../../src/audit/capture.js";
import { declaredFlow, onLink } from "../../src/audit/expected.js";
import { judgeScan, scanTargets } from "../../src/audit/exposure.js";
import { firewallProblems, parseNftJson } from "../../src/audit/firewall.js";
import { grantProblems, parseGrants } from "../../src/audit/grants.js";
import { parseAddresses, parsePs, parseSs, type HostInventory } from "../../src/audit/inventory.js";
import { plaintextIn, tcpSegments } from "../../src/audit/pcap.js";
import { judgeService, serviceTrees } from "../../src/audit/privileges.js";
import { endpointsOf, judgeMatrix, judgeVrrp, type MatrixCell } from "../../src/audit/reachability.js";
import { secretsIn } from "../../src/audit/secret-leaks.js";
import { tlsEndpoints } from "../../src/audit/tls-endpoints.js";
import { judgeCertificates, judgeCiphers, judgeHttp, judgeVersions, parseHttpOutput, type ProbedEndpoint } from "../../src/audit/tls-checks.js";
import { parseTlsOutput } from "../../src/audit/tls-probe.js";
import { formatAudit } from "../../src/audit/format.js";
import type { AuditReport } from "../../src/audit/types.js";
import { loadStackYaml } from "../../src/spec/load.js";

const bp = (name: string): Model => buildModel(loadBlueprint(name));
const addr = (m: Model, host: string, network: "public" | "private") => m.hosts.find((h) => h.name === host)!.interfaces.find((i) => i.network === network)!.address;

describe("reading a host's inventory", () => {
  it("parses listening sockets, wildcard and bound, TCP and UDP", () => {
    const ss = [
      "tcp LISTEN 0      4096   198.18.5.10:8405 0.0.0.0:*",
      "tcp LISTEN 0      4096       0.0.0.0:80   0.0.0.0:*",
      "tcp LISTEN 0      511    *:8000 *:*",
      "udp UNCONN 0      0      198.18.4.53:53 0.0.0.0:*",
      "tcp LISTEN 0      511      127.0.0.1:8080 0.0.0.0:*",
      "tcp LISTEN 0      511    [::1]:9999 [::]:*",
    ].join("\n");
    expect(parseSs(ss)).toEqual([
      { transport: "tcp", address: "198.18.5.10", port: 8405 },
      { transport: "tcp", address: "*", port: 80 },
      { transport: "tcp", address: "*", port: 8000 },
      { transport: "udp", address: "198.18.4.53", port: 53 },
      { transport: "tcp", address: "127.0.0.1", port: 8080 },
    ]);
    expect(parseAddresses("2: eth0    inet 198.18.4.20/24 scope global eth0\\\n2: eth0    inet 198.18.4.100/24 scope global secondary eth0")).toEqual([
      { address: "198.18.4.20", prefix: 24 },
      { address: "198.18.4.100", prefix: 24 },
    ]);
    expect(parsePs("   22    21 www-data   nginx: worker process\n")).toEqual([{ pid: 22, ppid: 21, user: "www-data", args: "nginx: worker process" }]);
  });
});

describe("what the design allows", () => {
  const m = bp("3");
  it("lets visitors' flows come from outside the design only, and servers open only their own flows", () => {
    const floating = m.entryPoints[0]!.address;
    expect(declaredFlow(m, "user", "lb-1", floating, 443, "tcp")?.id).toBe("user-https");
    expect(declaredFlow(m, "dns", "lb-1", floating, 443, "tcp")?.id).toBe("user-https");
    expect(declaredFlow(m, "lb-2", "lb-1", floating, 443, "tcp")).toBeUndefined();
    expect(declaredFlow(m, "user", "lb-1", addr(m, "lb-1", "public"), 443, "tcp")).toBeUndefined();
    expect(declaredFlow(m, "app-1", "db-1", addr(m, "db-1", "private"), 3306, "tcp")?.id).toBe("app-db");
    expect(declaredFlow(m, "web-1", "db-1", addr(m, "db-1", "private"), 3306, "tcp")).toBeUndefined();
    expect(onLink(addr(m, "db-1", "private"), [{ address: addr(m, "user", "public"), prefix: 24 }])).toBe(false);
  });

  it("lists a host's listeners on each of its addresses, and the ports its flows expect even when nothing listens", () => {
    const inv: HostInventory = {
      host: "db-1",
      listeners: [
        { transport: "tcp", address: "*", port: 3306 },
        { transport: "tcp", address: "127.0.0.1", port: 9999 },
      ],
      addresses: [{ address: addr(m, "db-1", "private"), prefix: 24 }],
      processes: [],
    };
    const eps = endpointsOf(m, inv);
    expect(eps.find((e) => e.target.port === 3306)).toEqual({ target: { address: addr(m, "db-1", "private"), port: 3306, transport: "tcp" }, listening: true });
    expect(eps.find((e) => e.target.port === 9104)?.listening).toBe(false);
    expect(eps.some((e) => e.target.port === 9999)).toBe(false);
  });
});

describe("judging the reachability matrix", () => {
  const m = bp("3");
  const cell = (c: Partial<MatrixCell>): MatrixCell => ({
    from: "app-1",
    to: "db-1",
    address: addr(m, "db-1", "private"),
    port: 3306,
    transport: "tcp",
    listening: true,
    state: "open",
    through: true,
    ...c,
  });
  it("passes when declared flows get through and the rest is blocked", () => {
    const r = judgeMatrix(m, [cell({ flow: "app-db" }), cell({ from: "web-1", state: "filtered", through: false })]);
    expect(r.status).toBe("pass");
  });
  it("fails on a declared flow that is blocked, and on an undeclared one that gets through", () => {
    const blocked = judgeMatrix(m, [cell({ flow: "app-db", state: "filtered", through: false })]);
    expect(blocked.status).toBe("fail");
    expect(blocked.details[0]).toMatch(/^blocked but should be allowed: app-1 -> db-1 .*:3306\/tcp \(flow app-db\): filtered/);
    const open = judgeMatrix(m, [cell({ from: "lb-1" })]);
    expect(open.status).toBe("fail");
    expect(open.details[0]).toMatch(/^allowed but should be blocked: lb-1 -> db-1/);
  });
  it("only notes open ports on the lab's own DNS server, which is not part of the design", () => {
    const r = judgeMatrix(m, [cell({ from: "user", to: "dns", address: addr(m, "dns", "public"), port: 53 })]);
    expect(r.status).toBe("pass");
    expect(r.details[0]).toMatch(/lab's own dns host/);
  });
  it("does not judge a probe to an address the probing host held itself (a floating IP that moved to it meanwhile)", () => {
    const floating = m.entryPoints[0]!.address;
    const r = judgeMatrix(m, [cell({ flow: "app-db" }), cell({ from: "lb-2", to: "lb-1", address: floating, port: 80, listening: true, state: "local", through: null })]);
    expect(r.status).toBe("pass");
    expect(r.details).toEqual([expect.stringMatching(new RegExp(`^not judged: lb-2 held ${floating.replace(/\./g, "\\.")} itself during the probes .*: local$`))]);
  });
  it("fails VRRP when both load balancers hold the floating IP", () => {
    const floating = m.entryPoints[0]!.address;
    const inv = (host: string, extra: string[]): HostInventory => ({ host, listeners: [], processes: [], addresses: [addr(m, host, "public"), ...extra].map((address) => ({ address, prefix: 24 })) });
    expect(
      judgeVrrp(
        m,
        new Map([
          ["lb-1", inv("lb-1", [floating])],
          ["lb-2", inv("lb-2", [])],
        ]),
      )!.status,
    ).toBe("pass");
    expect(
      judgeVrrp(
        m,
        new Map([
          ["lb-1", inv("lb-1", [floating])],
          ["lb-2", inv("lb-2", [floating])],
        ]),
      )!.status,
    ).toBe("fail");
    expect(judgeVrrp(bp("2"), new Map())).toBeUndefined();
  });
});

describe("the scan from the user host", () => {
  const m = bp("0");
  const server = addr(m, "server-1", "public");
  it("fails when a server answers on a port other than the visitors' (design 0: the app on 8000)", () => {
    const r = judgeScan(m, [
      { address: server, port: 80, transport: "tcp", state: "open" },
      { address: server, port: 8000, transport: "tcp", state: "open" },
      { address: addr(m, "server-1", "private"), port: 3306, transport: "tcp", state: "unreachable" },
    ]);
    expect(r.status).toBe("fail");
    expect(r.details[0]).toBe(`answers but should not: ${server}:8000/tcp (server-1)`);
  });
  it("passes when only the entry point answers on 80 and 443, and fails when a private address is reachable", () => {
    const m3 = bp("3");
    const floating = m3.entryPoints[0]!.address;
    const ok = [
      { address: floating, port: 80, transport: "tcp" as const, state: "open" as const },
      { address: floating, port: 443, transport: "tcp" as const, state: "open" as const },
      { address: addr(m3, "lb-1", "public"), port: 443, transport: "tcp" as const, state: "filtered" as const },
    ];
    expect(judgeScan(m3, ok).status).toBe("pass");
    expect(judgeScan(m3, [...ok, { address: addr(m3, "db-1", "private"), port: 3306, transport: "tcp", state: "filtered" }]).status).toBe("fail");
  });
  it("warns, naming the spec's line, when a port answers because firewall.allow opens it to visitors", () => {
    const r0 = loadStackYaml('servers: [{ roles: [web, app, db] }]\nfirewall: { policy: default-deny, allow: [{ from: user, to: db, port: 3306, acceptRisk: "the DBA" }] }\n', "stack.yaml");
    if (!r0.ok) throw new Error("invalid");
    const me = buildModel(r0.value);
    const entry = me.entryPoints[0]!.address;
    const r = judgeScan(me, [
      { address: entry, port: 80, transport: "tcp", state: "open" },
      { address: entry, port: 3306, transport: "tcp", state: "open" },
    ]);
    expect(r.status).toBe("warn");
    expect(r.details[0]).toBe(`WARN answers because firewall.allow[0] opens it (flow allow-1, accepted risk: the DBA): ${entry}:3306/tcp (server-1)`);
    expect(r.summary).toMatch(/answering on 80, and on 3306\/tcp, which firewall.allow opens to visitors/);
  });
  it("tries every lab address except the user's own, on every port something listens on", () => {
    const inv: HostInventory = { host: "server-1", listeners: [{ transport: "tcp", address: "*", port: 4242 }], addresses: [], processes: [] };
    const t = scanTargets(m, new Map([["server-1", inv]]));
    expect(t.some((x) => x.address === server && x.port === 4242)).toBe(true);
    expect(t.some((x) => x.address === addr(m, "user", "public"))).toBe(false);
  });
});

// A pcap file built by hand: Ethernet + IPv4 + TCP frames carrying the given payloads.
function pcap(packets: { src: string; dst: string; sport: number; dport: number; payload: string | Buffer }[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20);
  const ip = (s: string) => Buffer.from(s.split(".").map(Number));
  const records = packets.map((p) => {
    const payload = typeof p.payload === "string" ? Buffer.from(p.payload, "latin1") : p.payload;
    const eth = Buffer.alloc(14);
    eth.writeUInt16BE(0x0800, 12);
    const iph = Buffer.alloc(20);
    iph[0] = 0x45;
    iph.writeUInt16BE(20 + 20 + payload.length, 2);
    iph[9] = 6;
    ip(p.src).copy(iph, 12);
    ip(p.dst).copy(iph, 16);
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(p.sport, 0);
    tcp.writeUInt16BE(p.dport, 2);
    tcp[12] = 5 << 4;
    const frame = Buffer.concat([eth, iph, tcp, payload]);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    return Buffer.concat([rec, frame]);
  });
  return Buffer.concat([head, ...records]);
}

describe("the capture on the private segment", () => {
  const marker = "stacklab-audit-0123";
  it("reads TCP payloads from a pcap file and finds HTTP, SQL and the marker in clear", () => {
    const segs = tcpSegments(pcap([{ src: "198.18.1.10", dst: "198.18.1.12", sport: 40000, dport: 80, payload: `GET /?audit=${marker} HTTP/1.1\r\nHost: x\r\n\r\n` }]));
    expect(segs).toHaveLength(1);
    expect(segs[0]).toMatchObject({ src: "198.18.1.10", dst: "198.18.1.12", sport: 40000, dport: 80 });
    expect(plaintextIn(segs[0]!.payload, marker)).toEqual(["http", "marker"]);
    expect(plaintextIn(Buffer.from("\u0003SELECT id, author FROM entries", "latin1"))).toEqual(["sql"]);
    expect(plaintextIn(Buffer.from([0x17, 0x03, 0x03, 0x00, 0x20, 0x8a, 0x11, 0x42]))).toEqual([]);
    expect(() => tcpSegments(Buffer.alloc(40, 1))).toThrow(/not a pcap/);
  });

  it("fails on plaintext in a hop the design encrypts, passes on TLS, leaves Prometheus scrapes out (design 3)", () => {
    const m = bp("3");
    const lb = addr(m, "lb-1", "private");
    const web = addr(m, "web-1", "private");
    const mon = addr(m, "mon-1", "private");
    const tls = Buffer.from([0x17, 0x03, 0x03, 0x00, 0x10, 1, 2, 3]);
    const scrape = { src: mon, dst: web, sport: 50000, dport: 9100, payload: "GET /metrics HTTP/1.1\r\n\r\n" };
    const clean = judgeCapture(m, tcpSegments(pcap([{ src: lb, dst: web, sport: 41000, dport: 443, payload: tls }, scrape])), marker);
    expect(clean.status).toBe("pass");
    expect(clean.details.some((d) => d.startsWith("excluded, Prometheus scrape"))).toBe(true);
    const leak = judgeCapture(m, tcpSegments(pcap([{ src: lb, dst: web, sport: 41000, dport: 443, payload: `GET /?audit=${marker} HTTP/1.1\r\n\r\n` }])), marker);
    expect(leak.status).toBe("fail");
    expect(leak.details[0]).toMatch(/^FAIL flow lb-web: lb-1 -> web-1:443, 1 packets, plaintext http\+marker/);
  });

  it("reports plaintext the design declares as a warning, not a failure (design 2: TLS ends at the load balancer)", () => {
    const m = bp("2");
    const r = judgeCapture(m, tcpSegments(pcap([{ src: addr(m, "server-1", "private"), dst: addr(m, "lb-1", "private"), sport: 80, dport: 45000, payload: "HTTP/1.1 200 OK\r\n\r\n" }])), marker);
    expect(r.status).toBe("warn");
    expect(r.summary).toContain("lb-web");
    expect(r.summary).toContain("TLS ends at the load balancer");
  });

  it("fails an empty capture where the visitor's requests must cross hosts, passes it where every tier shares one host", () => {
    const empty = tcpSegments(pcap([]));
    const two = judgeCapture(bp("2"), empty, marker);
    expect(two.status).toBe("fail");
    expect(two.summary).toMatch(/saw no packet.*lb-web/);
    const zero = judgeCapture(bp("0"), empty, marker);
    expect(zero.status).toBe("pass");
    expect(zero.summary).toContain("every tier on one host");
  });
});

describe("TLS", () => {
  it("probes every encrypted hop from a host its flow starts at, and names the certificate name each client checks (design 3)", () => {
    const m = bp("3");
    const eps = tlsEndpoints(m);
    const by = (flow: string) => eps.filter((e) => e.flow === flow);
    expect(by("user-https")).toEqual([expect.objectContaining({ from: "user", address: m.entryPoints[0]!.address, name: "www.foobar.com", server: "haproxy" })]);
    expect(by("lb-web").map((e) => [e.from, e.host, e.name])).toEqual([
      ["lb-1", "web-1", "web-1"],
      ["lb-1", "web-2", "web-2"],
    ]);
    expect(by("web-app").every((e) => e.name === "app.internal" && e.server === "app")).toBe(true);
    expect(by("app-db").every((e) => e.starttls === "mysql" && e.nameKind === "ip" && e.name === e.address)).toBe(true);
    expect(by("db-replication")).toEqual([]);
    expect(tlsEndpoints(bp("1"))).toEqual([]);
  });

  it("knows the site certificate is nginx's in passthrough", () => {
    const r = loadStackYaml("loadBalancer: {}\nservers: [{ roles: [web, app, db], count: 2 }]\ntls: { mode: passthrough }\n", "p.yaml");
    if (!r.ok) throw new Error("invalid");
    const eps = tlsEndpoints(buildModel(r.value));
    expect(eps.find((e) => e.flow === "user-https")!.server).toBe("nginx");
    expect(eps.filter((e) => e.flow === "lb-web").every((e) => e.name === "www.foobar.com")).toBe(true);
  });

  const sample = [
    "@@tls tls1 rc=1",
    "New, (NONE), Cipher is (NONE)",
    "@@tls tls1_1 rc=0",
    "New, TLSv1, Cipher is ECDHE-ECDSA-AES128-SHA",
    "@@tls tls1_2 rc=0",
    "New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256",
    "    Verify return code: 0 (ok)",
    "subject=CN = www.foobar.com",
    "issuer=O = stacklab lab CA, CN = stacklab lab CA",
    "notBefore=Jan  1 00:00:00 2026 GMT",
    "notAfter=Jan  1 00:00:00 2028 GMT",
    "X509v3 Subject Alternative Name: ",
    "    DNS:foobar.com, DNS:www.foobar.com, IP Address:198.18.0.100",
    "@@tls tls1_3 rc=0",
    "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384",
    "@@tls weak rc=0",
    "New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-SHA",
  ].join("\n");

  it("parses openssl's output per step", () => {
    const r = parseTlsOutput(sample);
    expect(r.get("tls1")!.ok).toBe(false);
    expect(r.get("tls1_1")).toMatchObject({ ok: true, cipher: "ECDHE-ECDSA-AES128-SHA" });
    expect(r.get("tls1_2")!.cert!.names).toEqual(["foobar.com", "www.foobar.com", "198.18.0.100"]);
    expect(r.get("tls1_2")!.verify).toBe("0 (ok)");
  });

  it("fails an endpoint that accepts TLS 1.1, a weak suite on HAProxy, and a two-year certificate", () => {
    const ep: ProbedEndpoint = {
      flow: "user-https",
      from: "user",
      host: "lb-1",
      address: "198.18.0.100",
      port: 443,
      name: "www.foobar.com",
      nameKind: "dns",
      server: "haproxy",
      steps: Object.fromEntries(parseTlsOutput(sample)),
    };
    expect(judgeVersions([ep]).status).toBe("fail");
    expect(judgeVersions([ep]).details[0]).toMatch(/accepts TLS 1\.1/);
    expect(judgeCiphers([ep]).status).toBe("fail");
    expect(judgeCiphers([{ ...ep, server: "mariadb" }]).status).toBe("warn");
    const certs = judgeCertificates([ep], new Date("2026-06-01"));
    expect(certs.status).toBe("fail");
    expect(certs.details[0]).toMatch(/valid for 730 days/);
    expect(judgeCertificates([{ ...ep, name: "shop.foobar.com" }], new Date("2026-06-01")).details[0]).toMatch(/lack shop\.foobar\.com/);
  });

  it("checks the redirect keeps the URL and HSTS comes over a verified chain", () => {
    const m = bp("2");
    const a = m.entryPoints[0]!.address;
    const page = "x-content-type-options: nosniff\nreferrer-policy: strict-origin-when-cross-origin\ncontent-security-policy: default-src 'self'\n";
    const good = parseHttpOutput(`@@http redirect ${a}\n301 https://www.foobar.com/guestbook?from=audit\n@@http hsts ${a}\nHTTP/2 200\nstrict-transport-security: max-age=63072000\n${page}`);
    expect(judgeHttp(m, good).map((c) => c.status)).toEqual(["pass", "pass", "pass"]);
    // what main sent before: five minutes of HSTS and none of the other headers
    const old = judgeHttp(m, parseHttpOutput(`@@http redirect ${a}\n301 https://www.foobar.com/guestbook?from=audit\n@@http hsts ${a}\nHTTP/2 200\nstrict-transport-security: max-age=300\n`));
    expect(old.map((c) => c.status)).toEqual(["pass", "fail", "fail"]);
    expect(old[1]!.details[0]).toMatch(/max-age=300 is under 15552000/);
    expect(old[2]!.details[0]).toMatch(/lacks X-Content-Type-Options, Referrer-Policy, Content-Security-Policy/);
    const bad = parseHttpOutput(`@@http redirect ${a}\n200 \n@@http hsts ${a}\ncurl: (60) SSL certificate problem: unable to get local issuer certificate\n`);
    const [redirect, hsts] = judgeHttp(m, bad);
    expect(redirect!.status).toBe("fail");
    expect(hsts!.status).toBe("fail");
    expect(hsts!.details[0]).toContain("certificate problem");
  });
});

describe("database grants", () => {
  it("allows each account exactly its job, and fails on more", () => {
    const app = parseGrants(["GRANT USAGE ON *.* TO `foobar_app`@`198.18.1.14` IDENTIFIED BY PASSWORD '*ABC'", "GRANT SELECT, INSERT, UPDATE, DELETE ON `foobar`.* TO `foobar_app`@`198.18.1.14`"]);
    expect(app).toEqual([
      { privileges: ["USAGE"], on: "*.*", grantOption: false },
      { privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"], on: "foobar.*", grantOption: false },
    ]);
    expect(grantProblems("foobar_app", "198.18.1.14", app).problems).toEqual([]);
    const drop = parseGrants(["GRANT SELECT, DROP ON `foobar`.* TO `foobar_app`@`198.18.1.14`"]);
    expect(grantProblems("foobar_app", "198.18.1.14", drop).problems[0]).toMatch(/holds DROP on foobar\.\*/);
    expect(grantProblems("repl", "198.18.1.16", parseGrants(["GRANT REPLICATION SLAVE, SUPER ON *.* TO `repl`@`198.18.1.16`"])).problems[0]).toMatch(/holds SUPER/);
    expect(
      grantProblems("monitor", "localhost", parseGrants(["GRANT PROCESS, SLAVE MONITOR ON *.* TO `monitor`@`localhost`", "GRANT SELECT ON `performance_schema`.* TO `monitor`@`localhost`"])).problems,
    ).toEqual([]);
    expect(grantProblems("monitor", "localhost", parseGrants(["GRANT SELECT ON `foobar`.* TO `monitor`@`localhost`"])).problems).toHaveLength(1);
    expect(grantProblems("root", "localhost", parseGrants(["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"])).problems).toEqual([]);
    expect(grantProblems("admin", "%", parseGrants(["GRANT ALL PRIVILEGES ON *.* TO `admin`@`%` WITH GRANT OPTION"])).problems).toHaveLength(1);
  });
});

describe("service users", () => {
  const ps = parsePs(
    [
      "1 0 root runsvdir -P /etc/stacklab/service",
      "20 1 root runsv nginx",
      "22 20 root nginx: master process nginx -g daemon off;",
      "24 22 www-data nginx: worker process",
      "21 1 root runsv app",
      "30 21 nobody /usr/bin/node /work/main/dist/app/runner/main.js",
      "31 30 nobody /usr/bin/node worker",
      "40 1 root runsv mariadb",
      "41 40 root mariadbd --defaults-file=/etc/mysql/my.cnf",
    ].join("\n"),
  );
  it("finds each runit service's processes and judges their users", () => {
    const trees = serviceTrees(ps);
    expect([...trees.keys()]).toEqual(["nginx", "app", "mariadb"]);
    expect(judgeService("web-1", "nginx", trees.get("nginx")!).problems).toEqual([]);
    expect(judgeService("app-1", "app", trees.get("app")!).problems).toEqual([]);
    expect(judgeService("db-1", "mariadb", trees.get("mariadb")!).problems[0]).toMatch(/run as root, not mysql/);
    const rootWorker = parsePs("22 20 root nginx: master\n24 22 root nginx: worker");
    expect(judgeService("web-1", "nginx", rootWorker).problems).toHaveLength(1);
    expect(judgeService("mon-1", "prometheus", parsePs("5 4 root prometheus")).notes).toHaveLength(1);
  });
  it("expects the failover helpers unprivileged: the proxy as haproxy, the agent as mysql, the controller as daemon", () => {
    expect(judgeService("app-1", "db-proxy", parsePs("30 29 haproxy haproxy -Ws -f /etc/haproxy/db-proxy.cfg\n31 30 haproxy haproxy -Ws -f /etc/haproxy/db-proxy.cfg")).problems).toEqual([]);
    expect(judgeService("app-1", "db-proxy", parsePs("30 29 root haproxy -Ws\n31 30 haproxy haproxy -Ws")).problems[0]).toMatch(/1 process run as root, not haproxy/);
    expect(judgeService("db-1", "db-agent", parsePs("40 39 root node main.js")).problems[0]).toMatch(/run as root, not mysql/);
    expect(judgeService("db-1", "db-agent", parsePs("40 39 mysql node main.js")).problems).toEqual([]);
    expect(judgeService("mon-1", "failover-controller", parsePs("50 49 daemon node main.js")).problems).toEqual([]);
  });
  it("accepts stacklab's own size reporter as root, with the reason in the line (a sized host's cgroup, lab only)", () => {
    const r = judgeService("web-1", "size-reporter", parsePs("60 59 root /bin/sh ./run\n61 60 root sleep 5"));
    expect(r.problems).toEqual([]);
    expect(r.notes).toEqual([]);
    expect(r.line).toMatch(/^web-1 size-reporter: root \(stacklab's reporter of a sized host's cgroup use, lab only/);
  });
});

describe("secrets and firewalls", () => {
  it("finds a secret value in a text", () => {
    const secrets = { mysqlRoot: "rootpassword123", app: "apppassword456", replication: "replpassword789", monitor: "monpassword000" };
    expect(secretsIn("connect failed for apppassword456", secrets)).toEqual(["app"]);
    expect(secretsIn("<secret:app>", secrets)).toEqual([]);
  });

  it("reads nft's JSON and fails a missing table, a permissive chain or a missing flow rule", () => {
    const json = JSON.stringify({
      nftables: [
        { metainfo: {} },
        { table: { family: "inet", name: "stacklab" } },
        { chain: { name: "input", hook: "input", policy: "drop" } },
        { chain: { name: "output", hook: "output", policy: "accept" } },
        { rule: { chain: "input", comment: "flow app-db" } },
        { rule: { chain: "input", comment: "default deny: every other incoming packet is dropped", expr: [{ counter: { packets: 7 } }] } },
      ],
    });
    const host = bp("3").hosts.find((h) => h.name === "db-1")!;
    const r = firewallProblems(host, parseNftJson(json), [
      { direction: "in", flow: "app-db" },
      { direction: "in", flow: "db-replication" },
    ]);
    expect(r.problems).toEqual(["db-1: the output chain's policy is accept, not drop", "db-1: no input rule for flow db-replication"]);
    expect(r.dropped).toBe(7);
    expect(firewallProblems(host, parseNftJson('{"nftables":[{"metainfo":{}}]}'), []).problems[0]).toMatch(/no table inet stacklab/);
  });
});

describe("the report as text", () => {
  it("shows every check with its verdict and the evidence of failures", () => {
    const report: AuditReport = {
      lab: "t",
      design: "foobar",
      source: "blueprint 1",
      startedAt: "",
      durationMs: 2400,
      passed: false,
      counts: { pass: 1, fail: 1, warn: 0, skip: 0 },
      checks: [
        { id: "firewall", title: "host firewalls", status: "fail", summary: "no firewall", details: ["lb-1: no firewall"], durationMs: 1 },
        { id: "db-grants", title: "database privileges", status: "pass", summary: "fine", details: ["hidden"], durationMs: 1 },
      ],
    };
    const text = formatAudit(report);
    expect(text).toContain("FAIL host firewalls");
    expect(text).toContain("lb-1: no firewall");
    expect(text).not.toContain("hidden");
    expect(formatAudit(report, true)).toContain("hidden");
    expect(text).toMatch(/1 check failed$/);
  });
});
