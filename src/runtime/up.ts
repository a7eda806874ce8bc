// `up`: turns a design into running hosts, waits until every service and the whole request path answer.
import { existsSync } from "node:fs";
import { buildModel } from "../model/build.js";
import { LAB_SLOTS } from "../model/addresses.js";
import type { Host, Model } from "../model/types.js";
import type { Stack } from "../spec/schema.js";
import { UsageError } from "../spec/errors.js";
import { hostFiles, missingServices } from "./files.js";
import { keepVisible, launchHost, prepareHostDir, runInHost } from "./host.js";
import { resolve } from "node:path";
import { createNetwork } from "./network.js";
import { hostDir, hostNetns, LAB_NAME, labDir, switchNetns } from "./paths.js";
import { labSecrets, redact, type Secrets } from "./secrets.js";
import { SERVICES, READY_ORDER } from "./services/index.js";
import type { ServiceContext } from "./services/types.js";
import { listLabs, readState, writeState, type LabState } from "./state.js";
import { labTlsFiles } from "./tls.js";
import { pacing, serviceLog, waitForProbe, NotReadyError } from "./wait.js";
import { setupReplication } from "./replication.js";
import { waitForSite, siteUrl } from "./site.js";
import { publishSite } from "./publish.js";
import { down } from "./down.js";
import { requireRoot } from "./preflight.js";
import { recordEvent } from "./events.js";
import { modelAddresses } from "./lab-model.js";

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
}

export interface UpResult {
  state: LabState;
  model: Model;
  url: string;
  notRunning: { host: string; kind: string }[];
  durationMs: number;
}

/** Picks the first address block no other lab on this machine uses. */
function freeSlot(): number {
  const used = new Set(listLabs().map((l) => readState(l)?.slot));
  for (let s = 0; s < LAB_SLOTS; s++) if (!used.has(s)) return s;
  throw new UsageError(`all ${LAB_SLOTS} lab address blocks are in use; stop a lab with \`stacklab down --name LAB\``);
}

/** Brings a design up as a lab; on failure tears down what it started (unless keepOnFailure) and rethrows. */
export async function up(stack: Stack, opts: UpOptions): Promise<UpResult> {
  requireRoot("up");
  const started = performance.now();
  const name = opts.name ?? stack.name;
  if (!LAB_NAME.test(name)) throw new UsageError(`lab name "${name}" must be 1-16 lowercase letters, digits or '-', starting with a letter`);
  if (readState(name) || existsSync(labDir(name))) throw new UsageError(`a lab named "${name}" already exists; stop it with \`stacklab down --name ${name}\` or pick another --name`);
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
  };
  writeState(state);
  const secrets = labSecrets(name);
  try {
    await bringUp(name, model, state, secrets, opts);
    state.status = "running";
    writeState(state);
    recordEvent(name, { kind: "lab", message: `lab up (${opts.source})`, source: "cli" });
    return { state, model, url: siteUrl(model), notRunning: missingServices(model), durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    state.status = "failed";
    writeState(state);
    if (!opts.keepOnFailure || opts.signal?.aborted) await down(name, { quiet: true }).catch(() => undefined);
    // Errors can quote commands and logs: never let a generated password through.
    if (err instanceof Error && !(err instanceof DOMException)) err.message = redact(err.message, secrets);
    throw err;
  }
}

async function bringUp(name: string, model: Model, state: LabState, secrets: Secrets, opts: UpOptions): Promise<void> {
  const { progress } = opts;
  let t = performance.now();
  const check = () => opts.signal?.throwIfAborted();
  const lap = () => {
    check();
    const now = performance.now();
    const ms = Math.round(now - t);
    t = now;
    return ms;
  };

  progress.step("rendering configuration");
  if (model.app.type === "custom") keepVisible(name, [resolve(opts.specDir ?? process.cwd(), model.app.dir ?? ".")]);
  const tls = await labTlsFiles(name, model);
  const contexts = new Map<string, ServiceContext>();
  for (const host of model.hosts) {
    const ctx: ServiceContext = { lab: name, model, host, root: hostDir(name, host.name), secrets, ...(opts.specDir ? { specDir: opts.specDir } : {}) };
    contexts.set(host.name, ctx);
    prepareHostDir(name, host.name, hostFiles(ctx, tls.get(host.name) ?? []));
  }
  await Promise.all(model.services.map((s) => SERVICES[s.kind]?.prepare?.(contexts.get(s.host)!)));
  progress.done(`configuration for ${model.hosts.length} hosts${tls.size ? " (with lab CA and certificates)" : ""}`, lap());

  progress.step("creating networks");
  const ports = await createNetwork(name, model);
  for (const h of state.hosts) h.links = ports.get(h.name) ?? [];
  writeState(state);
  progress.done(`networks: public ${model.networks[0]!.cidr}, private ${model.networks[1]!.cidr}`, lap());

  progress.step("starting hosts");
  await Promise.all(
    model.hosts.map(async (h) => {
      const procs = await launchHost(name, h.name);
      Object.assign(state.hosts.find((x) => x.name === h.name)!, procs);
    }),
  );
  writeState(state);
  progress.done(`${model.hosts.length} hosts started (each with its own network, PID, UTS and mount namespaces)`, lap());

  progress.step("waiting for services");
  await waitForServices(model, state, contexts, opts.signal);
  progress.done(`${model.services.filter((s) => SERVICES[s.kind]).length} services ready`, lap());

  if (model.database.replicas.length) {
    progress.step("setting up replication");
    await setupReplication(model, state, secrets);
    progress.done(`replication: ${model.database.replicas.join(", ")} follow ${model.database.primary} (${model.database.replication}, GTID)`, lap());
  }

  progress.step(`waiting for ${siteUrl(model)} through the whole path`);
  await waitForSite(model, state, opts.signal);
  progress.done(`site answers from the user host: ${siteUrl(model)}`, lap());

  if (opts.publish !== false) {
    const published = await publishSite(name, model, state);
    state.published = published;
    writeState(state);
  }
  for (const m of missingServices(model)) progress.warn(`not yet running: ${m.kind} on ${m.host} (a later stacklab version adds it)`);
}

async function waitForServices(model: Model, state: LabState, contexts: Map<string, ServiceContext>, signal?: AbortSignal): Promise<void> {
  const byHost = new Map<string, Host>(model.hosts.map((h) => [h.name, h]));
  const pace = pacing(model.services.filter((s) => SERVICES[s.kind]).length);
  await Promise.all(
    [...byHost.keys()].map(async (hostName) => {
      const initPid = state.hosts.find((h) => h.name === hostName)!.init!.pid;
      const kinds = model.services.filter((s) => s.host === hostName && SERVICES[s.kind]).map((s) => s.kind);
      kinds.sort((a, b) => READY_ORDER.indexOf(a) - READY_ORDER.indexOf(b));
      for (const kind of kinds) {
        const def = SERVICES[kind]!;
        const ctx = contexts.get(hostName)!;
        const timeoutMs = Math.round(def.readyTimeoutMs * pace.timeoutFactor);
        await waitForProbe({ host: hostName, service: kind, initPid, probe: def.probe(ctx), timeoutMs, maxIntervalMs: pace.maxIntervalMs, logFile: serviceLog(ctx.root, logName(kind)), signal });
      }
    }),
  );
}

/** The log file name of a service kind (the DNS server's log is nsd.log). */
export function logName(kind: string): string {
  return kind === "dns" ? "nsd" : kind;
}

export { NotReadyError, runInHost };
