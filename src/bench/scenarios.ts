// What the failover benchmark measures: built-in scenarios of the experiment runner, plus scenarios the benchmark
// writes itself: a clean stop of the active load balancer (no built-in scenario stops a host cleanly), and the
// database faults of issue 13 (crash, freeze, partition of the primary, and a crash with the deciding controller's
// host, an etcd member, dying at the same moment) under writers that keep DB_WRITERS writes in flight.

/** One failover or operation to measure. */
export interface FailoverCase {
  id: string;
  label: string;
  /** A built-in scenario name, or the YAML of a scenario the benchmark writes. */
  scenario: { builtIn: string } | { name: string; yaml: string };
  measure: "downtime" | "writeDowntime" | "failed";
  /** A published figure to set beside ours (short; goals.ts ANCHORS says where it comes from). */
  anchor?: string;
}

const LB_STOP = `# written by stacklab's benchmark: a clean stop of the active load balancer
description: Stop the load balancer receiving users' traffic cleanly (services first, then the host) and boot it again 6 s later.
duration: 10s
steps:
  - at: 2s
    stop: active-lb
  - at: 8s
    heal: all
expect:
  - check: [lostWrites == 0]
  - when: { loadBalancer: active-passive }
    check: [recovered == true, downtime < 1s]
    why: keepalived sends priority 0 on a clean stop, so the standby takes over without waiting for missed adverts
`;

/** Writes always in flight during the database cases (issue 13: at least 8 concurrent writers). */
export const DB_WRITERS = 8;
/** The database goals of issue 13. */
export const DB_GOALS = { writeGapMs: 1000, wholeAfterHealMs: 30_000 } as const;
/**
 * Cases whose goal is that writes resume at all, not the 1 s gap: issue 13 asks the gap of a primary's crash, freeze
 * and partition, and of the death of an etcd member or deciding host together with a primary crash only that
 * "writes still resume" (a new leader must first see the dead one's lease expire).
 */
export const RESUME_ONLY_CASES: ReadonlySet<string> = new Set(["db-crash-leader"]);

/** A database fault of issue 13: at 2 s the steps, at 10 s heal everything; no command typed after. */
function dbScenario(name: string, description: string, steps: string[], why: string): string {
  return `# written by stacklab's benchmark: ${name}
description: ${JSON.stringify(description)}
duration: 12s
load:
  reads: 50
  writers: ${DB_WRITERS}
steps:
${steps.map((s) => `  - at: 2s\n    ${s}`).join("\n")}
  - at: 10s
    heal: all
expect:
  - check: [lostWrites == 0]
    why: no acknowledged write may be lost, whichever server holds it after the heal
  - when: { failover: automatic }
    check: [writesRecovered == true, wholeAfterHeal < ${DB_GOALS.wholeAfterHealMs / 1000}s]
    why: ${JSON.stringify(why)}
`;
}

const DB_CASES: FailoverCase[] = [
  {
    id: "db-crash",
    label: "database primary crash",
    scenario: {
      name: "db-crash",
      yaml: dbScenario(
        "db-crash",
        "Crash the database primary under 8 writers and boot it again 8 s later.",
        ["kill: primary-db"],
        "the controller promotes the replica; after the heal the old primary rejoins as its replica by itself",
      ),
    },
    measure: "writeDowntime",
    anchor: "10–30 s (MHA, orchestrator)",
  },
  {
    id: "db-freeze",
    label: "database primary frozen (paused), then thawed",
    scenario: {
      name: "db-freeze",
      yaml: dbScenario(
        "db-freeze",
        "Freeze every process of the database primary (SIGSTOP) under 8 writers and thaw it 8 s later.",
        ["pause: primary-db"],
        "a frozen primary looks dead: the replica is promoted, and the thawed server must not take writes but rejoin as a replica",
      ),
    },
    measure: "writeDowntime",
  },
  {
    id: "db-partition",
    label: "database primary cut off from every other host",
    scenario: {
      name: "db-partition",
      yaml: dbScenario(
        "db-partition",
        "Cut the database primary off from every other host, both ways, under 8 writers; lift the partition 8 s later.",
        ["partition: primary-db"],
        "the cut-off primary loses its lease and fences itself, the replica is promoted, and after the heal the old primary rejoins as a replica",
      ),
    },
    measure: "writeDowntime",
  },
  {
    id: "db-crash-leader",
    label: "database primary crash with the leading controller's host (an etcd member) crashing too",
    scenario: {
      name: "db-crash-leader",
      yaml: dbScenario(
        "db-crash-leader",
        "Crash the database primary and, at the same moment, the host of the failover controller that leads (an etcd member too), under 8 writers; boot both 8 s later.",
        ["kill: primary-db", "kill: leading-controller"],
        "another controller takes the leader lease once it expires and promotes the replica; two etcd members of three keep a quorum",
      ),
    },
    measure: "writeDowntime",
  },
];

/** Every case, in the order they run (the database cases last: they move the primary). */
export function failoverCases(): FailoverCase[] {
  return [
    { id: "lb-crash", label: "load balancer crash (floating IP moves)", scenario: { builtIn: "kill-lb" }, measure: "downtime", anchor: "≈ 3.6 s (keepalived defaults)" },
    { id: "lb-stop", label: "load balancer clean stop", scenario: { name: "lb-stop", yaml: LB_STOP }, measure: "downtime", anchor: "≈ 0.6 s (keepalived clean stop)" },
    { id: "web-crash", label: "web server crash", scenario: { builtIn: "kill-web" }, measure: "failed" },
    { id: "app-crash", label: "app server crash", scenario: { builtIn: "kill-app" }, measure: "failed" },
    { id: "deploy", label: "rolling deploy of a new app version", scenario: { builtIn: "deploy" }, measure: "failed" },
    { id: "reload", label: "HAProxy reload on the active load balancer (3 reloads, 2 s apart)", scenario: { builtIn: "reload-haproxy" }, measure: "failed" },
    ...DB_CASES,
  ];
}

/** The scenario's name as the report shows it. */
export function scenarioLabel(c: FailoverCase): string {
  return "builtIn" in c.scenario ? c.scenario.builtIn : `bench:${c.scenario.name}`;
}
