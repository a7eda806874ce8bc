// What keeps the dashboard's buttons for the person at this machine: loopback peers only, the right Host
// (no DNS rebinding), the page's own Origin, JSON bodies, and a random token per run that only the page knows.
import { randomBytes, timingSafeEqual } from "node:crypto";

/** The header the page sends its token in. */
export const TOKEN_HEADER = "x-stacklab-token";

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

/** Why a request is refused, or null when it may go on. POSTs need the page's Origin (when sent), JSON and the token. */
export function refusal(req: { method?: string; remote?: string; host?: string; origin?: string; contentType?: string; token?: string }, port: number, token: string): { status: number; reason: string } | null {
  if (!isLoopback(req.remote)) return { status: 403, reason: "the dashboard answers only on loopback" };
  if (!req.host || !allowedHosts(port).includes(req.host.toLowerCase())) return { status: 421, reason: `unexpected Host header ${JSON.stringify(req.host ?? "")}` };
  if (req.method !== "POST") return null;
  if (req.origin !== undefined && !allowedHosts(port).some((h) => req.origin === `http://${h}`)) return { status: 403, reason: `cross-site request from ${req.origin} refused` };
  if (!(req.contentType ?? "").toLowerCase().startsWith("application/json")) return { status: 415, reason: "send JSON (Content-Type: application/json)" };
  if (!sameToken(req.token, token)) return { status: 403, reason: `missing or wrong ${TOKEN_HEADER}: reload the page` };
  return null;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
