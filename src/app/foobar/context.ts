// What every route handler gets: the request, its parsed URL, and the app's dependencies.
import type { AppMetrics } from "./metrics.js";
import type { AppRequest, AppResponse } from "./http-types.js";
import type { AppIdentity } from "./served-by.js";
import type { FoobarDb } from "./types.js";

/** The app's dependencies, injected so tests can use a fake database and no port. */
export interface AppDeps {
  db: FoobarDb;
  identity: AppIdentity;
  metrics?: AppMetrics;
  /** Renders GET /metrics; defaults to this process's registry (cluster workers ask the runner). */
  metricsText?: () => Promise<{ contentType: string; body: string }>;
  /** Reports unexpected errors; defaults to stderr. */
  onError?: (error: unknown, req: AppRequest) => void;
}

/** One request on its way through a route. */
export interface RouteContext {
  req: AppRequest;
  query: URLSearchParams;
  /** Captures of the route's pattern. */
  params: string[];
  deps: AppDeps;
}

/** A route: method, path pattern, a name used as the metrics label, and the handler. */
export interface Route {
  method: "GET" | "POST";
  pattern: RegExp;
  name: string;
  handle(ctx: RouteContext): Promise<AppResponse>;
}
