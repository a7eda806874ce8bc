// Publishes the site on this machine's loopback (e.g. https://127.0.0.1:8443) without routing into the lab:
// socat in the root namespace hands each connection over a unix socket to socat in the user host.
import { createServer } from "node:net";
import { closeSync, existsSync, openSync } from "node:fs";
import { join } from "node:path";
import type { Model } from "../model/types.js";
import { spawnDetached } from "./exec.js";
import type { HostFile } from "./host.js";
import { markedEnv, SERVICE_DIR } from "./host.js";
import { hostDir, labDir } from "./paths.js";
import { procRecord, type LabState } from "./state.js";

const SCHEMES = [
  { scheme: "http", port: 80, from: 8080 },
  { scheme: "https", port: 443, from: 8443 },
] as const;

function schemes(model: Model) {
  return SCHEMES.filter((s) => s.scheme === "http" || model.tls.mode !== "none");
}

/** The user host's relay services: one unix socket per scheme, each connection forwarded to www.<domain>. */
export function publishServiceFiles(model: Model): HostFile[] {
  return schemes(model).map((s) => ({
    path: `${SERVICE_DIR}/publish-${s.scheme}/run`,
    mode: 0o755,
    content: `#!/bin/sh\nexec >>/var/log/publish-${s.scheme}.log 2>&1\nmkdir -p /run/stacklab\nexec socat UNIX-LISTEN:/run/stacklab/publish-${s.scheme}.sock,fork,unlink-early,mode=600 TCP:www.${model.domain}:${s.port},connect-timeout=2\n`,
  }));
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** Starts the loopback listeners (first free port from 8080 / 8443) and records them in the state. */
export async function publishSite(lab: string, model: Model, state: LabState): Promise<LabState["published"]> {
  const published: LabState["published"] = {};
  for (const s of schemes(model)) {
    let port = s.from;
    while (port < s.from + 50 && !(await portFree(port))) port++;
    const sock = join(hostDir(lab, "user"), "run/stacklab", `publish-${s.scheme}.sock`);
    for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
    const log = openSync(join(labDir(lab), `publish-${s.scheme}.log`), "a");
    const pid = spawnDetached(["socat", `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, `UNIX-CONNECT:${sock}`], log, markedEnv(join(labDir(lab), `publish-${s.scheme}`)));
    closeSync(log);
    state.extra.push({ ...procRecord(pid), what: `loopback ${s.scheme} 127.0.0.1:${port}` });
    published[s.scheme] = `${s.scheme}://127.0.0.1:${port}/`;
  }
  return published;
}
