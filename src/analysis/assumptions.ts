// Parses availability overrides given on the command line (`server=0.995`, `dns=99.99%`).
import { UsageError } from "../spec/errors.js";
import type { AvailabilityAssumptions } from "./types.js";

const KEYS: (keyof AvailabilityAssumptions)[] = ["server", "loadBalancer", "dns"];
const ALIASES: Record<string, keyof AvailabilityAssumptions> = { lb: "loadBalancer", loadbalancer: "loadBalancer", "load-balancer": "loadBalancer" };

/** Parses `key=value` pairs (several per item, comma-separated); values are fractions or percentages. Throws UsageError. */
export function parseAvailabilityOverrides(items: readonly string[]): Partial<AvailabilityAssumptions> {
  const out: Partial<AvailabilityAssumptions> = {};
  for (const pair of items
    .flatMap((i) => i.split(","))
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [rawKey, rawValue] = pair.split("=");
    const key = KEYS.find((k) => k === rawKey) ?? ALIASES[(rawKey ?? "").toLowerCase()];
    if (!key || rawValue === undefined) throw new UsageError(`bad --availability "${pair}": use KEY=VALUE with KEY one of ${KEYS.join(", ")}, e.g. server=0.995`);
    const percent = rawValue.trim().endsWith("%");
    const value = Number((Number(rawValue.trim().replace(/%$/, "")) / (percent ? 100 : 1)).toPrecision(12));
    if (!Number.isFinite(value) || value <= 0 || value >= 1) throw new UsageError(`bad --availability "${pair}": the value must be between 0 and 1 (exclusive), e.g. 0.995 or 99.5%`);
    out[key] = value;
  }
  return out;
}
