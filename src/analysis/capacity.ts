// The capacity model: from each tier's measured service demand (CPU seconds per request, the utilisation law
// U = X·D; Denning & Buzen 1978), each tier is a queueing station: a tier that a load balancer spreads requests over
// is an M/M/c station of its c servers, any other tier (a single server, an active-passive pair, a database primary)
// an M/M/1 station on its busiest host. The waiting time of an M/M/c station follows Erlang C (Kleinrock, Queueing
// Systems vol. 1, 1975, §3.5; Gunther, Analyzing Computer System Performance with Perl::PDQ, ch. 2):
//   P(wait) = C(c, a),  P(W > t) = C(c, a)·e^(−(cμ − λ)t),  with a = λ/μ the offered load in Erlangs.
// The p99 of a request's latency is modelled as the measured p99 at a light load plus each station's 99th-percentile
// wait (a sum of percentiles: an upper bound for independent stations). Pure: every figure is given.

/** One tier's measured cost per request. */
export interface TierDemand {
  /** The tier's roles joined with "+" (e.g. "app", "web+app+db"). */
  tier: string;
  hosts: string[];
  /** Cores of each of its hosts (its size). */
  cpu: number;
  /** CPU seconds per request the whole tier spends (summed over its hosts). */
  demand: number;
  /** Share of the tier's demand its busiest host carries (1/n when balanced, 1 for an active-passive pair). */
  busiestShare: number;
  /** Whether adding a server adds capacity (a load balancer spreads the tier's requests over its servers). */
  scalable: boolean;
}

/** A tier as the model sizes it: how many servers and of what size. */
export interface TierConfig {
  tier: string;
  servers: number;
  cpu: number;
}

/** One tier's figures at a given rate. */
export interface TierLoad {
  tier: string;
  servers: number;
  cpu: number;
  /** Utilisation of each server (0..1; ≥ 1 means the tier cannot keep up). */
  utilisation: number;
  /** The probability that a request waits (Erlang C). */
  waitProbability: number;
  /** The 99th percentile of the wait, in ms (Infinity past saturation). */
  wait99Ms: number;
  /** The rate at which this tier alone would reach full utilisation. */
  maxRate: number;
  /** Spare capacity: maxRate over the rate, minus one (0.25 = 25% more traffic before the tier is full). */
  headroom: number;
}

/**
 * Erlang C: the probability that an arrival waits in an M/M/c queue with offered load `a` Erlangs (a = λ/μ).
 * Computed through the Erlang B recursion B(k) = a·B(k−1) / (k + a·B(k−1)), which stays stable for large c, and
 * C = c·B / (c − a·(1 − B)). 1 when a ≥ c (the queue grows without bound).
 */
export function erlangC(c: number, a: number): number {
  if (!Number.isInteger(c) || c < 1) throw new RangeError(`servers must be a whole number >= 1; got ${c}`);
  if (!(a >= 0)) throw new RangeError(`offered load must be >= 0; got ${a}`);
  if (a === 0) return 0;
  if (a >= c) return 1;
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  return (c * b) / (c - a * (1 - b));
}

/** The q-quantile (0..1) of the wait in an M/M/c queue, in the unit of 1/μ and 1/λ: ln(C/(1−q)) / (cμ − λ), 0 if few wait. */
export function waitQuantile(c: number, lambda: number, mu: number, q: number): number {
  const a = lambda / mu;
  if (a >= c) return Infinity;
  const pw = erlangC(c, a);
  const tail = 1 - q;
  return pw <= tail ? 0 : Math.log(pw / tail) / (c * mu - lambda);
}

/** One tier's station at `rate` requests/s with `config`'s servers and size. */
export function tierLoad(d: TierDemand, config: TierConfig, rate: number): TierLoad {
  // Service time of one request on one server of `cpu` cores: its CPU demand stretched by the quota.
  const perServerDemand = d.scalable ? d.demand : d.demand * d.busiestShare;
  const servers = d.scalable ? config.servers : 1;
  const mu = perServerDemand > 0 ? config.cpu / perServerDemand : Infinity;
  const maxRate = servers * mu;
  const utilisation = Number.isFinite(mu) ? rate / maxRate : 0;
  const waitProbability = Number.isFinite(mu) ? erlangC(servers, rate / mu) : 0;
  const wait99Ms = Number.isFinite(mu) ? waitQuantile(servers, rate, mu, 0.99) * 1000 : 0;
  return { tier: d.tier, servers: config.servers, cpu: config.cpu, utilisation, waitProbability, wait99Ms, maxRate, headroom: rate > 0 ? maxRate / rate - 1 : Infinity };
}

/** The modelled p99 latency at `rate`: the light-load p99 plus each tier's 99th-percentile wait. */
export function predictP99(tiers: readonly TierDemand[], configs: readonly TierConfig[], baseP99Ms: number, rate: number): { p99Ms: number; loads: TierLoad[] } {
  const loads = tiers.map((d) => tierLoad(d, configs.find((c) => c.tier === d.tier) ?? { tier: d.tier, servers: d.hosts.length, cpu: d.cpu }, rate));
  return { p99Ms: baseP99Ms + loads.reduce((n, l) => n + l.wait99Ms, 0), loads };
}

/** The configuration a design has now: each tier's servers and size as measured. */
export function currentConfig(tiers: readonly TierDemand[]): TierConfig[] {
  return tiers.map((d) => ({ tier: d.tier, servers: d.hosts.length, cpu: d.cpu }));
}

/**
 * The modelled saturation: the highest rate whose modelled p99 meets the target (bisection on the rate; p99 grows
 * with it). 0 when the light-load p99 alone misses the target.
 */
export function predictSaturation(tiers: readonly TierDemand[], configs: readonly TierConfig[], baseP99Ms: number, targetMs: number): number {
  if (baseP99Ms >= targetMs) return 0;
  const cap = Math.min(...tiers.map((d) => tierLoad(d, configs.find((c) => c.tier === d.tier) ?? { tier: d.tier, servers: d.hosts.length, cpu: d.cpu }, 1).maxRate));
  if (!Number.isFinite(cap)) return Infinity;
  let lo = 0;
  let hi = cap;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (predictP99(tiers, configs, baseP99Ms, mid).p99Ms <= targetMs) lo = mid;
    else hi = mid;
  }
  return lo;
}

export interface CapacityPlan {
  rate: number;
  targetMs: number;
  /** Servers per tier (scalable tiers grow in count, the others in size), with their load at `rate`. */
  tiers: (TierLoad & { scalable: boolean; demandMs: number; now: { servers: number; cpu: number } })[];
  p99Ms: number;
  /** Cores and servers the answer needs in all. */
  cores: number;
  /** Null when the target is met; else why it cannot be. */
  unreachable: string | null;
}

/** Step by which a tier that cannot grow in count grows in size (cores per server). */
export const SIZE_STEP = 0.05;

/**
 * Servers per tier to serve `rate` requests/s at a p99 of `targetMs`: each tier starts at the fewest servers that
 * keep it under full utilisation; then, while the modelled p99 misses the target, the tier with the longest wait
 * grows (a scalable tier by one server of its size, another tier by SIZE_STEP cores). Bounded: at most 10,000 steps.
 */
export function planCapacity(tiers: readonly TierDemand[], baseP99Ms: number, rate: number, targetMs: number): CapacityPlan {
  const configs: TierConfig[] = tiers.map((d) => {
    if (d.scalable) return { tier: d.tier, servers: Math.max(1, Math.floor((rate * d.demand) / d.cpu) + 1), cpu: d.cpu };
    const need = rate * d.demand * d.busiestShare;
    return { tier: d.tier, servers: d.hosts.length, cpu: need < d.cpu ? d.cpu : Math.ceil((need + 1e-9) / SIZE_STEP) * SIZE_STEP + SIZE_STEP };
  });
  let unreachable: string | null = null;
  if (baseP99Ms >= targetMs)
    unreachable = `the p99 at a light load, ${Math.round(baseP99Ms)} ms, already passes the target ${targetMs} ms: no number of servers brings it under (the hops and the work of one request take that long)`;
  let p = predictP99(tiers, configs, baseP99Ms, rate);
  for (let i = 0; i < 10_000 && !unreachable && p.p99Ms > targetMs; i++) {
    let worst = 0;
    for (let k = 1; k < p.loads.length; k++) if (p.loads[k]!.wait99Ms > p.loads[worst]!.wait99Ms) worst = k;
    const c = configs[worst]!;
    if (tiers[worst]!.scalable) c.servers += 1;
    else c.cpu = Math.round((c.cpu + SIZE_STEP) * 100) / 100;
    p = predictP99(tiers, configs, baseP99Ms, rate);
  }
  if (!unreachable && p.p99Ms > targetMs) unreachable = `no configuration within 10,000 steps met the target (modelled p99 ${Math.round(p.p99Ms)} ms)`;
  return {
    rate,
    targetMs,
    tiers: p.loads.map((l, k) => ({ ...l, scalable: tiers[k]!.scalable, demandMs: tiers[k]!.demand * 1000, now: { servers: tiers[k]!.hosts.length, cpu: tiers[k]!.cpu } })),
    p99Ms: p.p99Ms,
    cores: configs.reduce((n, c) => n + c.servers * c.cpu, 0),
    unreachable,
  };
}
