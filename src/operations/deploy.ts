// Rolling deploy: one batch of app servers at a time, drained from the web tier, reloaded in place, checked, put back.
import { labModel } from "../runtime/lab-model.js";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Host, Model } from "../model/types.js";
import { UsageError } from "../spec/errors.js";
import type { Stack } from "../spec/schema.js";
import { recordEvent } from "../runtime/events.js";
import { hostDir, labDir } from "../runtime/paths.js";
import { labSecrets } from "../runtime/secrets.js";
import { control } from "../runtime/supervise.js";
import { isAlive, writeState, type LabState } from "../runtime/state.js";
import { desiredFiles } from "./sync.js";
import { drainApps, undrainApps } from "./drain.js";

export interface DeployOptions {
  /** New version of the demo app. */
  version?: string;
  /** Directory holding a new version of a custom app. */
  appDir?: string;
  /** App servers per batch (default 1). */
  batch?: number;
  /** How long one host may take to reload before the batch is rolled back. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface DeployBatch {
  hosts: string[];
  drained: boolean;
  reloadMs: number;
  outcome: "done" | "rolled back";
  reason?: string;
}

export interface DeployReport {
  lab: string;
  from: string;
  to: string;
  batches: DeployBatch[];
  ok: boolean;
  warnings: string[];
  durationMs: number;
}

/** Something the deploy cannot do: bad input or an unhealthy version (rolled back). */
export class DeployError extends Error {
  constructor(
    message: string,
    readonly report?: DeployReport,
  ) {
    super(message);
    this.name = "DeployError";
  }
}

const APP_ENV = "etc/stacklab/app.env";

function describeVersion(stack: Stack): string {
  return stack.app.type === "demo" ? stack.app.version : `${stack.app.dir ?? "."} (${stack.app.command})`;
}

/** The spec after the deploy, checked before anything on the lab changes. */
export function nextSpec(state: LabState, opts: DeployOptions): Stack {
  const app = state.spec.app;
  if (opts.version !== undefined && opts.appDir !== undefined) throw new UsageError("give --version or --app, not both");
  if (app.type === "demo") {
    if (opts.appDir !== undefined) throw new UsageError("this lab runs the built-in demo app: deploy a new version with --version V");
    if (!opts.version || !/^[\w.+-]{1,40}$/.test(opts.version)) throw new UsageError("--version must be 1-40 letters, digits, '.', '-', '+' or '_'");
    if (opts.version === app.version) throw new UsageError(`version ${opts.version} is already deployed`);
    return { ...state.spec, app: { ...app, version: opts.version } };
  }
  if (!opts.appDir) throw new UsageError("this lab runs your own app: deploy a new version with --app DIR");
  const dir = resolve(opts.appDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--app ${opts.appDir}: no such directory`);
  const entry = app.command.split(/\s+/).find((w, i) => i > 0 && /\.(c|m)?js$/.test(w));
  if (readdirSync(dir).length === 0 || (entry && !existsSync(join(dir, entry)))) {
    throw new UsageError(`--app ${opts.appDir}: no app there${entry ? ` (the command \`${app.command}\` needs ${entry})` : ""}`);
  }
  // Each release gets its own copy, so the running version's files never change under it.
  const releases = join(labDir(state.name), "releases");
  mkdirSync(releases, { recursive: true });
  const release = join(releases, String(Date.now()));
  cpSync(dir, release, { recursive: true });
  return { ...state.spec, app: { ...app, dir: release } };
}

/** The runner's log from a byte offset: used to see how a reload ended. */
function logSince(file: string, offset: number): string {
  if (!existsSync(file)) return "";
  return readFileSync(file).subarray(offset).toString("utf8");
}

async function waitReload(logFile: string, offset: number, timeoutMs: number): Promise<{ ok: boolean; reason?: string }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = logSince(logFile, offset);
    if (/ runner reload-end /.test(text)) return { ok: true };
    const failed = / runner reload-failed (.*)/.exec(text);
    if (failed) return { ok: false, reason: failed[1] };
    await new Promise((r) => setTimeout(r, 50));
  }
  return { ok: false, reason: `no reload-end in the runner's log within ${timeoutMs / 1000} s` };
}

/** Deploys a new app version to a running lab, batch by batch; rolls a failed batch back and stops. */
export async function deploy(state: LabState, opts: DeployOptions): Promise<DeployReport> {
  const started = performance.now();
  const log = opts.log ?? (() => undefined);
  const spec = nextSpec(state, opts);
  const oldModel = labModel(state);
  const model = labModel({ ...state, spec });
  const apps = model.hosts.filter((h) => h.roles.includes("app"));
  const batchSize = Math.max(1, opts.batch ?? 1);
  const warnings: string[] = [];
  if (apps.length === 1) {
    warnings.push(
      `${apps[0]!.name} is the only app server: there is nowhere to send requests while it reloads. The runner starts the new workers before stopping the old ones, so users may notice nothing here; a deploy that restarts the app server takes the site down (the seeds' point for design 0).`,
    );
  }
  const desired = await desiredFiles(state.name, model, labSecrets(state.name));
  const report: DeployReport = { lab: state.name, from: describeVersion(state.spec), to: describeVersion(spec), batches: [], ok: true, warnings, durationMs: 0 };
  recordEvent(state.name, { kind: "deploy", message: `deploy ${report.from} -> ${report.to} begins (batches of ${batchSize})`, source: "cli" });

  for (let i = 0; i < apps.length; i += batchSize) {
    const batch = apps.slice(i, i + batchSize);
    const names = batch.map((h) => h.name);
    const t0 = performance.now();
    const drained = await drainApps(state, oldModel, names);
    log(`batch ${names.join(", ")}: ${drained ? "drained from the web tier" : "cannot be drained (no other app server)"}`);
    const results = await Promise.all(batch.map((h) => reloadHost(state, h, desired.get(h.name)!, opts.timeoutMs ?? 30_000)));
    const failed = results.find((r) => !r.ok);
    if (failed) {
      await Promise.all(batch.map((h) => restoreHost(state, h, results.find((r) => r.host === h.name)!.previous)));
      await undrainApps(state, oldModel);
      report.batches.push({ hosts: names, drained, reloadMs: Math.round(performance.now() - t0), outcome: "rolled back", reason: `${failed.host}: ${failed.reason}` });
      report.ok = false;
      report.durationMs = Math.round(performance.now() - started);
      recordEvent(state.name, { kind: "deploy", message: `deploy rolled back on ${names.join(", ")}: ${failed.reason}`, source: "cli" });
      throw new DeployError(`the new version did not become healthy on ${failed.host}: ${failed.reason}; batch ${names.join(", ")} rolled back to ${report.from}, later batches untouched`, report);
    }
    await undrainApps(state, model);
    report.batches.push({ hosts: names, drained, reloadMs: Math.round(performance.now() - t0), outcome: "done" });
    recordEvent(state.name, { kind: "deploy", message: `${names.join(", ")} now run ${report.to}`, source: "cli" });
    log(`batch ${names.join(", ")}: running ${report.to}, back in rotation`);
  }
  state.spec = spec;
  writeState(state);
  report.durationMs = Math.round(performance.now() - started);
  recordEvent(state.name, { kind: "deploy", message: `deploy of ${report.to} done in ${(report.durationMs / 1000).toFixed(1)} s`, source: "cli" });
  return report;
}

async function reloadHost(state: LabState, host: Host, files: { path: string; content: string }[], timeoutMs: number): Promise<{ host: string; ok: boolean; reason?: string; previous: string }> {
  const root = hostDir(state.name, host.name);
  const envFile = join(root, APP_ENV);
  const previous = readFileSync(envFile, "utf8");
  const hs = state.hosts.find((h) => h.name === host.name);
  if (!hs || !isAlive(hs.init)) return { host: host.name, ok: false, reason: "host is down", previous };
  const next = files.find((f) => f.path === "/etc/stacklab/app.env")!.content;
  const logFile = join(root, "var/log/app.log");
  const offset = existsSync(logFile) ? statSync(logFile).size : 0;
  writeFileSync(envFile, next);
  if (!control(state.name, host.name, "app", "hup")) return { host: host.name, ok: false, reason: "the app runner is not running", previous };
  const r = await waitReload(logFile, offset, timeoutMs);
  return { host: host.name, ok: r.ok, ...(r.reason ? { reason: r.reason } : {}), previous };
}

async function restoreHost(state: LabState, host: Host, previous: string): Promise<void> {
  const root = hostDir(state.name, host.name);
  const logFile = join(root, "var/log/app.log");
  const current = readFileSync(join(root, APP_ENV), "utf8");
  if (current === previous) return;
  writeFileSync(join(root, APP_ENV), previous);
  const offset = existsSync(logFile) ? statSync(logFile).size : 0;
  control(state.name, host.name, "app", "hup");
  await waitReload(logFile, offset, 30_000);
}

export type { Model };
