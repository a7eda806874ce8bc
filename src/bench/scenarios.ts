// What the failover benchmark measures: built-in scenarios of the experiment runner, plus a clean stop of the
// active load balancer, which the benchmark writes itself (no built-in scenario stops a host cleanly).

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

/** Every case, in the order they run (the database crash last: it moves the primary). */
export function failoverCases(): FailoverCase[] {
  return [
    { id: "lb-crash", label: "load balancer crash (floating IP moves)", scenario: { builtIn: "kill-lb" }, measure: "downtime", anchor: "≈ 3.6 s (keepalived defaults)" },
    { id: "lb-stop", label: "load balancer clean stop", scenario: { name: "lb-stop", yaml: LB_STOP }, measure: "downtime", anchor: "≈ 0.6 s (keepalived clean stop)" },
    { id: "web-crash", label: "web server crash", scenario: { builtIn: "kill-web" }, measure: "failed" },
    { id: "app-crash", label: "app server crash", scenario: { builtIn: "kill-app" }, measure: "failed" },
    { id: "deploy", label: "rolling deploy of a new app version", scenario: { builtIn: "deploy" }, measure: "failed" },
    { id: "reload", label: "HAProxy reload on the active load balancer (3 reloads, 2 s apart)", scenario: { builtIn: "reload-haproxy" }, measure: "failed" },
    { id: "db-crash", label: "database primary crash", scenario: { builtIn: "kill-primary" }, measure: "writeDowntime", anchor: "10–30 s (MHA, orchestrator)" },
  ];
}

/** The scenario's name as the report shows it. */
export function scenarioLabel(c: FailoverCase): string {
  return "builtIn" in c.scenario ? c.scenario.builtIn : `bench:${c.scenario.name}`;
}
