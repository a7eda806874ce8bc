// The HTML side: the home page and the form post.
import { html, type AppResponse } from "./http-types.js";
import type { Route, RouteContext } from "./context.js";
import { renderError, renderHome } from "./html.js";
import { servedBy } from "./served-by.js";
import { DbUnavailableError } from "./types.js";
import { validateSubmission } from "./validate.js";

/** The HTML answer when no database could serve a request. */
export function dbUnavailablePage(ctx: RouteContext, error: DbUnavailableError): AppResponse {
  ctx.deps.metrics?.countError("db");
  const detail = error.maybeExecuted ? "The database stopped answering while saving: your entry may or may not have been stored." : "No database server answered. Try again in a moment.";
  return html(503, renderError("Database unavailable", detail, servedBy(ctx.req, ctx.deps.identity)));
}

async function home(ctx: RouteContext): Promise<AppResponse> {
  const answer = await ctx.deps.db.listEntries(20, false);
  return html(200, renderHome({ servedBy: servedBy(ctx.req, ctx.deps.identity, answer), entries: answer.value }));
}

async function sign(ctx: RouteContext): Promise<AppResponse> {
  const form = new URLSearchParams(ctx.req.body);
  const submitted = { author: form.get("author") ?? "", message: form.get("message") ?? "" };
  const result = validateSubmission(submitted);
  if (!result.ok) {
    ctx.deps.metrics?.countError("bad_request");
    let entries = null;
    let answer;
    try {
      answer = await ctx.deps.db.listEntries(20, false);
      entries = answer.value;
    } catch (e) {
      if (!(e instanceof DbUnavailableError)) throw e;
    }
    return html(400, renderHome({ servedBy: servedBy(ctx.req, ctx.deps.identity, answer), entries, notice: `Not saved: ${result.error}.`, form: submitted }));
  }
  await ctx.deps.db.insertEntry({ ...result.value, appHost: ctx.deps.identity.hostName });
  return { status: 303, headers: { location: "/", "cache-control": "no-store", "content-type": "text/plain; charset=utf-8" }, body: "Saved. See /\n" };
}

/** The page routes. */
export const pageRoutes: Route[] = [
  { method: "GET", pattern: /^\/$/, name: "/", handle: home },
  { method: "POST", pattern: /^\/entries$/, name: "/entries", handle: sign },
];
