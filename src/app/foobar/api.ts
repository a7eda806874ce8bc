// The JSON API used by tests and experiments, plus /healthz and /metrics.
import { json, text, type AppResponse } from "./http-types.js";
import type { Route, RouteContext } from "./context.js";
import { servedBy } from "./served-by.js";
import { DbUnavailableError } from "./types.js";
import { parseLimit, validateSubmission } from "./validate.js";

/** The JSON answer when no database could serve a request. */
export function dbUnavailableJson(ctx: RouteContext, error: DbUnavailableError): AppResponse {
  ctx.deps.metrics?.countError("db");
  return json(503, { error: "database unavailable", detail: error.message, maybeExecuted: error.maybeExecuted, servedBy: servedBy(ctx.req, ctx.deps.identity) });
}

function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

async function createEntry(ctx: RouteContext): Promise<AppResponse> {
  const parsed = parseJsonBody(ctx.req.body);
  const result = validateSubmission(parsed);
  if (!result.ok) {
    ctx.deps.metrics?.countError("bad_request");
    return json(400, { error: parsed === undefined ? "body must be JSON {author, message}" : result.error });
  }
  const answer = await ctx.deps.db.insertEntry({ ...result.value, appHost: ctx.deps.identity.hostName });
  return json(201, { id: answer.value, primary: answer.dbHost, servedBy: servedBy(ctx.req, ctx.deps.identity, answer) }, { location: `/api/entries/${answer.value}` });
}

async function getEntry(ctx: RouteContext): Promise<AppResponse> {
  const id = Number(ctx.params[0]);
  const consistent = ctx.query.get("consistent") === "1";
  const answer = await ctx.deps.db.getEntry(id, consistent);
  const by = servedBy(ctx.req, ctx.deps.identity, answer);
  if (answer.value === null) return json(404, { error: "no such entry", id, servedBy: by });
  return json(200, { entry: answer.value, servedBy: by });
}

async function listEntries(ctx: RouteContext): Promise<AppResponse> {
  const limit = parseLimit(ctx.query.get("limit"));
  if (typeof limit !== "number") {
    ctx.deps.metrics?.countError("bad_request");
    return json(400, { error: limit.error });
  }
  const answer = await ctx.deps.db.listEntries(limit, ctx.query.get("consistent") === "1");
  return json(200, { entries: answer.value, servedBy: servedBy(ctx.req, ctx.deps.identity, answer) });
}

async function whoami(ctx: RouteContext): Promise<AppResponse> {
  return json(200, servedBy(ctx.req, ctx.deps.identity));
}

/** 200 when the primary or a replica answers a query; the body says which. */
async function health(ctx: RouteContext): Promise<AppResponse> {
  const endpoints = await ctx.deps.db.health();
  const firstOk = (role: string) => endpoints.find((e) => e.role === role && e.ok)?.dbHost ?? null;
  const primary = firstOk("primary");
  const replica = firstOk("replica");
  const ok = primary !== null || replica !== null;
  const { hostName, pid, version } = ctx.deps.identity;
  return json(ok ? 200 : 503, { status: ok ? "ok" : "unavailable", app: { host: hostName, pid, version }, primary, replica, endpoints });
}

async function metrics(ctx: RouteContext): Promise<AppResponse> {
  const render =
    ctx.deps.metricsText ??
    (async () => {
      const registry = ctx.deps.metrics?.registry;
      if (!registry) return { contentType: "text/plain; charset=utf-8", body: "" };
      return { contentType: registry.contentType, body: await registry.metrics() };
    });
  const { contentType, body } = await render();
  return text(200, body, { "content-type": contentType, "cache-control": "no-store" });
}

/** The API routes, in matching order. */
export const apiRoutes: Route[] = [
  { method: "GET", pattern: /^\/healthz$/, name: "/healthz", handle: health },
  { method: "GET", pattern: /^\/metrics$/, name: "/metrics", handle: metrics },
  { method: "GET", pattern: /^\/api\/whoami$/, name: "/api/whoami", handle: whoami },
  { method: "POST", pattern: /^\/api\/entries$/, name: "/api/entries", handle: createEntry },
  { method: "GET", pattern: /^\/api\/entries$/, name: "/api/entries", handle: listEntries },
  { method: "GET", pattern: /^\/api\/entries\/(\d{1,15})$/, name: "/api/entries/:id", handle: getEntry },
];
