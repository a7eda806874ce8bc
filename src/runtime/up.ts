// `up`: turns a design into running hosts, waits until every service and the whole request path answer.
import { cpus, totalmem } from "node:os";
import { sizeBudget } from "../analysis/sizes.js";
import { cgroupMode, hostUsage } from "./cgroups.js";
import { ownCpuMs } from "../util/cpu-time.js";
import { existsSync } from "node:fs";
import { buildModel } from "../model/build.js";
import { LAB_SLOTS } from "../model/addresses.js";
import type { Model } from "../model/types.js";
import type { Stack } from "../spec/schema.js";
import { UsageError } from "../spec/errors.js";
import { hostFiles, missingServices } from "./files.js";
import { keepVisible, runInHost, type HostFile } from "./host.js";
import { resolve } from "node:path";
import { hostNetns, LAB_NAME, labDir, switchNetns } from "./paths.js";
import { labSecrets, redact, type Secrets } from "./secrets.js";
import { SERVICES } from "./services/index.js";
import { labFolders, readStateRaw, writeState, type LabState } from "./state.js";
import { labTlsFiles } from "./tls.js";
import { pacing, probeRuns, NotReadyError } from "./wait.js";
import { observeCommands } from "./exec.js";
import { bootAll, createHosts, hostKinds, refuseExistingNamespaces, serviceContext, waitReady, waitSshReady } from "./lifecycle.js";
import { bareHostFiles, labSshKeys } from "./ssh.js";
import { lockLab, withLabLock } from "./lock.js";
import { setupReplication } from "./replication.js";
import { waitForSite, siteUrl } from "./site.js";
import { publishSite } from "./publish.js";
import { down } from "./down.js";
import { requireRoot } from "./preflight.js";
import { recordEvent } from "./events.js";
import { modelAddresses } from "./lab-model.js";
import { rootlessContext } from "./rootless/mode.js";
import { requireSizesDelegated } from "./rootless/checks.js";

/** Reports bring-up progress to a person. */
export interface Progress {
  step(message: string): void;
  done(message: string, ms: number): void;
  warn(message: string): void;
}

export interface UpOptions {
  name?: string;
  source: string;
  keepOnFailure?: boolean;
  publish?: boolean;
  progress: Progress;
  /** Folder of the spec file (a custom app's `dir` is relative to it). */
  specDir?: string;
  /** Aborts bring-up at the next step (Ctrl-C); what was started is then removed. */
  signal?: AbortSignal;
  /** Wait this long (ms) for another command holding the lab's lock, instead of failing at once. */
  waitMs?: number;
  /** `up --bare`: the same hosts and networks with only an SSH server each, for Ansible to provision (src/runtime/ssh.ts). */
  bare?: boolean;
}

export interface UpResult {
  state: LabState;
  model: Model;
  url: string;
  notRunning: { host: string; kind: string }[];
  durationMs: number;
  /** How long each step of the bring-up took (ms), in order: configuration, networks, hosts, services, replication, site. */
  steps: { step: UpStep; ms: number }[];
  /**
   * CPU time the bring-up cost, by the kernel's count: stacklab's own (this process and the commands it ran) and
   * every host's (each host's cgroup, from its first process). Their sum over the machine's cores bounds how fast
   * an `up` can be on this machine, whatever it starts in parallel. Undefined where cgroups are missing.
   */
  cpu?: { stacklabMs: number; hostsMs: number };
}

export type UpStep = "configuration" | "networks" | "hosts" | "services" | "replication" | "site";

/** Picks the first address block no other lab on this machine uses (a lab whose record cannot be read keeps none). */
function freeSlot(): number {
  const slotOf = (l: string) => {
    try {
      return readStateRaw(l)?.slot;
    } catch {
      return undefined;
    }
  };
  const used = new Set(labFolders().map(slotOf));
  for (let s = 0; s < LAB_SLOTS; s++) if (!used.has(s)) return s;
  throw new UsageError(`all ${LAB_SLOTS} lab address blocks are in use; stop a lab with \`stacklab down --name LAB\``);
}

/**
 * Brings a design up as a lab; on failure tears down what it started (unless keepOnFailure) and rethrows. Holds
 * the lab's lock while it works: a second `up` of the same name, or any command changing the lab, waits or fails.
 */
export async function up(stack: Stack, opts: UpOptions): Promise<UpResult> {
  requireRoot("up");
  const started = performance.now();
  const cpuAtStart = ownCpuMs();
  const name = opts.name ?? stack.name;
  if (!LAB_NAME.test(name)) throw new UsageError(`lab name "${name}" must be 1-16 lowercase letters, digits or '-', starting with a letter`);
  const lock = await lockLab(name, `stacklab up ${opts.source}`, { ...(opts.waitMs ? { waitMs: opts.waitMs } : {}) });
  try {
    return await upLocked(name, stack, opts, started, cpuAtStart);
  } finally {
    lock.release();
  }
}

/** Refuses a sized design the machine cannot run (no cgroups, a host bigger than the machine); warns when the sizes overrun it. */
function checkSizes(stack: Stack, progress: Progress): void {
  const model = buildModel(stack);
  if (!model.hosts.some((h) => h.size)) return;
  const rootless = rootlessContext();
  if (rootless) requireSizesDelegated(rootless.user);
  const mode = cgroupMode();
  if (mode.version === 0) throw new UsageError(`this design gives its servers sizes, but ${mode.why}; see \`stacklab doctor\`, or run it without its sizes: \`stacklab up --no-sizes ...\``);
  const budget = sizeBudget(model, { cpus: cpus().length, memoryBytes: totalmem() });
  if (budget.tooBig.length)
    throw new UsageError(
      `${budget.tooBig.join(", ")}: bigger than this whole machine (${cpus().length} cores, ${Math.round(totalmem() / 1024 ** 3)} GiB); make the size smaller, e.g. size: {cpu: 0.5, memory: 512Mi}`,
    );
  for (const w of budget.warnings) progress.warn(w);
}

async function upLocked(name: string, stack: Stack, opts: UpOptions, started: number, cpuAtStart: number): Promise<UpResult> {
  checkSizes(stack, opts.progress);
  if (existsSync(labDir(name))) throw new UsageError(`a lab named "${name}" already exists; stop it with \`stacklab down --name ${name}\` or pick another --name`);
  // Record before create: the state names every namespace before the first exists. A slot is picked and
  // recorded under a machine-wide lock, so two labs starting at once never share an address block.
  const { state, model } = await withLabLock("_slots", `stacklab up ${name}`, { waitMs: 30_000 }, async () => {
    const slot = freeSlot();
    const model = buildModel(stack, { slot });
    const state: LabState = {
      name,
      slot,
      createdAt: new Date().toISOString(),
      status: "starting",
      spec: stack,
      source: opts.source,
      switchNetns: switchNetns(name),
      hosts: model.hosts.map((h) => ({ name: h.name, netns: hostNetns(name, h.name), links: [] })),
      extra: [],
      published: {},
      addresses: modelAddresses(model),
      ...(opts.bare ? { bare: { provisioned: false } } : {}),
    };
    await refuseExistingNamespaces([state.switchNetns, ...state.hosts.map((h) => h.netns)]);
    writeState(state);
    return { state, model };
  });
  const secrets = labSecrets(name);
  const steps: UpResult["steps"] = [];
  try {
    await (opts.bare ? bringUpBare(name, model, state, opts) : bringUp(name, model, state, secrets, opts, steps));
    state.status = "running";
    writeState(state);
    recordEvent(name, { kind: "lab", message: `lab up (${opts.source})`, source: "cli" });
    const durationMs = Math.round(performance.now() - started);
    const hosts = state.hosts.map((h) => hostUsage(name, h.name));
    const cpu = hosts.every((u) => u !== undefined) ? { stacklabMs: Math.round(ownCpuMs() - cpuAtStart), hostsMs: Math.round(hosts.reduce((n, u) => n + u!.cpuSeconds * 1000, 0)) } : undefined;
    return { state, model, url: siteUrl(model), notRunning: missingServices(model), durationMs, steps, ...(cpu ? { cpu } : {}) };
  } catch (err) {
    state.status = "failed";
    writeState(state);
    if (!opts.keepOnFailure || opts.signal?.aborted) await down(name, { quiet: true }).catch(() => undefined);
    // Errors can quote commands and logs: never let a generated password through.
    if (err instanceof Error && !(err instanceof DOMException)) err.message = redact(err.message, secrets);
    throw err;
  }
}

async function bringUp(name: string, model: Model, state: LabState, secrets: Secrets, opts: UpOptions, steps: UpResult["steps"]): Promise<void> {
  let t = performance.now();
  const check = () => opts.signal?.throwIfAborted();
  // STACKLAB_TIMINGS=1: each step's time, the commands it started and the probe commands among them, on stderr.
  const timings = process.env.STACKLAB_TIMINGS === "1";
  let commands = 0;
  let probes = probeRuns.count;
  const stopObserving = timings ? observeCommands(() => commands++) : () => undefined;
  const lap = (step: UpStep) => {
    check();
    const now = performance.now();
    const ms = Math.round(now - t);
    t = now;
    steps.push({ step, ms });
    if (timings) {
      process.stderr.write(`[timings] ${step}: ${ms} ms, ${commands} commands (${probeRuns.count - probes} probes)\n`);
      commands = 0;
      probes = probeRuns.count;
    }
    return ms;
  };
  try {
    await bringUpSteps(name, model, state, secrets, opts, lap);
  } finally {
    stopObserving();
  }
}

async function bringUpSteps(name: string, model: Model, state: LabState, secrets: Secrets, opts: UpOptions, lap: (step: UpStep) => number): Promise<void> {
  const { progress } = opts;

  progress.step("rendering configuration");
  if (model.app.type === "custom") keepVisible(name, [resolve(opts.specDir ?? process.cwd(), model.app.dir ?? ".")]);
  const tls = labTlsFiles(name, model);
  const files = new Map<string, HostFile[]>();
  for (const host of model.hosts) files.set(host.name, hostFiles(serviceContext(name, model, host.name, secrets, opts.specDir), tls.get(host.name) ?? []));
  progress.done(`configuration for ${model.hosts.length} hosts${tls.size ? " (with lab CA and certificates)" : ""}`, lap("configuration"));

  progress.step("creating hosts and networks");
  await createHosts(state, model, files);
  if (process.env.STACKLAB_TIMINGS === "1") process.stderr.write(`[timings]   hosts' trees and networks created\n`);
  await Promise.all(model.services.map((s) => SERVICES[s.kind]?.prepare?.(serviceContext(name, model, s.host, secrets, opts.specDir))));
  progress.done(`networks: public ${model.networks[0]!.cidr}, private ${model.networks[1]!.cidr}`, lap("networks"));

  progress.step("starting hosts");
  await bootAll(state, model);
  progress.done(`${model.hosts.length} hosts started (each with its own network, PID, UTS and mount namespaces)`, lap("hosts"));

  progress.step("waiting for services");
  await waitForServices(model, state, secrets, opts.signal);
  progress.done(`${model.services.filter((s) => SERVICES[s.kind]).length} services ready`, lap("services"));

  if (model.database.replicas.length) {
    progress.step("setting up replication");
    await setupReplication(model, state, secrets);
    progress.done(`replication: ${model.database.replicas.join(", ")} follow ${model.database.primary} (${model.database.replication}, GTID)`, lap("replication"));
  }

  progress.step(`waiting for ${siteUrl(model)} through the whole path`);
  await waitForSite(model, state, opts.signal);
  progress.done(`site answers from the user host: ${siteUrl(model)}`, lap("site"));

  if (opts.publish !== false) {
    const published = await publishSite(name, model, state);
    state.published = published;
    writeState(state);
  }
  for (const m of missingServices(model)) progress.warn(`not yet running: ${m.kind} on ${m.host} (a later stacklab version adds it)`);
}

/** `up --bare`: the same create and boot steps of the host lifecycle, with only each host's SSH server in its tree. */
async function bringUpBare(name: string, model: Model, state: LabState, opts: UpOptions): Promise<void> {
  const { progress } = opts;
  let t = performance.now();
  const lap = () => {
    opts.signal?.throwIfAborted();
    const now = performance.now();
    const ms = Math.round(now - t);
    t = now;
    return ms;
  };
  progress.step("generating the lab's SSH keys");
  await labSshKeys(name, model.hosts);
  const files = new Map<string, HostFile[]>(model.hosts.map((h) => [h.name, bareHostFiles(name, h)]));
  progress.done(`SSH keys and an sshd configuration for ${model.hosts.length} bare hosts`, lap());
  progress.step("creating hosts and networks");
  await createHosts(state, model, files);
  progress.done(`networks: public ${model.networks[0]!.cidr}, private ${model.networks[1]!.cidr}`, lap());
  progress.step("starting hosts");
  await bootAll(state, model);
  await Promise.all(model.hosts.map((h) => waitSshReady(state, h.name, { ...(opts.signal ? { signal: opts.signal } : {}) })));
  progress.done(`${model.hosts.length} bare hosts started, each with only an SSH server on its loopback`, lap());
}

async function waitForServices(model: Model, state: LabState, secrets: Secrets, signal?: AbortSignal): Promise<void> {
  const pace = pacing(model.services.filter((s) => SERVICES[s.kind]).length);
  const t0 = performance.now();
  await Promise.all(
    model.hosts.map(async (h) => {
      await waitReady(state, model, h.name, secrets, { timeoutFactor: pace.timeoutFactor, maxIntervalMs: pace.maxIntervalMs, ...(signal ? { signal } : {}) });
      if (process.env.STACKLAB_TIMINGS === "1") process.stderr.write(`[timings]   ${h.name} ready after ${Math.round(performance.now() - t0)} ms (${hostKinds(model, h.name).join(", ")})\n`);
    }),
  );
}

export { NotReadyError, runInHost };
