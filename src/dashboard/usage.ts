// Each sized host's CPU and memory against its size, for the dashboard's bars: the cgroup's CPU time read at every
// look at the lab, the share of its size between two looks; memory as the kernel counts it against the limit.
import type { Model } from "../model/types.js";
import { hostUsage, type HostUsage } from "../runtime/cgroups.js";

/** One host's use against its size, as the page draws it. */
export interface SizeView {
  /** Cores of its size, and the share of them it used since the previous look (0..1; null on the first look). */
  cpu: number;
  cpuUse: number | null;
  memoryBytes: number;
  memoryUsed: number;
  oomKills: number;
}

/** The share of `cores` used between two readings `seconds` apart (clamped to 0..1.5: a quota overrun is the accounting's slack). Pure. */
export function cpuShare(before: HostUsage | undefined, after: HostUsage, seconds: number, cores: number): number | null {
  if (!before || seconds <= 0 || cores <= 0) return null;
  return Math.min(1.5, Math.max(0, (after.cpuSeconds - before.cpuSeconds) / seconds / cores));
}

/** Reads the sized hosts' usage at each call, and keeps the previous reading to turn CPU time into a share. */
export class UsageSampler {
  private last = new Map<string, { at: number; usage: HostUsage }>();

  constructor(
    private readonly lab: string,
    private readonly read: (lab: string, host: string) => HostUsage | undefined = hostUsage,
    private readonly now: () => number = () => performance.now(),
  ) {}

  sample(model: Model): Map<string, SizeView> {
    const out = new Map<string, SizeView>();
    for (const h of model.hosts) {
      if (!h.size) continue;
      const u = this.read(this.lab, h.name);
      if (!u) continue;
      const t = this.now();
      const prev = this.last.get(h.name);
      this.last.set(h.name, { at: t, usage: u });
      out.set(h.name, {
        cpu: h.size.cpu,
        cpuUse: cpuShare(prev?.usage, u, prev ? (t - prev.at) / 1000 : 0, h.size.cpu),
        memoryBytes: h.size.memoryBytes,
        memoryUsed: u.memoryBytes,
        oomKills: u.oomKills,
      });
    }
    return out;
  }
}
