// The goals of issue #18, each a figure judged against a reference measured in the same run (the machine's speed
// cancels out of a ratio; an absolute goal is printed with its reference beside it).
import { linearFit } from "./stats.js";
import { fmtBytes, fmtMs, fmtRatio } from "./table.js";
import type { BenchResults, GoalRow } from "./types.js";

export const ISSUE_GOALS = {
  /** Design 3 up within this many times its critical path (MariaDB install + first ping + replication set-up). */
  upOverCriticalPath: 2,
  /** Extra ms per host of a generated lab. */
  msPerHost: 100,
  /** Cores a design-3 lab uses at rest. */
  idleCores: 0.05,
  /** Kernel-counted memory of design 3 at rest. */
  restBytes: 0.5 * 2 ** 30,
  /** Dynamic page, whole path / app server alone. */
  dynamicRatio: 0.6,
  /** Design 3 down, nothing left. */
  downMs: 500,
} as const;

const none = "–";

/** One row per goal of the issue, from whatever the run measured (a figure not measured gives `met: null`). */
export function issueGoals(r: Pick<BenchResults, "lifecycle" | "serving" | "footprint" | "references"> & { machine?: { cores: number } }): GoalRow[] {
  const ref = r.references ?? null;
  const cores = r.machine?.cores;
  const d3 = r.lifecycle?.designs.find((d) => d.label.startsWith("3"));
  const rows: GoalRow[] = [];

  const upMs = d3?.up?.median;
  const repl = d3?.steps?.find((s) => s.step === "replication")?.ms.median;
  const install = ref?.mariadbInstallMs?.median;
  const ping = ref?.mariadbFirstPingMs?.median;
  const critical = install !== undefined && ping !== undefined && repl !== undefined ? install + ping + repl : undefined;
  const upRatio = upMs !== undefined && critical ? upMs / critical : undefined;
  rows.push({
    goal: "design-3 `up`",
    figure: upMs !== undefined ? fmtMs(upMs) : none,
    reference:
      (critical !== undefined
        ? `critical path ${fmtMs(critical)} (MariaDB install ${fmtMs(install!)} + first ping ${fmtMs(ping!)} + replication set-up ${fmtMs(repl!)})`
        : "critical path not measured") + workBound(d3?.cpu?.totalMs?.median, cores),
    ratio: upRatio !== undefined ? fmtRatio(upRatio) : none,
    target: `≤ ${ISSUE_GOALS.upOverCriticalPath}× the critical path`,
    met: upRatio !== undefined ? upRatio <= ISSUE_GOALS.upOverCriticalPath : null,
  });

  const slope = r.lifecycle?.fit.up?.slope;
  const bare = ref?.netnsVethMsPerHost?.median;
  rows.push({
    goal: "growth per host, generated labs",
    figure: slope !== undefined ? `${fmtMs(slope)} per host` : none,
    reference: (bare !== undefined ? `bare namespace + veth ${fmtMs(bare)} per host` : "not measured") + workBound(cpuSlope(r.lifecycle?.generated ?? []), cores, " per host"),
    ratio: slope !== undefined && bare ? fmtRatio(slope / bare) : none,
    target: `< ${ISSUE_GOALS.msPerHost} ms per host`,
    met: slope !== undefined ? slope < ISSUE_GOALS.msPerHost : null,
  });

  const idle = r.footprint?.idle;
  const busiest = idle ? [...idle.hosts].sort((a, b) => b.cores - a.cores).slice(0, 3) : [];
  rows.push({
    goal: "idle design-3 lab, CPU",
    figure: idle ? `${(idle.cores * 100).toFixed(1)}% of one core over ${idle.seconds} s` : none,
    reference: busiest.length
      ? `busiest hosts: ${busiest.map((h) => `${h.host} ${(h.cores * 100).toFixed(1)}%`).join(", ")}` +
        (idle?.byProgram?.length
          ? `; busiest programs: ${idle.byProgram
              .slice(0, 4)
              .map((p) => `${p.program} ×${p.processes} ${(p.cores * 100).toFixed(1)}%`)
              .join(", ")}`
          : "")
      : none,
    ratio: idle ? fmtRatio(idle.cores / ISSUE_GOALS.idleCores) : none,
    target: `< ${ISSUE_GOALS.idleCores * 100}% of one core`,
    met: idle ? idle.cores < ISSUE_GOALS.idleCores : null,
  });

  const rest = r.footprint?.samples.find((s) => s.when === "at rest")?.totalKernelBytes;
  const loaded = r.footprint?.samples.find((s) => s.when !== "at rest")?.totalKernelBytes;
  rows.push({
    goal: "design-3 memory at rest (kernel count, hosts' cgroups)",
    figure: rest !== undefined ? fmtBytes(rest) : none,
    reference: loaded !== undefined ? `${fmtBytes(loaded)} after serving` : none,
    ratio: rest !== undefined ? fmtRatio(rest / ISSUE_GOALS.restBytes) : none,
    target: `< ${fmtBytes(ISSUE_GOALS.restBytes)}`,
    met: rest !== undefined ? rest < ISSUE_GOALS.restBytes : null,
  });

  const rps = (id: string) => r.serving?.targets.find((t) => t.id === id)?.rps?.median;
  const path = rps("path-dynamic");
  const alone = rps("app-direct");
  const dyn = path !== undefined && alone ? path / alone : undefined;
  const costRatio = r.serving?.costRatios?.[0]?.value;
  rows.push({
    goal: "dynamic page, whole path / app server alone",
    figure: path !== undefined ? `${Math.round(path)} answers/s` : none,
    reference:
      alone !== undefined
        ? `app server alone ${Math.round(alone)} answers/s` + (costRatio !== undefined && costRatio !== null ? `; the CPU per request of each allows ${fmtRatio(costRatio)}` : "")
        : none,
    ratio: dyn !== undefined ? fmtRatio(dyn) : none,
    target: `≥ ${ISSUE_GOALS.dynamicRatio}×`,
    met: dyn !== undefined ? dyn >= ISSUE_GOALS.dynamicRatio : null,
  });

  const down = d3?.down?.median;
  const cli = ref?.cliStartMs?.median;
  rows.push({
    goal: "design-3 `down`, nothing left",
    figure: down !== undefined ? fmtMs(down) : none,
    reference: cli !== undefined ? `CLI start-up alone (\`stacklab down\` of no lab) ${fmtMs(cli)}; bare namespaces removed in ${fmtMs((ref?.netnsDeleteMsPerHost?.median ?? 0) * 12)} for 12` : none,
    ratio: down !== undefined && cli ? fmtRatio(down / cli) : none,
    target: `< ${fmtMs(ISSUE_GOALS.downMs)}`,
    met: down !== undefined ? down < ISSUE_GOALS.downMs : null,
  });
  return rows;
}

/**
 * The least time the CPU work allows: `work` ms of CPU (every host's cgroup and stacklab's own, by the kernel's
 * count) spread perfectly over `cores`. No scheduling of the same work does better (the work bound of a parallel
 * program: time >= work / processors); the critical path is the other bound.
 */
function workBound(work: number | undefined, cores: number | undefined, per = ""): string {
  if (work === undefined || !cores) return "";
  return `; CPU work ${fmtMs(work)}${per} by the kernel's count, so at least ${fmtMs(work / cores)}${per} on ${cores} cores`;
}

/** CPU ms each added host costs its `up`: the slope of the generated labs' CPU work against their hosts. */
function cpuSlope(rows: readonly { hosts: number; cpu?: { totalMs: { median: number } | null } }[]): number | undefined {
  return linearFit(rows.flatMap((g) => (g.cpu?.totalMs ? [{ x: g.hosts, y: g.cpu.totalMs.median }] : [])))?.slope;
}

/** "yes", "no", or "not measured". */
export function metText(met: boolean | null): string {
  return met === null ? "not measured" : met ? "yes" : "no";
}
