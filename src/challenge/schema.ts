// A challenge is data: the seed claim it proves, a story, where the learner starts (a blueprint to edit, or a
// running lab with a planted problem), the goal, hints in order, and the checks that break the result.
import { CHECK_ORDER } from "../audit/run.js";
import { z } from "zod";
import { expectationText, type Expectation } from "../experiment/expect.js";
import { parseDuration } from "../experiment/units.js";
import { Size, parseMemory } from "../spec/size.js";
import { PLANTS } from "./plants.js";

const expectation = expectationText;

/** A time written as text ("8s", "500ms"), read into milliseconds within [min, max]; `what` and `example` make the message. */
function timeBetween(what: string, minMs: number, maxMs: number, range: string, example: string) {
  return z.string().transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined || ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: "custom", message: `expected a ${what} between ${range} such as ${example}; got "${v}"` });
      return z.NEVER;
    }
    return ms;
  });
}

const duration = timeBetween("duration", 1000, 60_000, "1s and 60s", "8s");

/** Audit checks a challenge may require to pass: the ids of `stacklab audit`, from the audit itself. */
const AUDIT_IDS = CHECK_ORDER;

const ExperimentCheck = z.strictObject({
  experiment: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .describe("a built-in scenario (scenarios/*.yaml)"),
  expect: z.array(expectation).min(1).describe("what must hold, whatever the design (the scenario's own per-design expectations are not used)"),
  says: z.string().min(1).describe("what the check proves, in the learner's words"),
});
const TrafficCheck = z.strictObject({
  traffic: z.strictObject({ duration: duration.default(8000) }),
  expect: z.array(expectation).min(1),
  says: z.string().min(1),
});
const AuditCheck = z.strictObject({
  audit: z.array(z.enum(AUDIT_IDS)).min(1).describe("audit checks that must pass (a warning is not a pass)"),
  says: z.string().min(1),
});
const PlanCheck = z.strictObject({
  plan: z.strictObject({ without: z.array(z.string().min(1)).min(1).describe("finding ids, or their beginnings (spof.host), that must not be found") }),
  says: z.string().min(1),
});
const AlertCheck = z.strictObject({
  alert: z.strictObject({ name: z.string().min(1), surge: duration.default(4000).describe("how long the visitor's burst of requests lasts") }),
  says: z.string().min(1),
});
const ReplicationCheck = z.strictObject({
  replication: z.literal("running").describe("every database server but the primary replicates from it"),
  says: z.string().min(1),
});

const percent = z.string().transform((v, ctx) => {
  const m = /^(\d+(?:\.\d+)?)%$/.exec(v);
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 0 && n <= 100)) {
    ctx.addIssue({ code: "custom", message: `expected a percentage such as 1%; got "${v}"` });
    return z.NEVER;
  }
  return n;
});
const latency = timeBetween("latency", 10, 10_000, "10ms and 10s", "500ms");
const SaturationCheck = z.strictObject({
  saturation: z.strictObject({
    rate: z.number().int().min(1).max(5000).describe("requests per second the design must sustain (open-loop, from the visitor's host)"),
    size: Size.describe("every server of the design (load balancers included) must be no bigger than this"),
    p99: latency.default(1000).describe("the 99th percentile latency the step must stay under"),
    errors: percent.default(1).describe("the share of failed requests the step must stay under"),
    step: duration.default(6000).describe("how long the load runs"),
    writes: percent.default(10).describe("share of writes in the mix"),
  }),
  says: z.string().min(1),
});

const Check = z.union([ExperimentCheck, TrafficCheck, AuditCheck, PlanCheck, AlertCheck, ReplicationCheck, SaturationCheck]);

const blueprintName = z.union([z.string().min(1), z.number().int()]).transform(String);
const startSize = Size.optional().describe("a size given to every server group and load balancer of the blueprint");
const Start = z.union([
  z.strictObject({ blueprint: blueprintName.describe("copied into the learner's stack.yaml"), size: startSize }),
  z.strictObject({
    lab: blueprintName.describe("the blueprint the lab runs"),
    plant: z.enum(Object.keys(PLANTS) as [string, ...string[]]).describe("the problem planted in it"),
    size: startSize,
  }),
]);

/** The challenge file's schema. */
export const ChallengeSchema = z.strictObject({
  title: z.string().min(1),
  order: z.number().int().min(1).describe("place in `challenge list`"),
  seed: z.strictObject({ design: z.number().int().min(0).max(3), claim: z.string().min(1) }).describe("the seed design and the claim about it this challenge proves"),
  story: z.string().min(1),
  start: Start,
  goal: z.string().min(1),
  hints: z.array(z.string().min(1)).min(1),
  check: z.array(Check).min(1),
});

export type ChallengeCheck =
  | { kind: "experiment"; scenario: string; expect: Expectation[]; says: string }
  | { kind: "traffic"; durationMs: number; expect: Expectation[]; says: string }
  | { kind: "audit"; ids: string[]; says: string }
  | { kind: "plan"; without: string[]; says: string }
  | { kind: "alert"; name: string; surgeMs: number; says: string }
  | { kind: "replication"; says: string }
  | {
      kind: "saturation";
      /** Requests per second offered for one step. */
      rate: number;
      /** The largest a server may be: cores, and memory in bytes (with its text, 384Mi). */
      size: { cpu: number; memoryBytes: number; memory: string };
      p99Ms: number;
      maxErrorPct: number;
      stepMs: number;
      /** Share of writes, 0..1. */
      writeShare: number;
      says: string;
    };

/** A validated challenge. */
export interface Challenge {
  name: string;
  title: string;
  order: number;
  seed: { design: number; claim: string };
  story: string;
  start: ({ blueprint: string } | { lab: string; plant: string }) & { size?: Size };
  goal: string;
  hints: string[];
  check: ChallengeCheck[];
}

function toCheck(c: z.output<typeof Check>): ChallengeCheck {
  if ("experiment" in c) return { kind: "experiment", scenario: c.experiment, expect: c.expect, says: c.says };
  if ("traffic" in c) return { kind: "traffic", durationMs: c.traffic.duration, expect: c.expect, says: c.says };
  if ("audit" in c) return { kind: "audit", ids: c.audit, says: c.says };
  if ("plan" in c) return { kind: "plan", without: c.plan.without, says: c.says };
  if ("alert" in c) return { kind: "alert", name: c.alert.name, surgeMs: c.alert.surge, says: c.says };
  if ("saturation" in c) {
    const s = c.saturation;
    return {
      kind: "saturation",
      rate: s.rate,
      size: { cpu: s.size.cpu, memoryBytes: parseMemory(s.size.memory)!, memory: s.size.memory },
      p99Ms: s.p99,
      maxErrorPct: s.errors,
      stepMs: s.step,
      writeShare: s.writes / 100,
      says: c.says,
    };
  }
  return { kind: "replication", says: c.says };
}

/** Turns the schema's output into a Challenge. */
export function toChallenge(v: z.output<typeof ChallengeSchema>, name: string): Challenge {
  return { name, title: v.title, order: v.order, seed: v.seed, story: v.story.trim(), start: toStart(v.start), goal: v.goal.trim(), hints: v.hints, check: v.check.map(toCheck) };
}

function toStart(s: z.output<typeof Start>): Challenge["start"] {
  const size = s.size ? { size: s.size } : {};
  return "blueprint" in s ? { blueprint: s.blueprint, ...size } : { lab: s.lab, plant: s.plant, ...size };
}
