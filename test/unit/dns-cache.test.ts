// The load generator's resolver cache (src/experiment/dns-cache.ts): one question per TTL, shared while under way.
import { describe, expect, it } from "vitest";
import { DnsCache, type TimedAddress } from "../../src/experiment/dns-cache.js";

function server(answer: TimedAddress[] | Error) {
  const asked: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    await gate;
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { asked, resolve, release };
}

describe("DnsCache", () => {
  it("asks once for lookups made while the question is under way, and not again until the TTL ends", async () => {
    let t = 0;
    const s = server([{ address: "198.18.0.100", ttl: 60 }]);
    const cache = new DnsCache(s.resolve, () => t);
    const first = Promise.all([cache.lookup("www.foobar.com"), cache.lookup("www.foobar.com")]);
    s.release();
    expect(await first).toEqual([["198.18.0.100"], ["198.18.0.100"]]);
    t = 59_999;
    expect(await cache.lookup("www.foobar.com")).toEqual(["198.18.0.100"]);
    expect(s.asked).toHaveLength(1);
    t = 60_000;
    await cache.lookup("www.foobar.com");
    expect(s.asked).toHaveLength(2);
    expect(cache.asked).toBe(2);
  });

  it("keeps every address of an answer for the shortest TTL among them", async () => {
    let t = 0;
    const s = server([
      { address: "198.18.0.20", ttl: 30 },
      { address: "198.18.0.21", ttl: 10 },
    ]);
    s.release();
    const cache = new DnsCache(s.resolve, () => t);
    expect(await cache.lookup("www.foobar.com")).toEqual(["198.18.0.20", "198.18.0.21"]);
    t = 10_000;
    await cache.lookup("www.foobar.com");
    expect(s.asked).toHaveLength(2);
  });

  it("does not keep a failure: the next lookup asks again", async () => {
    const s = server(new Error("queryA ETIMEOUT www.foobar.com"));
    s.release();
    const cache = new DnsCache(s.resolve, () => 0);
    await expect(cache.lookup("www.foobar.com")).rejects.toThrow(/ETIMEOUT/);
    await expect(cache.lookup("www.foobar.com")).rejects.toThrow(/ETIMEOUT/);
    expect(s.asked).toHaveLength(2);
  });

  it("refuses an empty answer, and a TTL of 0 is kept for the minimum", async () => {
    let t = 0;
    const empty = server([]);
    empty.release();
    await expect(new DnsCache(empty.resolve, () => t).lookup("www.foobar.com")).rejects.toThrow(/no address/);
    const zero = server([{ address: "198.18.0.100", ttl: 0 }]);
    zero.release();
    const cache = new DnsCache(zero.resolve, () => t, 1);
    await cache.lookup("www.foobar.com");
    t = 999;
    await cache.lookup("www.foobar.com");
    expect(zero.asked).toHaveLength(1);
  });
});
