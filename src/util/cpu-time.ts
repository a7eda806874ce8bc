// CPU time of this process and of the commands it ran and waited for, from the kernel's accounting.
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc's times (USER_HZ: 100 on Linux for every architecture stacklab runs on). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time in ms used so far by this process (user + system) and by its children it has waited for (cutime +
 * cstime of /proc/self/stat: the probes, `ip` and `nft` commands a command ran), in 10 ms steps.
 */
export function ownCpuMs(stat: string = readFileSync("/proc/self/stat", "utf8")): number {
  // The command name (field 2) may hold spaces and parentheses: the fields after it start at the last ")".
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14-17 of the whole line (utime, stime, cutime, cstime) are 12-15 counted from field 3.
  const ticks = [11, 12, 13, 14].reduce((n, i) => n + Number(f[i] ?? 0), 0);
  return (ticks * 1000) / TICKS_PER_SECOND;
}
