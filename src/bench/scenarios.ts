// What the failover benchmark measures: built-in scenarios of the experiment runner, plus three the benchmark
// writes itself (a clean stop, and two operations the runner has no step for, driven beside its load).

/** An operation the benchmark performs itself while the runner's load is on (the runner has no step for it). */
export type BenchOperation = { kind: "deploy" } | { kind: "reload"; service: "haproxy"; times: number; everyMs: number };

/** One failover or operation to measure. */
export interface FailoverCase {
  id: string;
  label: string;
  /** A built-in scenario name, or the YAML of a scenario the benchmark writes. */
  scenario: { builtIn: string } | { name: string; yaml: string };
  measure: "downtime" | "writeDowntime" | "failed";
  /** Started this long after the load starts. */
  operation?: { atMs: number; run: BenchOperation };
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

/** A scenario whose only step changes nothing: the benchmark performs the operation beside the load. */
function operationScenario(name: string, what: string, durationS: number): string {
  return `# written by stacklab's benchmark: load only; the benchmark runs ${what} beside it
description: ${what} under load (run by the benchmark, not by a step).
duration: ${durationS}s
steps:
  - at: 500ms
    heal: all
expect:
  - check: [failedRequests == 0, lostWrites == 0]
    why: ${name === "deploy" ? "each app server is drained before it reloads" : "HAProxy hands its listening sockets to the new process"}
`;
}

/** Every case, in the order they run (the database crash last: without a failover it leaves no writable primary). */
export function failoverCases(): FailoverCase[] {
  return [
    { id: "lb-crash", label: "load balancer crash (floating IP moves)", scenario: { builtIn: "kill-lb" }, measure: "downtime", anchor: "≈ 3.6 s (keepalived defaults)" },
    { id: "lb-stop", label: "load balancer clean stop", scenario: { name: "lb-stop", yaml: LB_STOP }, measure: "downtime", anchor: "≈ 0.6 s (keepalived clean stop)" },
    { id: "web-crash", label: "web server crash", scenario: { builtIn: "kill-web" }, measure: "failed" },
    { id: "app-crash", label: "app server crash", scenario: { builtIn: "kill-app" }, measure: "failed" },
    {
      id: "deploy",
      label: "rolling deploy (stacklab deploy --version X)",
      scenario: { name: "deploy", yaml: operationScenario("deploy", "a rolling deploy of every app server", 15) },
      measure: "failed",
      operation: { atMs: 2000, run: { kind: "deploy" } },
    },
    {
      id: "reload",
      label: "HAProxy reload on the active load balancer (5 reloads, about 1 s apart)",
      scenario: { name: "reload", yaml: operationScenario("reload", "five HAProxy reloads on the active load balancer", 10) },
      measure: "failed",
      operation: { atMs: 2000, run: { kind: "reload", service: "haproxy", times: 5, everyMs: 1000 } },
    },
    { id: "db-crash", label: "database primary crash", scenario: { builtIn: "kill-primary" }, measure: "writeDowntime", anchor: "10–30 s (MHA, orchestrator)" },
  ];
}

/** The scenario's name as the report shows it. */
export function scenarioLabel(c: FailoverCase): string {
  return "builtIn" in c.scenario ? c.scenario.builtIn : `bench:${c.scenario.name}`;
}
