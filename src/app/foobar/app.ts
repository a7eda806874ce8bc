// The foobar app's core: routing, error mapping and metrics around the routes, no sockets.
// Like hono, it speaks one plain interface (AppRequest -> AppResponse); node-adapter.ts serves it.
import { apiRoutes, dbUnavailableJson } from "./api.js";
import type { AppDeps, Route, RouteContext } from "./context.js";
import { html, json, text, type AppHandler, type AppRequest, type AppResponse } from "./http-types.js";
import { renderError } from "./html.js";
import { dbUnavailablePage, pageRoutes } from "./pages.js";
import { servedBy } from "./served-by.js";
import { DbUnavailableError } from "./types.js";

export type { AppDeps } from "./context.js";

const routes: Route[] = [...pageRoutes, ...apiRoutes];

/** Paths the web server owns: the app never serves them, so a 200 for them proves nginx did. */
const STATIC_PATH = /^\/(static\/|favicon\.ico$)/;

interface Match {
  route?: Route;
  params: string[];
  /** Methods allowed on the path when the method did not match. */
  allowed: string[];
}

function match(method: string, path: string): Match {
  const allowed: string[] = [];
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    if (route.method === method || (method === "HEAD" && route.method === "GET")) return { route, params: m.slice(1), allowed };
    allowed.push(route.method);
  }
  return { params: [], allowed };
}

function notFound(req: AppRequest, path: string, deps: AppDeps): AppResponse {
  if (path.startsWith("/api/")) return json(404, { error: "not found", path });
  return html(404, renderError("Not found", `Nothing lives at ${path}.`, servedBy(req, deps.identity)));
}

function routeLabel(path: string, found: Match): string {
  if (found.route) return found.route.name;
  if (STATIC_PATH.test(path)) return "static";
  return found.allowed.length > 0 ? "method_not_allowed" : "not_found";
}

async function dispatch(req: AppRequest, path: string, query: URLSearchParams, found: Match, deps: AppDeps): Promise<AppResponse> {
  if (STATIC_PATH.test(path)) {
    return text(404, "Static files are served by the web server (nginx), not by the app server.\n", { "x-static-from": "app" });
  }
  if (!found.route) {
    if (found.allowed.length > 0) {
      const allow = [...new Set(found.allowed.flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m])))].join(", ");
      return json(405, { error: `method ${req.method} not allowed`, allow }, { allow });
    }
    return notFound(req, path, deps);
  }
  const ctx: RouteContext = { req, query, params: found.params, deps };
  try {
    return await found.route.handle(ctx);
  } catch (error) {
    if (error instanceof DbUnavailableError) return path.startsWith("/api/") ? dbUnavailableJson(ctx, error) : dbUnavailablePage(ctx, error);
    throw error;
  }
}

/** Builds the request handler; every answer carries X-Served-By-App, and is counted in the metrics. */
export function createApp(deps: AppDeps): AppHandler {
  const appHeader = `${deps.identity.hostName}/${deps.identity.pid}`;
  return async (req) => {
    const started = process.hrtime.bigint();
    let path = "/";
    let query = new URLSearchParams();
    try {
      const url = new URL(req.url, "http://app.invalid");
      path = url.pathname;
      query = url.searchParams;
    } catch {
      path = "(invalid)";
    }
    const method = req.method.toUpperCase();
    const found = match(method, path);
    let res: AppResponse;
    try {
      res = await dispatch({ ...req, method }, path, query, found, deps);
    } catch (error) {
      deps.metrics?.countError("handler");
      (deps.onError ?? ((e) => console.error(`foobar: ${req.method} ${req.url}:`, e)))(error, req);
      res = json(500, { error: "internal error" });
    }
    res.headers["x-served-by-app"] = appHeader;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    deps.metrics?.observeRequest(routeLabel(path, found), method, res.status, seconds);
    return res;
  };
}
