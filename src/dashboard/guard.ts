// What keeps the dashboard for the person who started it: loopback peers only, the right Host (no DNS rebinding),
// a random token per run that only the URL the CLI printed carries (then an HttpOnly, SameSite=Strict cookie),
// and for the buttons the page's own Origin and JSON bodies.
import { randomBytes, timingSafeEqual } from "node:crypto";

/** The query parameter of the URL the CLI prints, as Jupyter does: `http://127.0.0.1:7300/?token=...`. */
export const TOKEN_PARAM = "token";

/** The cookie that holds the token once the URL was opened; one per port, so two dashboards keep their own. */
export function cookieName(port: number): string {
  return `stacklab-dashboard-${port}`;
}

/** The Set-Cookie header handing the browser this run's token: never readable by scripts, never sent by another site. */
export function tokenCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The token a request's Cookie header carries for this dashboard, if any. */
export function cookieToken(cookie: string | undefined, port: number): string | undefined {
  const name = `${cookieName(port)}=`;
  return (cookie ?? "")
    .split(";")
    .map((c) => c.trim())
    .find((c) => c.startsWith(name))
    ?.slice(name.length);
}

/** True when `given` is this run's token (compared in constant time). */
export function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A fresh random token for one run of the dashboard. */
export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

/** True for a peer address on the loopback interface. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith("::ffff:") ? address.slice(7) : address;
  return a === "::1" || /^127\.\d+\.\d+\.\d+$/.test(a);
}

/** The Host header values the page may be reached under (the numeric loopback addresses and localhost, with the port). */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

/**
 * Why a request is refused, or null when it may go on. Every request needs the token (from the cookie, or from the
 * URL for the first GET); POSTs also need the page's Origin (when sent) and JSON.
 */
export function refusal(
  req: { method?: string; remote?: string; host?: string; origin?: string; contentType?: string; token?: string },
  port: number,
  token: string,
): { status: number; reason: string } | null {
  if (!isLoopback(req.remote)) return { status: 403, reason: "the dashboard answers only on loopback" };
  if (!req.host || !allowedHosts(port).includes(req.host.toLowerCase())) return { status: 421, reason: `unexpected Host header ${JSON.stringify(req.host ?? "")}` };
  if (!sameToken(req.token, token)) return { status: 401, reason: "open the URL `stacklab dashboard` printed: it carries this run's token" };
  if (req.method !== "POST") return null;
  if (req.origin !== undefined && !allowedHosts(port).some((h) => req.origin === `http://${h}`)) return { status: 403, reason: `cross-site request from ${req.origin} refused` };
  if (!(req.contentType ?? "").toLowerCase().startsWith("application/json")) return { status: 415, reason: "send JSON (Content-Type: application/json)" };
  return null;
}

/** The page a browser gets without the token: how to get the URL that carries it. */
export function unauthorizedPage(port: number): string {
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8"><title>stacklab dashboard: open the URL with its token</title></head><body>',
    "<h1>401: this dashboard needs its token</h1>",
    `<p>The dashboard on port ${port} answers only the URL <code>stacklab dashboard</code> printed when it started, which carries a random token for this run (<code>http://127.0.0.1:${port}/?token=...</code>). Open that URL; the browser then keeps the token in a cookie.</p>`,
    "<p>Lost it? Stop the dashboard (Ctrl-C) and start it again: it prints a new URL, and the old token stops working.</p>",
    "</body></html>",
    "",
  ].join("\n");
}
