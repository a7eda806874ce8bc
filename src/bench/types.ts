// The benchmark's result: one typed value, written as bench/results/<date>.json and rendered as docs/BENCHMARKS.md.
import type { ClaimResult } from "../experiment/claims.js";
import type { VerifyReport } from "../experiment/capacity.js";

/** Several runs of one measurement: the median is the figure, min and max show the spread. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Every run's value, in the order they ran. */
  values: number[];
}

/** A straight line through (hosts, ms) points, and how well it fits. */
export interface LinearFit {
  /** Extra milliseconds per extra host. */
  slope: number;
  intercept: number;
  /** Coefficient of determination (1 = every point on the line). */
  r2: number;
  /** Per-host cost between the two smallest and between the two largest sizes. */
  firstSlope: number;
  lastSlope: number;
  verdict: "close to linear" | "faster than linear" | "slower than linear";
  /** How many points the line went through. */
  points: number;
}

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  kernel: string;
  os: string;
  /** Versions of the programs the figures depend on (haproxy, nginx, mariadb, keepalived, node, wrk...). */
  versions: Record<string, string>;
}

/** How busy the machine was: the figures are only as clean as this. */
export interface Noise {
  /** 1-minute load average at the start and end of the run. */
  loadStart: number;
  loadEnd: number;
  /** Labs on this machine that were not the benchmark's (another user's experiments share the cores). */
  otherLabs: string[];
}

/** Bring-up and tear-down of one design or generated lab. */
export interface LifecycleRow {
  /** Blueprint name or "generated N hosts". */
  label: string;
  kind: "design" | "generated";
  hosts: number;
  services: number;
  /** `stacklab up -d` as a user runs it: from the command to its return (every service ready, first HTTPS 200). */
  up: Summary | null;
  /** The time `up` itself reports (without starting Node and loading the CLI). */
  upInternal: Summary | null;
  /** `stacklab down` from the command until nothing of the lab is left. */
  down: Summary | null;
  /** Runs that failed, with why. */
  failures: string[];
  /** Anything of the lab found after `down` returned (namespaces, processes, files). */
  leftovers: string[];
  /** What `up` reported for each of its steps (configuration, networks, hosts, services, replication, site). */
  steps?: { step: string; ms: Summary }[];
  /**
   * CPU time each `up` cost by the kernel's count (ms): every host's cgroup, stacklab's own process with the
   * commands it ran, and their sum. The sum over the machine's cores is the least time an `up` can take here.
   */
  cpu?: { hostsMs: Summary | null; stacklabMs: Summary | null; totalMs: Summary | null };
}

export interface LifecycleResult {
  /** Runs per design, and per generated size. */
  runs: number;
  generatedRuns: number;
  designs: LifecycleRow[];
  generated: LifecycleRow[];
  /** Lines through the generated labs' medians (x = hosts); null with fewer than two sizes measured. */
  fit: { up: LinearFit | null; down: LinearFit | null };
}

/** One wrk target. Latencies in ms. */
export interface ServingTarget {
  id: "path-dynamic" | "path-static" | "nginx-static" | "app-direct";
  label: string;
  /** Host wrk runs in, and the URL it loads. */
  from: string;
  url: string;
  rps: Summary | null;
  p50: Summary | null;
  p90: Summary | null;
  p99: Summary | null;
  maxMs: Summary | null;
  requests: number;
  /** Socket errors, timeouts and non-2xx/3xx answers over every run. */
  errors: number;
  /** The same, by kind. */
  errorKinds: Record<string, number>;
  failures: string[];
  /** CPU ms per answered request, per host (the hosts' cgroup accounting over each run); older results lack it. */
  cpuMsPerRequest?: Record<string, Summary>;
}

export interface ServingResult {
  /** The wrk command line used for every target. */
  load: string;
  runs: number;
  targets: ServingTarget[];
  /** Throughput ratios between targets (medians). */
  ratios: { label: string; value: number | null }[];
  /** The same ratio predicted by the CPU each request costs (sum over hosts of the medians); older results lack it. */
  costRatios?: { label: string; value: number | null }[];
}

/** One failover or operation measured under load by the experiment runner. */
export interface FailoverRow {
  id: string;
  label: string;
  /** Scenario name (built-in) or "bench:<name>" for one the benchmark writes. */
  scenario: string;
  /** The load its scenario sent, in words. */
  load: string;
  /** What the row is judged by: downtime (all requests, or writes only), or failed requests. */
  measure: "downtime" | "writeDowntime" | "failed";
  /** Longest stretch in which every request failed, in ms. */
  downtime: Summary | null;
  /** Same, for writes alone (a database failover stops writes, not reads). */
  writeDowntime: Summary | null;
  failed: Summary | null;
  requests: Summary | null;
  lostWrites: Summary | null;
  indeterminateWrites: Summary | null;
  /** Mean writes in flight over the load (Little's law), for the cases whose load keeps writers busy. */
  writesInFlight?: Summary | null;
  /** Time from the end of the heal until the database tier was whole again on its own (one primary, an in-sync replica). */
  wholeAfterHeal?: Summary | null;
  /** Runs whose database tier was watched after the heal and not seen whole within the watch (60 s). */
  notWhole?: number;
  /** Failed requests by cause ("timeout", "503", "ECONNREFUSED"...), over every run. */
  errors: Record<string, number>;
  /** Did every expectation of the scenario hold, run by run. */
  passed: boolean[];
  /** Published figure to compare with, when there is one. */
  anchor?: string;
  failures: string[];
  notes: string[];
  /** Each run in brief, to find out afterwards what happened (not rendered). */
  trace: { startedAt: string; downtimeFrom: number | null; timeline: string; events: string[] }[];
}

export interface FailoverResult {
  runs: number;
  load: string;
  rows: FailoverRow[];
  /** Times the lab was replaced by a fresh one because a case left it unable to serve, and why. */
  recreated: string[];
}

export interface HostFootprint {
  host: string;
  processes: number;
  rssBytes: number;
  /** Proportional set size: shared pages split between the processes sharing them. */
  pssBytes: number;
  /** Memory the kernel charges to the host's cgroup (page cache included); absent without cgroups. */
  kernelBytes?: number;
}

export interface FootprintSample {
  when: string;
  hosts: HostFootprint[];
  /** Processes of the lab outside its hosts (the launchers, the loopback relays). */
  outside: HostFootprint;
  totalRssBytes: number;
  totalPssBytes: number;
  /** Sum of the hosts' cgroup memory: what the kernel counts, each page once. */
  totalKernelBytes?: number;
}

/** CPU the lab used with nothing to serve, from the hosts' cgroups. */
export interface IdleCpu {
  seconds: number;
  /** Cores used on average by all hosts together. */
  cores: number;
  hosts: { host: string; cores: number }[];
  /** The same window by program (every host's processes of one program together), busiest first; older results lack it. */
  byProgram?: { program: string; processes: number; cores: number }[];
}

export interface FootprintResult {
  design: string;
  samples: FootprintSample[];
  idle?: IdleCpu;
}

/** A group that could not run (or a figure left out), and why. */
export interface Missing {
  what: string;
  why: string;
}

/** Reference figures measured in the same run, outside any lab: what the lab's own figures are compared with. */
export interface References {
  /** One bare host's network, per host: a namespace, a veth pair into a switch namespace, an address, links up (`ip`, one batch per host). */
  netnsVethMsPerHost: Summary | null;
  /** Removing those namespaces again, per host. */
  netnsDeleteMsPerHost: Summary | null;
  /** `mariadb-install-db` of an empty data directory. */
  mariadbInstallMs: Summary | null;
  /** `mariadbd` started in its own network namespace on that directory, until `mariadb-admin ping` answers. */
  mariadbFirstPingMs: Summary | null;
  /** `stacklab down` of a lab that does not exist: starting Node and loading the CLI and the down verb, the floor of `down`'s wall-clock time. */
  cliStartMs: Summary | null;
  failures: string[];
}

/** One goal of issue #18, judged by a figure against its reference of the same run. */
export interface GoalRow {
  goal: string;
  figure: string;
  reference: string;
  ratio: string;
  target: string;
  met: boolean | null;
}

/** `stacklab rehearse` of design 3, and a second ansible-playbook run on the rehearsed lab. */
export interface RehearsalResult {
  design: string;
  /** The whole `stacklab rehearse` command, as a user waits for it. */
  wallMs: number;
  bareUpMs: number;
  exportMs: number;
  playbookMs: number;
  changedFirst: number;
  secondRunMs: number;
  /** Changes the second run reported (null when it failed). */
  changedSecond: number | null;
  /** kill-lb and kill-primary on the rehearsed lab, then on a native design-3 lab (absent in older results). */
  experiments?: RehearsalExperiment[];
}

/** One experiment's figures on the rehearsed or the native lab. */
export interface RehearsalExperiment {
  scenario: string;
  lab: "rehearsed" | "native";
  /** null when the experiment printed no report (then `error` says why). */
  passed: boolean | null;
  downtimeMs: number | null;
  writeDowntimeMs: number | null;
  failedRequests: number | null;
  requests: number | null;
  lostWrites: number | null;
  error?: string;
}

/** One mode (root, or a normal user's rootless lab) of the rootless group. */
export interface RootlessModeResult {
  /** `stacklab up --blueprint 3 -d` as the user waits for it (ms). */
  up: Summary | null;
  /** `stacklab down` as the user waits for it (ms; the lab's folder checked gone). */
  down: Summary | null;
  /** Whole path from the user host (wrk through `stacklab exec`), answers per second. */
  dynamicRps: Summary | null;
  staticRps: Summary | null;
  failures: string[];
}

/** Design 3 up, serving and down as root and as a normal user in the same run (issue 17). */
export interface RootlessResult {
  design: string;
  user: string;
  runs: number;
  load: string;
  root: RootlessModeResult;
  rootless: RootlessModeResult;
  /** rootless / root, of the medians (times: above 1 is slower; serving: below 1 is slower). */
  ratios: { up: number | null; down: number | null; dynamic: number | null; static: number | null };
}

export interface BenchResults {
  version: 1;
  mode: "quick" | "full";
  /** The groups the run measured (`--only`); absent in results recorded before, which measured every group. */
  groups?: string[];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  machine: MachineInfo;
  noise: Noise;
  lifecycle: LifecycleResult | null;
  serving: ServingResult | null;
  failover: FailoverResult | null;
  footprint: FootprintResult | null;
  /** Saturation, the seeds' claims and the capacity model (absent from results written before it existed). */
  capacity?: CapacityBenchResult | null;
  /** Absent in results written before references were measured. */
  references?: References | null;
  /** Absent in results recorded before the rehearsal group existed. */
  rehearsal?: RehearsalResult | null;
  /** Absent in results recorded before the rootless group existed. */
  rootless?: RootlessResult | null;
  missing: Missing[];
}

export interface CapacityBenchResult {
  /** The saturation search every figure used. */
  search: { p99Ms: number; stepMs: number; startRate: number; factor: number; bisectSteps: number; writeShare: number };
  claims: ClaimResult[];
  verify: VerifyReport | null;
}
