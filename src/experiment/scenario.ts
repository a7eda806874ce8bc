// A scenario is data: the load to send, timed fault steps, and the expectations that must hold (per design
// where designs differ). This is its schema; every problem is reported at once, with its place in the file.
import { z } from "zod";
import { ACTION_NAMES, ACTIONS as ACTION_TABLE, type ActionName } from "../operations/actions.js";
import { parseDuration, parsePercent } from "./units.js";
import { parseMemory } from "../spec/size.js";
import type { StressLoad } from "../runtime/faults/types.js";
import { expectationText, type Expectation } from "./expect.js";

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = typeof v === "string" ? parseDuration(v) : undefined;
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: typeof v === "number" ? `give a unit: ${v}s or ${v}ms` : `expected a duration such as 500ms or 2s; got "${v}"` });
    return z.NEVER;
  }
  return ms;
});

const percent = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const p = parsePercent(v);
  if (p === undefined || p < 0 || p > 100) {
    ctx.addIssue({ code: "custom", message: `expected a percentage between 0% and 100%; got "${v}"` });
    return z.NEVER;
  }
  return p;
});

/** A host name, or a role reference resolved on the running design (active-lb, primary-db, web, all-app...). */
const ref = z.string().min(1);
const refs = z.union([ref, z.array(ref).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));
const hostOrService = z.union([ref.transform((host) => ({ host, service: undefined as string | undefined })), z.strictObject({ host: ref, service: z.string().min(1).optional() })]);

const ACTIONS = ACTION_NAMES;
/** Steps that operate the lab (rather than break it): their figures show what users noticed of the operation. */
export const OPERATIONS: readonly StepAction[] = ACTION_NAMES.filter((a) => ACTION_TABLE[a].kind === "operation");
/** A step's action: one of the lab actions (operations/actions.ts). */
export type StepAction = ActionName;

const StepInput = z
  .strictObject({
    at: duration.describe("when the step runs, from the start of the load"),
    kill: ref.optional(),
    stop: hostOrService.optional(),
    start: hostOrService.optional(),
    restart: hostOrService.optional(),
    pause: ref.optional(),
    partition: z.union([refs.transform((hosts) => ({ hosts, from: undefined as string[] | undefined })), z.strictObject({ hosts: refs, from: refs.optional() })]).optional(),
    netem: z.strictObject({ host: ref, delay: duration.optional(), jitter: duration.optional(), loss: percent.optional(), link: z.string().optional() }).optional(),
    stress: z
      .strictObject({
        host: ref,
        cpu: z.number().int().min(1).max(64).optional(),
        memory: z
          .string()
          .refine((v) => parseMemory(v) !== undefined, "a size such as 256Mi")
          .optional(),
        duration,
      })
      .optional(),
    heal: z.union([z.literal(true), ref]).optional(),
    deploy: z.union([z.literal(true), z.strictObject({ version: z.string().min(1).max(40).optional(), batch: z.number().int().min(1).optional() })]).optional(),
    reload: hostOrService.optional(),
    scale: z
      .string()
      .regex(/^[a-z][a-z0-9-]*=\d+$/, "TIER=N, such as web=3")
      .optional(),
    maintain: z.union([ref.transform((host) => ({ host, done: false })), z.strictObject({ host: ref, done: z.boolean().default(false) })]).optional(),
  })
  .superRefine((s, ctx) => {
    const given = ACTIONS.filter((a) => s[a] !== undefined);
    if (given.length !== 1) ctx.addIssue({ code: "custom", message: given.length ? `one action per step; this one has ${given.join(" and ")}` : `a step needs one action: ${ACTIONS.join(", ")}` });
  });

/** One step, normalized: what to do, to which references, at which time (ms from the start of the load). */
export interface Step {
  at: number;
  action: StepAction;
  /** References of the hosts acted on; empty for "heal everything". */
  targets: string[];
  from?: string[];
  service?: string;
  netem?: { delayMs: number; jitterMs: number; lossPct: number; link?: string };
  /** For stress: the noisy neighbour's load. */
  stress?: StressLoad;
  /** For deploy: the version (default: a new one made from the time) and batch size. */
  deploy?: { version?: string; batch?: number };
  /** For maintain: end the maintenance instead of starting it. */
  done?: boolean;
  /** For scale: the tier and its new size. */
  scale?: { tier: string; count: number };
}

function normalize(s: z.output<typeof StepInput>): Step {
  const at = s.at;
  if (s.kill !== undefined) return { at, action: "kill", targets: [s.kill] };
  if (s.pause !== undefined) return { at, action: "pause", targets: [s.pause] };
  for (const a of ["stop", "start", "restart"] as const) {
    const v = s[a];
    if (v) return { at, action: a, targets: [v.host], ...(v.service ? { service: v.service } : {}) };
  }
  if (s.partition) return { at, action: "partition", targets: s.partition.hosts, ...(s.partition.from ? { from: s.partition.from } : {}) };
  if (s.netem) {
    const n = s.netem;
    return { at, action: "netem", targets: [n.host], netem: { delayMs: n.delay ?? 0, jitterMs: n.jitter ?? 0, lossPct: n.loss ?? 0, ...(n.link ? { link: n.link } : {}) } };
  }
  if (s.stress)
    return {
      at,
      action: "stress",
      targets: [s.stress.host],
      stress: { ...(s.stress.cpu ? { cpu: s.stress.cpu } : {}), ...(s.stress.memory ? { memoryBytes: parseMemory(s.stress.memory)! } : {}), durationMs: s.stress.duration },
    };
  if (s.deploy !== undefined) return { at, action: "deploy", targets: [], deploy: s.deploy === true ? {} : s.deploy };
  if (s.reload) return { at, action: "reload", targets: [s.reload.host], ...(s.reload.service ? { service: s.reload.service } : {}) };
  if (s.scale) {
    const [tier, count] = s.scale.split("=");
    return { at, action: "scale", targets: [], scale: { tier: tier!, count: Number(count) } };
  }
  if (s.maintain) return { at, action: "maintain", targets: [s.maintain.host], done: s.maintain.done };
  return { at, action: "heal", targets: s.heal === true || s.heal === "all" || s.heal === undefined ? [] : [s.heal] };
}

const expectation = expectationText;

const design = z.union([z.string(), z.number().int()]).transform(String);
const designs = z.union([design, z.array(design).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

/** Which designs a group of expectations is for; every key given must match (none: every design). */
const When = z.strictObject({
  design: designs.optional().describe("blueprint names or numbers (0-simple_web_stack or 0), or design file names"),
  loadBalancer: z.enum(["none", "single", "active-passive", "active-active"]).optional(),
  failover: z.enum(["manual", "automatic"]).optional(),
  replication: z.enum(["none", "async", "semisync"]).optional(),
});
export type When = z.output<typeof When>;

const Case = z.strictObject({ when: When.optional(), check: z.array(expectation).min(1), why: z.string().optional() });

const Load = z
  .strictObject({
    reads: z.number().min(0).max(500).default(50).describe("page reads per second"),
    writes: z.number().min(0).max(200).optional().describe("API writes per second, sent on a schedule whether or not earlier ones answered (default 10)"),
    writers: z
      .number()
      .int()
      .min(1)
      .max(64)
      .optional()
      .describe("instead of writes per second: this many writers, each sending its next write as soon as its previous one is answered, so that many writes are always in flight"),
    timeout: duration.default(1000).describe("whole-request timeout"),
    slow: duration.default(500).describe("a successful request slower than this counts as slow"),
    reuseConnections: z.boolean().default(false),
    paths: z.array(z.string().startsWith("/")).min(1).default(["/api/entries?limit=5", "/"]).describe("paths read in turn"),
  })
  .superRefine((l, ctx) => {
    if (l.writes !== undefined && l.writers !== undefined) ctx.addIssue({ code: "custom", path: ["writers"], message: "give writes (per second) or writers (always in flight), not both" });
  });

/** The scenario file's schema. */
export const ScenarioSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and '-'")
      .optional(),
    description: z.string().min(1),
    claim: z.string().optional().describe("the claim about the designs this scenario tests"),
    duration: duration.default(10_000),
    load: Load.prefault({}),
    steps: z.array(StepInput).min(1),
    expect: z.array(Case).default([]),
  })
  .superRefine((s, ctx) => {
    if (s.duration < 1000 || s.duration > 300_000) ctx.addIssue({ code: "custom", path: ["duration"], message: "must be between 1s and 300s" });
    let last = 0;
    s.steps.forEach((step, i) => {
      if (step.at >= s.duration) ctx.addIssue({ code: "custom", path: ["steps", i, "at"], message: `must be before the end of the run (${s.duration / 1000} s)` });
      if (step.at < last) ctx.addIssue({ code: "custom", path: ["steps", i, "at"], message: `steps must be in time order; this one comes before the previous step (${last} ms)` });
      last = Math.max(last, step.at);
    });
  });

/** A validated scenario. */
export interface Scenario {
  name: string;
  description: string;
  claim?: string;
  durationMs: number;
  /** Writes go on a schedule (`writesPerSecond`), or from `writers` closed loops (then `writesPerSecond` is 0). */
  load: { readsPerSecond: number; writesPerSecond: number; writers?: number; timeoutMs: number; slowMs: number; reuseConnections: boolean; paths: string[] };
  steps: Step[];
  expect: { when?: When; check: Expectation[]; why?: string }[];
  /** Where it came from (a file path, or `built-in NAME`). */
  source: string;
}

/** Turns the schema's output into a Scenario. */
export function toScenario(v: z.output<typeof ScenarioSchema>, name: string, source: string): Scenario {
  return {
    name: v.name ?? name,
    description: v.description,
    ...(v.claim ? { claim: v.claim } : {}),
    durationMs: v.duration,
    load: {
      readsPerSecond: v.load.reads,
      writesPerSecond: v.load.writers ? 0 : (v.load.writes ?? 10),
      ...(v.load.writers ? { writers: v.load.writers } : {}),
      timeoutMs: v.load.timeout,
      slowMs: v.load.slow,
      reuseConnections: v.load.reuseConnections,
      paths: v.load.paths,
    },
    steps: v.steps.map(normalize),
    expect: v.expect.map((c) => ({ ...(c.when ? { when: c.when } : {}), check: c.check, ...(c.why ? { why: c.why } : {}) })),
    source,
  };
}

/** The writes of a load in words: "10 writes/s", or "8 writers (8 writes always in flight)". */
export function writesText(l: Pick<Scenario["load"], "writesPerSecond" | "writers">): string {
  return l.writers ? `${l.writers} writers (${l.writers} writes always in flight)` : `${l.writesPerSecond} writes/s`;
}
