// The goals the figures are judged against, and the published figures they are set beside.

export const GOALS = {
  /** Design 3 up (every service ready, first HTTPS 200): under 5 s, aiming at 3 s. */
  upMs: 5000,
  upAimMs: 3000,
  /** Design 3 down (nothing left): under 2 s. */
  downMs: 2000,
  /** A running design-3 lab: under 1 GiB of memory. */
  footprintBytes: 2 ** 30,
} as const;

/** Published figures to read ours against. */
export const ANCHORS = {
  lbFailover: "keepalived with its defaults (advert 1 s, priority 100) declares the master dead after about 3.6 s",
  lbStop: "on a clean stop keepalived sends priority 0 and the standby takes over after its skew time only: about 0.6 s, measured between two network namespaces with VRRPv2 adverts of 1 s",
  dbFailover: "published figures for MHA and orchestrator are 10 to 30 s; GitHub reported 10 to 13 s of outage with orchestrator",
} as const;

/** How a design-3 bring-up time compares with the goal and the aim. */
export function upVerdict(ms: number): string {
  if (ms < GOALS.upAimMs) return "meets the goal and the 3 s aim";
  if (ms < GOALS.upMs) return "meets the 5 s goal, not yet the 3 s aim";
  return "misses the 5 s goal";
}

/** How a tear-down time compares with the goal. */
export function downVerdict(ms: number): string {
  return ms < GOALS.downMs ? "meets the 2 s goal" : "misses the 2 s goal";
}

/** How a lab's memory compares with the goal. */
export function footprintVerdict(bytes: number): string {
  return bytes < GOALS.footprintBytes ? "meets the 1 GiB goal" : "misses the 1 GiB goal";
}
