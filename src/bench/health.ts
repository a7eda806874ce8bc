// Is a lab fit to measure? A page read and an entry write from the user host must both succeed.
import { labModel } from "../runtime/lab-model.js";
import { runInHost } from "../runtime/host.js";
import { siteUrl } from "../runtime/site.js";
import { readState } from "../runtime/state.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Why the lab cannot be measured (a page read or an entry write fails from the user host), or null; retries for a while. */
export async function labUnhealthy(lab: string, timeoutMs = 20_000): Promise<string | null> {
  const state = readState(lab);
  const user = state?.hosts.find((h) => h.name === "user")?.init;
  if (!state || !user) return `lab ${lab} is not running`;
  const site = siteUrl(labModel(state)).replace(/\/$/, "");
  const curl = (extra: string[], path: string) =>
    runInHost(user.pid, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", ...extra, `${site}${path}`], { check: false, timeoutMs: 5000 });
  const deadline = Date.now() + timeoutMs;
  let why = "";
  while (Date.now() < deadline) {
    const read = await curl([], "/api/entries?limit=1");
    const write = await curl(["-X", "POST", "-H", "content-type: application/json", "--data", '{"author":"bench-health","message":"health check"}'], "/api/entries");
    if (/^2/.test(read.stdout) && /^2/.test(write.stdout)) return null;
    why = `a page read answered ${read.stdout || "nothing"}, an entry write ${write.stdout || "nothing"}`;
    await sleep(500);
  }
  return why;
}
