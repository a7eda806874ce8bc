// The benchmark's capacity group: the seeds' scalability claims (surge, tiers, app-scaling) and the capacity model's
// verification, each on fresh sized labs named bx-cl-* and bx-cv-*, always brought down again.
import { CLAIM_NAMES, runClaim, type ClaimResult } from "../experiment/claims.js";
import { verifyCapacity } from "../experiment/capacity.js";
import type { CapacityBenchResult } from "./types.js";
import { LAB_PREFIX } from "./cli.js";

export const SEARCH = { p99Ms: 200, maxErrorPct: 1, stepMs: 6000, startRate: 20, factor: 1.5, maxSteps: 12, bisectSteps: 4, confirmFailures: 1, writeShare: 0.1, warmUpMs: 5000 };

/** Whether a lab name is one of this group's. */
export const isCapacityLab = (lab: string) => lab.startsWith(`${LAB_PREFIX}cl-`) || lab.startsWith(`${LAB_PREFIX}cv-`);

export async function benchCapacity(say: (m: string) => void, fail: (what: string, err: unknown) => void): Promise<CapacityBenchResult> {
  const claims: ClaimResult[] = [];
  for (const name of CLAIM_NAMES) {
    say(`== claim ${name}`);
    try {
      claims.push(await runClaim(name, { prefix: `${LAB_PREFIX}cl`, saturate: SEARCH, progress: say }));
    } catch (err) {
      fail(`claim ${name}`, err);
    }
  }
  say("== capacity model against measured saturation");
  let verify = null;
  try {
    verify = await verifyCapacity({ prefix: `${LAB_PREFIX}cv`, p99Ms: SEARCH.p99Ms, stepMs: SEARCH.stepMs, writeShare: SEARCH.writeShare, progress: say });
  } catch (err) {
    fail("capacity --verify", err);
  }
  return { search: { p99Ms: SEARCH.p99Ms, stepMs: SEARCH.stepMs, startRate: SEARCH.startRate, factor: SEARCH.factor, bisectSteps: SEARCH.bisectSteps, writeShare: SEARCH.writeShare }, claims, verify };
}
