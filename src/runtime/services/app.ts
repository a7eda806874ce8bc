// The app-server runner: N workers of the demo app or of the user's own app.
import { join } from "node:path";
import { appPort } from "../../render/config/common.js";
import { REPO_DIR } from "../repo.js";
import { runScript, type ServiceDef } from "./types.js";

export const app: ServiceDef = {
  kind: "app",
  runScript: () => runScript("app", [`exec ${process.execPath} ${join(REPO_DIR, "dist/app/runner/main.js")} --env /etc/stacklab/app.env`]),
  probe: (ctx) => {
    const scheme = ctx.model.tls.internal ? "https" : "http";
    const path = ctx.model.app.type === "custom" ? ctx.model.app.healthPath : "/healthz";
    const url = `${scheme}://127.0.0.1:${appPort(ctx.model)}${path}`;
    return { what: `${url} answering 200`, argv: ["curl", "-sfk", "-o", "/dev/null", "--max-time", "1", url] };
  },
  readyTimeoutMs: 20_000,
};
