// Time to rehearse design 3 (issue 16): `stacklab rehearse` (bare up + export + ansible-playbook + stacklab's own
// readiness checks), then a second ansible-playbook run on the same lab (which must change nothing), then kill-lb and
// kill-primary on the rehearsed lab and on a native design-3 lab, one after the other, for their figures side by side.
import { missingRehearsalPackages, parseRecap, rehearsalPaths } from "../export/ansible/rehearse.js";
import { run } from "../runtime/exec.js";
import { readState } from "../runtime/state.js";
import { failureText, LAB_PREFIX, stacklab, track } from "./cli.js";
import { downLab, upLab } from "./labs.js";
import { experimentWords } from "./rehearsal-words.js";
import type { RehearsalExperiment, RehearsalResult } from "./types.js";

const LAB = `${LAB_PREFIX}rehearse`;
const NATIVE = `${LAB_PREFIX}rh-native`;
/** In this order: kill-primary leaves another server primary, which kill-lb does not care about. */
const EXPERIMENTS = ["kill-lb", "kill-primary"];

/** Runs one built-in experiment on a lab and keeps the figures users see. */
async function experiment(lab: string, which: RehearsalExperiment["lab"], scenario: string): Promise<RehearsalExperiment> {
  const r = await stacklab(["experiment", scenario, "--name", lab, "--json"], 5 * 60_000);
  const none = { downtimeMs: null, writeDowntimeMs: null, failedRequests: null, requests: null, lostWrites: null };
  if (!r.stdout.trim().startsWith("{")) return { scenario, lab: which, passed: null, ...none, error: failureText(r) };
  const report = JSON.parse(r.stdout) as { passed: boolean; metrics: Record<string, number | null> };
  const m = report.metrics;
  return {
    scenario,
    lab: which,
    passed: report.passed,
    downtimeMs: m.downtime ?? null,
    writeDowntimeMs: m.writeDowntime ?? null,
    failedRequests: m.failedRequests ?? null,
    requests: m.requests ?? null,
    lostWrites: m.lostWrites ?? null,
  };
}

/** The experiments on a native design-3 lab, brought up for them and taken down after. */
async function nativeExperiments(say: (m: string) => void): Promise<RehearsalExperiment[]> {
  if (readState(NATIVE)) await downLab(NATIVE);
  try {
    await upLab(NATIVE, { blueprint: "3-scale_up" });
    const out: RehearsalExperiment[] = [];
    for (const e of EXPERIMENTS) out.push(await experiment(NATIVE, "native", e));
    say(`native lab: ${out.map((e) => experimentWords(e)).join("; ")}`);
    return out;
  } finally {
    // (only a lab that exists: a failed `up` left nothing, and its error is the one to report)
    if (readState(NATIVE)) await downLab(NATIVE);
  }
}

/** One rehearsal of design 3 and one idempotent re-run; the lab is taken down after. */
export async function benchRehearsal(say: (m: string) => void): Promise<RehearsalResult> {
  const missing = missingRehearsalPackages();
  if (missing.length) throw new Error(`not installed: ${missing.join(", ")} (stacklab setup)`);
  if (readState(LAB)) await downLab(LAB);
  track(LAB);
  try {
    const r = await stacklab(["rehearse", "--blueprint", "3", "--name", LAB, "--json"], 40 * 60_000);
    if (r.code !== 0) throw new Error(`stacklab rehearse failed (${failureText(r)})`);
    const out = JSON.parse(r.stdout) as { durationMs: number; bareUpMs: number; exportMs: number; playbookMs: number; changed: number };
    say(`design 3 rehearsed in ${(r.durationMs / 1000).toFixed(1)} s (bare up ${(out.bareUpMs / 1000).toFixed(1)} s, playbook ${(out.playbookMs / 1000).toFixed(1)} s)`);
    const p = rehearsalPaths(LAB);
    const again = await run(["ansible-playbook", "--vault-password-file", p.vaultPass, "site.yml"], {
      cwd: p.project,
      timeoutMs: 40 * 60_000,
      check: false,
      env: { ...process.env, ANSIBLE_NOCOLOR: "1" },
    });
    const recap = parseRecap(again.stdout);
    say(`second ansible-playbook run: ${(again.durationMs / 1000).toFixed(1)} s, ${recap.reduce((n, l) => n + l.changed, 0)} changes`);
    const rehearsed: RehearsalExperiment[] = [];
    for (const e of EXPERIMENTS) rehearsed.push(await experiment(LAB, "rehearsed", e));
    say(`rehearsed lab: ${rehearsed.map((e) => experimentWords(e)).join("; ")}`);
    // (the rehearsed lab comes down first: the two labs never run side by side)
    await downLab(LAB);
    const native = await nativeExperiments(say);
    return {
      design: "3-scale_up",
      wallMs: r.durationMs,
      bareUpMs: out.bareUpMs,
      exportMs: out.exportMs,
      playbookMs: out.playbookMs,
      changedFirst: out.changed,
      secondRunMs: again.durationMs,
      changedSecond: again.code === 0 ? recap.reduce((n, l) => n + l.changed, 0) : null,
      experiments: [...rehearsed, ...native],
    };
  } finally {
    // (the experiments took it down already; after a failure it may still be up)
    if (readState(LAB)) await downLab(LAB);
  }
}
