// The dashboard as a visitor of 127.0.0.1 sees it: served for a moment, and every page and JSON answer read back
// (the audit looks for secrets in them; the CLI hands this reader to it, as the audit sits below the dashboard).
import { DashboardLab } from "./lab.js";
import { startDashboard } from "./server.js";
import { cookieName } from "./guard.js";

/** What the page loads: the page itself and the JSON endpoints it polls. */
export const DASHBOARD_PATHS = ["/", "/api/state", "/api/series", "/api/events", "/api/challenge"];

/** Serves the lab's dashboard on a free loopback port and returns what each of its answers says. */
export async function dashboardAnswers(lab: string): Promise<{ path: string; body: string }[]> {
  const running = await startDashboard(new DashboardLab(lab), 0, { readOnly: true });
  try {
    const answers: { path: string; body: string }[] = [];
    for (const path of DASHBOARD_PATHS) {
      // as the browser would, once it opened the printed URL: the token in the dashboard's cookie
      const res = await fetch(new URL(path, running.url), { headers: { cookie: `${cookieName(running.port)}=${running.token}` }, signal: AbortSignal.timeout(20_000) });
      answers.push({ path, body: await res.text() });
    }
    return answers;
  } finally {
    await running.close();
  }
}
