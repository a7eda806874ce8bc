// The etcd gateway client (src/failover/etcd-client.ts) against a local HTTP server answering as etcd 3.4's JSON
// gateway does: a lease keepalive answers its errors in the body of an HTTP 200, and an unknown lease without a TTL.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { etcdStore } from "../../src/failover/etcd-client.js";

let server: Server | null = null;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A gateway whose every answer is `answers[path]` (a body; HTTP 200). */
async function gateway(answers: Record<string, unknown>): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answers[req.url ?? ""] ?? {})));
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const header = { cluster_id: "1", member_id: "2", revision: "7", raft_term: "2" };

describe("etcdStore's lease keepalive", () => {
  it("gives the TTL etcd answered", async () => {
    const url = await gateway({ "/v3/lease/keepalive": { result: { header, ID: "42", TTL: "2" } } });
    expect(await etcdStore({ urls: [url], tls: null }, 500).keepAlive("42")).toBe(2);
  });

  it("gives 0 for a lease etcd no longer has (expired or revoked): its answer has no TTL", async () => {
    const url = await gateway({ "/v3/lease/keepalive": { result: { header, ID: "42" } } });
    expect(await etcdStore({ urls: [url], tls: null }, 500).keepAlive("42")).toBe(0);
  });

  it("fails, not 0, when the gateway answers an error in the body (no leader yet): the lease is not known to be gone", async () => {
    const url = await gateway({ "/v3/lease/keepalive": { error: { grpc_code: 14, http_code: 503, message: "etcdserver: no leader", http_status: "Service Unavailable" } } });
    await expect(etcdStore({ urls: [url], tls: null }, 500).keepAlive("42")).rejects.toThrow(/no leader/);
  });

  it("tries the next member after an error answer", async () => {
    const bad = await gateway({ "/v3/lease/keepalive": { error: { message: "etcdserver: no leader" } } });
    const first = server!;
    const good = await gateway({ "/v3/lease/keepalive": { result: { header, ID: "42", TTL: "2" } } });
    try {
      expect(await etcdStore({ urls: [bad, good], tls: null }, 500).keepAlive("42")).toBe(2);
    } finally {
      await new Promise<void>((r) => first.close(() => r()));
    }
  });
});
