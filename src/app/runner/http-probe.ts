// Health check of one custom-app process: GET <healthPath> on 127.0.0.1:<port>.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** The probe's answer: the status (0 when none came) and why it failed. */
export interface ProbeResult {
  ok: boolean;
  status: number;
  error?: string;
}

/** Asks a loopback port for its health page; 2xx and 3xx count as healthy. */
export function probeHealth(port: number, path: string, opts: { https?: boolean; timeoutMs?: number } = {}): Promise<ProbeResult> {
  const request = opts.https ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(
      { host: "127.0.0.1", port, path, method: "GET", agent: false, timeout: opts.timeoutMs ?? 1000, rejectUnauthorized: false, headers: { "user-agent": "stacklab-runner" } },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 400, status, error: status >= 400 ? `status ${status}` : undefined });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 1000} ms`)));
    req.on("error", (e) => resolve({ ok: false, status: 0, error: e.message }));
    req.end();
  });
}
