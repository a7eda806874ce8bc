// The learner's side of a challenge: start it (a stack.yaml to edit, or a lab with a planted problem),
// ask for the next hint, check it on a running lab, reset it. Progress is kept in the learner's HOME.
import type { DashboardReader } from "../audit/context.js";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isMap, isSeq, parseDocument } from "yaml";
import { blueprintText, loadBlueprint } from "../blueprints/index.js";
import { down } from "../runtime/down.js";
import { REPO_DIR } from "../runtime/repo.js";
import { requireRoot } from "../runtime/preflight.js";
import { listLabs } from "../runtime/state.js";
import { loadLab } from "../runtime/status.js";
import { up, type Progress as UpProgress } from "../runtime/up.js";
import { UsageError } from "../spec/errors.js";
import type { Stack } from "../spec/schema.js";
import type { Size } from "../spec/size.js";
import { checkChallenge } from "./checks.js";
import { findChallenge } from "./load.js";
import { PLANTS } from "./plants.js";
import { readProgress, recordVerdict, updateProgress, type ChallengeProgress } from "./progress.js";
import type { Challenge } from "./schema.js";
import type { Verdict } from "./verdict.js";

/** What `challenge start` did: the challenge, and where the learner begins. */
export interface Started {
  challenge: Challenge;
  /** The stack.yaml written (a design challenge). */
  file?: string;
  /** The lab running the planted problem (a troubleshooting challenge). */
  lab?: string;
}

export interface StartOptions {
  /** Folder for stack.yaml (default: the current one). */
  dir?: string;
  /** Lab name: the planted lab, or the lab the learner will check. */
  lab?: string;
  /** Overwrite an existing stack.yaml. */
  force?: boolean;
  say?: (message: string) => void;
}

/** The lab name a troubleshooting challenge runs in when none is given. */
export const DEFAULT_LAB = "challenge";

function quietUp(say: (m: string) => void): UpProgress {
  return { step: () => undefined, done: () => undefined, warn: (m) => say(`warning: ${m}`) };
}

/** A design's text with `size` given to every server group and to the load balancers (comments kept). */
export function withSizeText(text: string, size: Size): string {
  const doc = parseDocument(text);
  const node = () => doc.createNode({ cpu: size.cpu, memory: size.memory }, { flow: true });
  const servers = doc.get("servers");
  if (isSeq(servers)) for (const g of servers.items) if (isMap(g)) g.set("size", node());
  const lb = doc.get("loadBalancer");
  if (isMap(lb)) lb.set("size", node());
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** A design with `size` given to every server group and to the load balancers. */
export function withSize(stack: Stack, size: Size): Stack {
  return { ...stack, servers: stack.servers.map((g) => ({ ...g, size })), ...(stack.loadBalancer ? { loadBalancer: { ...stack.loadBalancer, size } } : {}) };
}

/** Brings the challenge's lab up and plants its problem. */
async function plantedLab(challenge: Challenge, lab: string, say: (m: string) => void): Promise<void> {
  if (!("plant" in challenge.start)) return;
  requireRoot("challenge start");
  const source = `blueprint ${challenge.start.lab}`;
  say(`bringing lab ${lab} up (${source})`);
  const stack = loadBlueprint(challenge.start.lab);
  const result = await up(challenge.start.size ? withSize(stack, challenge.start.size) : stack, { name: lab, source, progress: quietUp(say) });
  try {
    await PLANTS[challenge.start.plant]!.apply(result.state, result.model);
  } catch (err) {
    await down(lab, { quiet: true });
    throw err;
  }
}

/** Starts a challenge: writes the starting stack.yaml or brings up a lab with a planted problem; makes it the current one. */
export async function startChallenge(name: string, opts: StartOptions = {}): Promise<Started> {
  const challenge = findChallenge(name);
  const say = opts.say ?? (() => undefined);
  const entry: ChallengeProgress = { startedAt: new Date().toISOString(), hintsShown: 0 };
  if ("blueprint" in challenge.start) {
    const file = resolve(opts.dir ?? ".", "stack.yaml");
    if (existsSync(file) && !opts.force) throw new UsageError(`${file} exists; keep it and start in another folder (--dir), or overwrite it with --force`);
    // The blueprint's $schema is relative to blueprints/: point it at this package's schema, wherever the file goes.
    const text = blueprintText(challenge.start.blueprint);
    const design = (challenge.start.size ? withSizeText(text, challenge.start.size) : text).replace(/^\$schema: .*$/m, `$schema: ${join(REPO_DIR, "schema", "stack.schema.json")}`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `# challenge ${challenge.name}: ${challenge.title}\n# goal: ${challenge.goal.replace(/\s+/g, " ")}\n${design}`);
    entry.file = file;
    if (opts.lab) entry.lab = opts.lab;
  } else {
    const lab = opts.lab ?? DEFAULT_LAB;
    if (listLabs().includes(lab)) throw new UsageError(`a lab named "${lab}" already runs; pick another name with --name, or stop it first (stacklab down --name ${lab})`);
    await plantedLab(challenge, lab, say);
    entry.lab = lab;
  }
  updateProgress((p) => {
    const before = p.challenges[challenge.name];
    p.current = challenge.name;
    p.challenges[challenge.name] = { ...entry, ...(before?.solvedAt ? { solvedAt: before.solvedAt } : {}) };
  });
  return { challenge, ...(entry.file ? { file: entry.file } : {}), ...(entry.lab ? { lab: entry.lab } : {}) };
}

/** The current challenge and its progress (usage error when none was started). */
export function currentChallenge(): { challenge: Challenge; progress: ChallengeProgress } {
  const p = readProgress();
  if (!p.current) throw new UsageError("no challenge started; see them with `stacklab challenge list`, then `stacklab challenge start NAME`");
  return { challenge: findChallenge(p.current), progress: p.challenges[p.current] ?? { startedAt: "", hintsShown: 0 } };
}

/** The next hint of the current challenge (the last one again once all were shown), with `{lab}` filled in. */
export function nextHint(): { challenge: Challenge; index: number; hint: string; remaining: number } {
  const { challenge, progress } = currentChallenge();
  const index = Math.min(progress.hintsShown, challenge.hints.length - 1);
  updateProgress((p) => {
    const c = p.challenges[challenge.name] ?? { startedAt: new Date().toISOString(), hintsShown: 0 };
    c.hintsShown = Math.max(c.hintsShown, index + 1);
    p.challenges[challenge.name] = c;
  });
  // `{lab}` in a hint is the learner's lab, so its commands can be pasted as they are.
  const hint = challenge.hints[index]!.replaceAll("{lab}", progress.lab ?? "LAB");
  return { challenge, index: index + 1, hint, remaining: challenge.hints.length - index - 1 };
}

/** The lab a check runs on: the one given, else the one recorded for the challenge, else the only lab running. */
function labToCheck(progress: ChallengeProgress, lab?: string): string {
  return loadLab(lab ?? progress.lab).state.name;
}

/** Checks the current challenge on its lab and records the verdict. */
export async function checkCurrent(opts: { lab?: string; say?: (m: string) => void; signal?: AbortSignal; dashboardAnswers: DashboardReader }): Promise<Verdict> {
  const { challenge, progress } = currentChallenge();
  requireRoot("challenge check");
  const lab = labToCheck(progress, opts.lab);
  const verdict = await checkChallenge(challenge, lab, opts.dashboardAnswers, opts.say, opts.signal);
  updateProgress((p) => {
    recordVerdict(p, challenge.name, verdict);
    p.challenges[challenge.name]!.lab = lab;
  });
  return verdict;
}

/** Starts the current challenge over: the starting stack.yaml again, or a fresh lab with the problem planted again. */
export async function resetCurrent(opts: { say?: (m: string) => void } = {}): Promise<Started> {
  const { challenge, progress } = currentChallenge();
  const say = opts.say ?? (() => undefined);
  if ("plant" in challenge.start && progress.lab && listLabs().includes(progress.lab)) {
    requireRoot("challenge reset");
    say(`stopping lab ${progress.lab}`);
    await down(progress.lab, { quiet: true });
  }
  const dir = progress.file ? resolve(progress.file, "..") : undefined;
  return startChallenge(challenge.name, { ...(dir ? { dir } : {}), ...(progress.lab ? { lab: progress.lab } : {}), force: true, say });
}
