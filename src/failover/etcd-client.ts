// A small client of etcd 3.4's JSON gateway (the gRPC API as JSON over the client port): leases, transactions, reads.
import { request } from "node:https";
import { request as httpRequest } from "node:http";

/** How the controller reaches etcd: every member's client URL and, with TLS, the lab CA and the host's certificate. */
export interface EtcdEndpoints {
  urls: string[];
  tls: { ca: string; cert: string; key: string } | null;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string | undefined) => (s === undefined ? "" : Buffer.from(s, "base64").toString("utf8"));

/** What the election and the controller need from a consensus store (Patroni's pattern: one small interface). */
export interface ConsensusStore {
  /** A lease of `ttlS` seconds; its id. */
  grant(ttlS: number): Promise<string>;
  /** Renews a lease; the TTL etcd granted back (0: the lease expired or never existed). */
  keepAlive(id: string): Promise<number>;
  /**
   * Puts `value` at `key` under the lease only if the key does not exist; true when the caller holds the key
   * now: it did not exist, or it exists under this very lease (an earlier attempt whose answer was lost).
   */
  createIfAbsent(key: string, value: string, lease: string): Promise<boolean>;
  /** Puts `value` at `key` only while `guardKey` holds `guardValue` (the writer still leads); true when written. */
  putIf(guardKey: string, guardValue: string, key: string, value: string): Promise<boolean>;
  /** A key's value, or null. */
  get(key: string): Promise<string | null>;
  /** A key's value, the lease it lives under ("0": none) and its last write's revision, or null when it does not exist. */
  holder(key: string): Promise<{ value: string; lease: string; revision: string } | null>;
  /** Rewrites `key` (same value, same lease) only while it holds `value` under `lease`: a holder's heartbeat; true when written. */
  beat(key: string, value: string, lease: string): Promise<boolean>;
  /** Puts `value` at `key` under `lease` only if the key's last write is still `revision`; true when written. */
  takeOver(key: string, value: string, lease: string, revision: string): Promise<boolean>;
  /** Gives a lease back: its keys go at once. */
  revoke(id: string): Promise<void>;
}

/** The etcd gateway as a ConsensusStore; each call tries the members in turn, starting with the last that answered. */
export function etcdStore(ep: EtcdEndpoints, timeoutMs: number): ConsensusStore {
  let first = 0;
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    let last: unknown = null;
    for (let i = 0; i < ep.urls.length; i++) {
      const at = (first + i) % ep.urls.length;
      try {
        const out = await once(ep, ep.urls[at]!, path, body, timeoutMs);
        first = at;
        return out;
      } catch (e) {
        last = e;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  };
  return {
    async grant(ttlS) {
      const r = await post("/v3/lease/grant", { TTL: ttlS });
      if (typeof r.ID !== "string") throw new Error(`etcd granted no lease: ${JSON.stringify(r)}`);
      return r.ID;
    },
    async keepAlive(id) {
      const r = (await post("/v3/lease/keepalive", { ID: id })) as { result?: { TTL?: string } };
      return Number(r.result?.TTL ?? 0);
    },
    async createIfAbsent(key, value, lease) {
      const r = (await post("/v3/kv/txn", {
        compare: [{ key: b64(key), target: "CREATE", result: "EQUAL", create_revision: "0" }],
        success: [{ request_put: { key: b64(key), value: b64(value), lease } }],
        failure: [{ request_range: { key: b64(key) } }],
      })) as { succeeded?: boolean; responses?: { response_range?: { kvs?: { lease?: string; value?: string }[] } }[] };
      if (r.succeeded === true) return true;
      const held = r.responses?.[0]?.response_range?.kvs?.[0];
      return held?.lease === lease && unb64(held.value) === value;
    },
    async putIf(guardKey, guardValue, key, value) {
      const r = await post("/v3/kv/txn", {
        compare: [{ key: b64(guardKey), target: "VALUE", result: "EQUAL", value: b64(guardValue) }],
        success: [{ request_put: { key: b64(key), value: b64(value) } }],
      });
      return r.succeeded === true;
    },
    async get(key) {
      const r = (await post("/v3/kv/range", { key: b64(key) })) as { kvs?: { value?: string }[] };
      return r.kvs?.length ? unb64(r.kvs[0]!.value) : null;
    },
    async holder(key) {
      const r = (await post("/v3/kv/range", { key: b64(key) })) as { kvs?: { value?: string; lease?: string; mod_revision?: string }[] };
      const kv = r.kvs?.[0];
      return kv ? { value: unb64(kv.value), lease: kv.lease ?? "0", revision: kv.mod_revision ?? "0" } : null;
    },
    async beat(key, value, lease) {
      const r = await post("/v3/kv/txn", {
        compare: [
          { key: b64(key), target: "VALUE", result: "EQUAL", value: b64(value) },
          { key: b64(key), target: "LEASE", result: "EQUAL", lease },
        ],
        success: [{ request_put: { key: b64(key), value: b64(value), lease } }],
      });
      return r.succeeded === true;
    },
    async takeOver(key, value, lease, revision) {
      const r = await post("/v3/kv/txn", {
        compare: [{ key: b64(key), target: "MOD", result: "EQUAL", mod_revision: revision }],
        success: [{ request_put: { key: b64(key), value: b64(value), lease } }],
      });
      return r.succeeded === true;
    },
    async revoke(id) {
      await post("/v3/lease/revoke", { ID: id });
    },
  };
}

function once(ep: EtcdEndpoints, base: string, path: string, body: unknown, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const url = new URL(path, base);
    const opts = { method: "POST", timeout: timeoutMs, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) } };
    const req = ep.tls ? request(url, { ...opts, ca: ep.tls.ca, cert: ep.tls.cert, key: ep.tls.key }) : httpRequest(url, opts);
    const timer = setTimeout(() => req.destroy(new Error(`etcd ${base} did not answer within ${timeoutMs} ms`)), timeoutMs);
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        if (text.length < 65_536) text += c;
      });
      res.on("end", () => {
        clearTimeout(timer);
        if ((res.statusCode ?? 0) >= 300) return reject(new Error(`etcd ${base}${path}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch {
          return reject(new Error(`etcd ${base}${path}: not JSON: ${text.slice(0, 200)}`));
        }
        // A streaming call (lease keepalive) answers its errors in the body of an HTTP 200 ("etcdserver: no
        // leader" while the members elect one). Read as an answer, it had no TTL, which means "expired", and a
        // holder dropped a lease it still held. It is a failed call instead.
        const error = parsed.error as { message?: string } | undefined;
        if (error !== undefined) return reject(new Error(`etcd ${base}${path}: ${error.message ?? JSON.stringify(error).slice(0, 200)}`));
        resolve(parsed);
      });
    });
    req.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(data);
  });
}
