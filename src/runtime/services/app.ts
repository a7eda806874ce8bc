// The app-server runner: N workers of the demo app or of the user's own app.
import { appPort } from "../../render/config/common.js";
import { APP_ENV_FILE, APP_PASSWORD_FILE, TLS_FILES } from "../../render/config/paths.js";
import { ownProgram } from "../repo.js";
import { runScript, type ServiceDef } from "./types.js";
import { shellJoin, shellQuote } from "../../render/shell.js";

/** The runner's entry point, relative to this repository (and to a packaged release of the app). */
export const APP_MAIN = "dist/app/runner/main.js";

/** The unprivileged account the app runner and its workers run as. */
export const APP_USER = { user: "nobody", group: "nogroup" } as const;

/**
 * Runs the app as nobody: root only hands it its database password and (with internal TLS) the
 * group-read of the host key, then setpriv drops every privilege for good (no new privileges).
 * A custom app on a port below 1024 keeps only the capability to bind it.
 */
export function appRunScript(port: number, release?: string): string {
  const { user, group } = APP_USER;
  const lowPort = port < 1024 ? ["--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service"] : [];
  const [pw, key] = [shellQuote(APP_PASSWORD_FILE), shellQuote(TLS_FILES.hostKey)];
  // A packaged release (export ansible): its runner and its Node runtime, also first on the PATH of a custom app's command.
  const [node, main] = ownProgram(APP_MAIN, release);
  return runScript("app", [
    ...(release ? [`PATH=${shellQuote(`${release}/bin`)}:"$PATH"; export PATH`] : []),
    `if [ -f ${pw} ]; then chown ${shellQuote(`${user}:${group}`)} ${pw} && chmod 600 ${pw}; fi`,
    `if [ -f ${key} ]; then chgrp ${shellQuote(group)} ${key} && chmod 640 ${key}; fi`,
    shellJoin(["exec", "setpriv", `--reuid=${user}`, `--regid=${group}`, "--clear-groups", "--no-new-privs", ...lowPort, node, main, "--env", APP_ENV_FILE]),
  ]);
}

export const app: ServiceDef = {
  kind: "app",
  requires: [],
  after: ["db-proxy", "mariadb"],
  reload: { files: ["/etc/stacklab/app.env"], signal: "hup" },
  runScript: (ctx) => appRunScript(appPort(ctx.model), ctx.appRelease),
  probe: (ctx) => {
    const scheme = ctx.model.tls.internal ? "https" : "http";
    const path = ctx.model.app.type === "custom" ? ctx.model.app.healthPath : "/healthz";
    const url = `${scheme}://127.0.0.1:${appPort(ctx.model)}${path}`;
    return {
      what: `${url} answering 200`,
      argv: ["curl", "-sfk", "-o", "/dev/null", "--max-time", "1", url],
      listener: { tcp: { address: "127.0.0.1", port: appPort(ctx.model) } },
      // The app's health answer names each database endpoint and its error.
      diagnose: ["curl", "-sk", "--max-time", "2", "-w", "\n(HTTP %{http_code})", url],
    };
  },
  readyTimeoutMs: 20_000,
};
