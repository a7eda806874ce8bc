// The whole request path, checked the way a visitor reaches it: from the user host, by name, through DNS.
import type { Model } from "../model/types.js";
import { runInHost } from "./host.js";
import type { LabState } from "./state.js";

/** The site's address as a visitor types it. */
export function siteUrl(model: Model): string {
  return `${model.tls.mode === "none" ? "http" : "https"}://www.${model.domain}/`;
}

/** Waits until the user host gets 200 from /healthz by name (DNS, entry point, LB, web, app, database). */
export async function waitForSite(model: Model, state: LabState, signal?: AbortSignal, timeoutMs = 30_000): Promise<void> {
  const user = state.hosts.find((h) => h.name === "user")!.init!.pid;
  const url = `${siteUrl(model)}healthz`;
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    const r = await runInHost(user, ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", url], { check: false, timeoutMs: 5000 });
    last = `${r.stdout.trim()} ${r.stderr.trim()}`.trim();
    if (r.code === 0 && r.stdout.trim() === "200") return;
    await new Promise((res) => setTimeout(res, 150));
  }
  throw new Error(`the site did not answer 200 at ${url} from the user host within ${timeoutMs / 1000} s (last: ${last || "no answer"})`);
}
