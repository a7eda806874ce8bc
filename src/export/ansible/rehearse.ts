// `stacklab rehearse`: bare lab (`up --bare`), export of the design for that lab, the real `ansible-playbook` from
// this machine to the lab's hosts (through their namespaces: nothing routed), then the lab is an ordinary running lab.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "../../spec/schema.js";
import { UsageError } from "../../spec/errors.js";
import { run } from "../../runtime/exec.js";
import { markedEnv } from "../../runtime/host.js";
import { labModel } from "../../runtime/lab-model.js";
import { waitReady } from "../../runtime/lifecycle.js";
import { lockLab } from "../../runtime/lock.js";
import { labDir } from "../../runtime/paths.js";
import { publishSite } from "../../runtime/publish.js";
import { labSecrets, redact } from "../../runtime/secrets.js";
import { siteUrl, waitForSite } from "../../runtime/site.js";
import { REHEARSAL_REQUIREMENTS } from "../../runtime/ssh.js";
import { readState, writeState, type LabState } from "../../runtime/state.js";
import { recordEvent } from "../../runtime/events.js";
import { up, type Progress } from "../../runtime/up.js";
import { exportAnsible } from "./export.js";

/** The Debian packages a rehearsal still needs on this machine (empty when it can run). */
export function missingRehearsalPackages(): string[] {
  const paths = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"];
  return [...new Set(REHEARSAL_REQUIREMENTS.filter((r) => !paths.some((p) => existsSync(`${p}/${r.binary}`))).map((r) => r.pkg))];
}

/** Where a rehearsed lab keeps its project and vault password. */
export function rehearsalPaths(lab: string): { project: string; vaultPass: string } {
  const dir = join(labDir(lab), "ansible");
  return { project: join(dir, "project"), vaultPass: join(dir, "vault-pass") };
}

/** One host's line of Ansible's PLAY RECAP. */
export interface RecapLine {
  host: string;
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
}

/** Reads the PLAY RECAP of ansible-playbook's output. */
export function parseRecap(output: string): RecapLine[] {
  const out: RecapLine[] = [];
  for (const m of output.matchAll(/^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm))
    out.push({ host: m[1]!, ok: Number(m[2]), changed: Number(m[3]), unreachable: Number(m[4]), failed: Number(m[5]) });
  return out;
}

export interface PlaybookRun {
  recap: RecapLine[];
  changed: number;
  durationMs: number;
  output: string;
}

/**
 * Runs the lab's exported project with ansible-playbook; throws with the end of its output when it fails. The
 * playbook and its workers carry the lab's mark (`down` stops them if this process died first); `signal` stops them.
 */
export async function runPlaybook(lab: string, signal?: AbortSignal): Promise<PlaybookRun> {
  const p = rehearsalPaths(lab);
  const started = performance.now();
  const r = await run(["ansible-playbook", "--vault-password-file", p.vaultPass, "site.yml"], {
    cwd: p.project,
    env: { ...markedEnv(join(labDir(lab), "ansible")), ANSIBLE_CONFIG: join(p.project, "ansible.cfg"), ANSIBLE_NOCOLOR: "1", ANSIBLE_FORCE_COLOR: "0" },
    timeoutMs: 20 * 60_000,
    check: false,
    ...(signal ? { signal } : {}),
  });
  const output = redact(`${r.stdout}\n${r.stderr}`, labSecrets(lab));
  const log = join(labDir(lab), "ansible", "playbook.log");
  writeFileSync(log, output, { mode: 0o600 });
  signal?.throwIfAborted();
  const recap = parseRecap(output);
  if (r.code !== 0 || !recap.length || recap.some((l) => l.failed || l.unreachable))
    throw new Error(`ansible-playbook failed (exit ${r.code}${r.timedOut ? ", timed out" : ""}; whole output in ${log}):\n${output.split("\n").slice(-40).join("\n")}`);
  return { recap, changed: recap.reduce((n, l) => n + l.changed, 0), durationMs: Math.round(performance.now() - started), output };
}

export interface RehearseOptions {
  name?: string;
  source: string;
  specDir?: string;
  progress: Progress;
  signal?: AbortSignal;
}

export interface RehearseResult {
  state: LabState;
  url: string;
  bareUpMs: number;
  exportMs: number;
  playbook: PlaybookRun;
  /** Bare up + export + playbook + the runtime's own readiness checks. */
  durationMs: number;
}

/** Bare up, export, playbook, then the runtime's own checks; leaves the lab running. */
export async function rehearse(stack: Stack, opts: RehearseOptions): Promise<RehearseResult> {
  const missing = missingRehearsalPackages();
  if (missing.length)
    throw new UsageError(`rehearse needs the Debian package${missing.length > 1 ? "s" : ""} ${missing.join(", ")}: run \`stacklab setup\` (or apt-get install -y ${missing.join(" ")})`);
  const started = performance.now();
  const name = opts.name ?? stack.name;
  const bare = await up(stack, { name, source: opts.source, bare: true, progress: opts.progress, ...(opts.specDir ? { specDir: opts.specDir } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  const bareUpMs = bare.durationMs;
  const lock = await lockLab(name, `stacklab rehearse ${opts.source}`);
  try {
    const state = readState(name)!;
    const model = labModel(state);
    let t = performance.now();
    opts.progress.step("exporting the Ansible project");
    const paths = rehearsalPaths(name);
    const exported = await exportAnsible({ stack, source: opts.source, outDir: paths.project, vaultPasswordFile: paths.vaultPass, lab: state, ...(opts.specDir ? { specDir: opts.specDir } : {}) });
    const exportMs = Math.round(performance.now() - t);
    opts.progress.done(`Ansible project: ${exported.files} files, ${exported.encrypted} encrypted with ansible-vault (${paths.project})`, exportMs);
    t = performance.now();
    opts.progress.step("ansible-playbook site.yml");
    const playbook = await runPlaybook(name, opts.signal);
    opts.progress.done(`ansible-playbook: ${playbook.recap.length} hosts, ${playbook.changed} changes, none failed`, playbook.durationMs);
    // From here on the services are where a native lab has them: the runtime checks them its own way.
    state.bare = { provisioned: true };
    writeState(state);
    t = performance.now();
    const secrets = labSecrets(name);
    await Promise.all(model.hosts.map((h) => waitReady(state, model, h.name, secrets, opts.signal ? { signal: opts.signal } : {})));
    // (a longer wait than `up`'s: a rehearsal is long, and the machine may be busy with other labs)
    await waitForSite(model, state, opts.signal, 120_000);
    state.published = await publishSite(name, model, state);
    writeState(state);
    opts.progress.done(`every service ready by stacklab's own probes; the site answers from the user host: ${siteUrl(model)}`, Math.round(performance.now() - t));
    recordEvent(name, { kind: "lab", message: `lab rehearsed with ansible-playbook (${opts.source})`, source: "cli" });
    return { state, url: siteUrl(model), bareUpMs, exportMs, playbook, durationMs: Math.round(performance.now() - started) };
  } finally {
    lock.release();
  }
}
