// The audit's probes against real sockets: connection probes on loopback, and the openssl TLS probes against
// an openssl s_server that accepts TLS 1.0 and CBC suites (inside `unshare --net --mount`, as root), so the
// probes are shown to catch what they look for. Debian packages: openssl, util-linux, iproute2.
import { spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { probeAll } from "../../src/audit/probe-net.js";
import { judgeCertificates, judgeCiphers, judgeVersions, type ProbedEndpoint } from "../../src/audit/tls-checks.js";
import type { TlsEndpoint } from "../../src/audit/tls-endpoints.js";
import { parseTlsOutput, tlsScript } from "../../src/audit/tls-probe.js";

const isRoot = process.getuid?.() === 0;
const hasOpenssl = spawnSync("sh", ["-c", "command -v openssl && command -v unshare"]).status === 0;

describe("connection probes", () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it("tells open, refused and silent apart, TCP and UDP", async () => {
    const tcp = createServer((c) => c.end());
    servers.push(tcp);
    await new Promise<void>((r) => tcp.listen(0, "127.0.0.2", r));
    const open = (tcp.address() as { port: number }).port;
    const spare = createServer();
    await new Promise<void>((r) => spare.listen(0, "127.0.0.2", r));
    const closed = (spare.address() as { port: number }).port;
    await new Promise<void>((r) => spare.close(() => r()));
    const dns = createSocket("udp4");
    dns.on("message", (m, from) => dns.send(m, from.port, from.address));
    await new Promise<void>((r) => dns.bind(0, "127.0.0.2", r));
    const udpOpen = dns.address().port;
    const results = await probeAll(
      [
        { address: "127.0.0.2", port: open, transport: "tcp" },
        { address: "127.0.0.2", port: closed, transport: "tcp" },
        { address: "127.0.0.2", port: udpOpen, transport: "udp" },
        { address: "127.0.0.2", port: closed, transport: "udp" },
      ],
      500,
      // (loopback is this process's own: the lab's probes go to other hosts' addresses. A connection to
      // 127.0.0.2 leaves from 127.0.0.1, as one to another host's address leaves from this host's own.)
      () => [],
    );
    dns.close();
    expect(results.map((r) => r.state)).toEqual(["open", "refused", "open", "refused"]);
    // An address that became the probing host's own during the probes (a floating IP moving to it) is "local".
    let reads = 0;
    const moved = await probeAll([{ address: "127.0.0.2", port: open, transport: "tcp" }], 500, () => (reads++ === 0 ? [] : ["127.0.0.2"]));
    expect(moved).toEqual([{ address: "127.0.0.2", port: open, transport: "tcp", state: "local", detail: "open, to an address this host held itself" }]);
    expect(reads).toBe(2);
    // One that was the host's own only while a probe ran: the connection left from the address it went to.
    const listening = createServer((c) => c.end());
    servers.push(listening);
    await new Promise<void>((r) => listening.listen(0, "127.0.0.1", r));
    const port = (listening.address() as { port: number }).port;
    const self = await probeAll([{ address: "127.0.0.1", port, transport: "tcp" }], 500, () => []);
    expect(self).toEqual([{ address: "127.0.0.1", port, transport: "tcp", state: "local", detail: "open, from this host to itself: it held the address at that moment" }]);
  });
});

describe.skipIf(!isRoot || !hasOpenssl)(`TLS probes against a lenient server${!isRoot || !hasOpenssl ? " (skipped: needs root and openssl)" : ""}`, () => {
  const work = mkdtempSync(join(tmpdir(), "stacklab-tls-probe-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const ssl = join(work, "ssl");
  const dir = join(ssl, "stacklab");
  mkdirSync(dir, { recursive: true });
  const sh = (cmd: string) => {
    const r = spawnSync("sh", ["-c", cmd], { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  sh(
    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt -days 30 -subj /CN=probe-ca -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign",
  );
  writeFileSync(join(dir, "ext"), "subjectAltName=DNS:www.foobar.com\n");
  sh("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout site.key -out site.csr -subj /CN=www.foobar.com");
  sh("openssl x509 -req -in site.csr -CA ca.crt -CAkey ca.key -set_serial 7 -days 30 -out site.crt -extfile ext");

  /** Runs the audit's probe script against an s_server started with the given options, in fresh namespaces with /etc/ssl replaced. */
  function probe(serverOptions: string): ProbedEndpoint {
    const endpoint: TlsEndpoint = { flow: "user-https", from: "user", host: "lb-1", address: "127.0.0.1", port: 4433, name: "www.foobar.com", nameKind: "dns", server: "haproxy" };
    writeFileSync(join(work, "probe.sh"), tlsScript(endpoint));
    const inside = [
      "ip link set lo up",
      `mount --bind '${ssl}' /etc/ssl`,
      `openssl s_server -quiet -accept 127.0.0.1:4433 -cert /etc/ssl/stacklab/site.crt -key /etc/ssl/stacklab/site.key ${serverOptions} >/dev/null 2>&1 &`,
      "sleep 0.3",
      `bash '${join(work, "probe.sh")}'`,
      "kill $! 2>/dev/null || true",
    ].join("\n");
    const r = spawnSync("unshare", ["--net", "--mount", "sh", "-c", inside], { encoding: "utf8", timeout: 60_000 });
    return { ...endpoint, steps: Object.fromEntries(parseTlsOutput(r.stdout)) };
  }

  it("catches TLS 1.0/1.1 and CBC suites on a lenient server", () => {
    const lenient = probe("-cipher 'DEFAULT:@SECLEVEL=0'");
    expect(lenient.steps.tls1?.ok).toBe(true);
    expect(judgeVersions([lenient]).status).toBe("fail");
    expect(judgeCiphers([lenient]).status).toBe("fail");
    expect(judgeCertificates([lenient]).status, judgeCertificates([lenient]).details.join("\n")).toBe("pass");
  });

  it("passes a server limited to TLS 1.2+ and forward-secret AEAD suites", () => {
    const strict = probe("-no_tls1 -no_tls1_1 -cipher 'ECDHE+AESGCM:ECDHE+CHACHA20'");
    expect(strict.steps.tls1?.ok).toBe(false);
    expect(strict.steps.tls1_3?.ok).toBe(true);
    expect(judgeVersions([strict]).status).toBe("pass");
    expect(judgeCiphers([strict]).status).toBe("pass");
    expect(strict.steps.tls1_2?.cert?.names).toEqual(["www.foobar.com"]);
  });
});
