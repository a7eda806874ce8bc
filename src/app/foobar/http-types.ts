// The one interface the foobar core speaks: plain request and response values, no sockets.

/** An HTTP request as the core sees it; header names are lower case. */
export interface AppRequest {
  method: string;
  /** Path and query, e.g. `/api/entries?limit=5`. */
  url: string;
  headers: Record<string, string | undefined>;
  body: string;
}

/** An HTTP response built by the core; the adapter writes it out. */
export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The app: one async function from request to response (never throws). */
export type AppHandler = (req: AppRequest) => Promise<AppResponse>;

/** A JSON response. */
export function json(status: number, value: unknown, headers: Record<string, string> = {}): AppResponse {
  return { status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers }, body: `${JSON.stringify(value)}\n` };
}

/** An HTML response. */
export function html(status: number, body: string, headers: Record<string, string> = {}): AppResponse {
  return { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...headers }, body };
}

/** A plain-text response. */
export function text(status: number, body: string, headers: Record<string, string> = {}): AppResponse {
  return { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers }, body };
}
