// Time to rehearse design 3 (issue 16): `stacklab rehearse` (bare up + export + ansible-playbook + stacklab's own
// readiness checks), then a second ansible-playbook run on the same lab (which must change nothing).
import { missingRehearsalPackages, parseRecap, rehearsalPaths } from "../export/ansible/rehearse.js";
import { run } from "../runtime/exec.js";
import { readState } from "../runtime/state.js";
import { failureText, LAB_PREFIX, stacklab, track } from "./cli.js";
import { downLab } from "./labs.js";
import type { RehearsalResult } from "./types.js";

const LAB = `${LAB_PREFIX}rehearse`;

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
    return {
      design: "3-scale_up",
      wallMs: r.durationMs,
      bareUpMs: out.bareUpMs,
      exportMs: out.exportMs,
      playbookMs: out.playbookMs,
      changedFirst: out.changed,
      secondRunMs: again.durationMs,
      changedSecond: again.code === 0 ? recap.reduce((n, l) => n + l.changed, 0) : null,
    };
  } finally {
    await downLab(LAB);
  }
}
