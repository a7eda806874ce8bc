// A visitor's resolver cache for the load generator: an answer is kept for its TTL, and lookups made while one is
// under way share it. Without it the generator asked the lab's DNS server once per new connection, which no
// visitor population does: above about 200 connections a second from the user host, NSD's response rate limiting
// (its default, 200 answers a second per /24) dropped answers, and requests failed in bursts for a DNS reason the
// experiment was not about (docs/experiments.md, "The load").

/** An A-record answer with the TTL the server gave it. */
export interface TimedAddress {
  address: string;
  ttl: number;
}

export type Resolve4 = (hostname: string) => Promise<TimedAddress[]>;

/** Resolves through `resolve`, keeping each answer for its TTL (at least `minTtlS`) on `clock` (ms). */
export class DnsCache {
  private readonly answers = new Map<string, { addresses: string[]; until: number }>();
  private readonly inFlight = new Map<string, Promise<string[]>>();
  /** How many questions went to the server (the rest were answered from the cache). */
  asked = 0;

  constructor(
    private readonly resolve: Resolve4,
    private readonly clock: () => number = () => performance.now(),
    private readonly minTtlS = 1,
  ) {}

  /** The addresses of `hostname`, from the cache while its answer lives; a failed lookup is not kept. */
  async lookup(hostname: string): Promise<string[]> {
    const cached = this.answers.get(hostname);
    if (cached && this.clock() < cached.until) return cached.addresses;
    const pending = this.inFlight.get(hostname);
    if (pending) return pending;
    this.asked++;
    const p = this.resolve(hostname)
      .then((answer) => {
        if (answer.length === 0) throw new Error(`no address for ${hostname}`);
        const ttl = Math.max(this.minTtlS, Math.min(...answer.map((a) => a.ttl)));
        const addresses = answer.map((a) => a.address);
        this.answers.set(hostname, { addresses, until: this.clock() + ttl * 1000 });
        return addresses;
      })
      .finally(() => this.inFlight.delete(hostname));
    this.inFlight.set(hostname, p);
    return p;
  }
}
