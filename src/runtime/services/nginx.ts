// nginx: static files itself, dynamic requests proxied to the app servers.
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { PORTS } from "../../model/ports.js";
import { REPO_DIR } from "../repo.js";
import { chownTo } from "../host.js";
import { addressOf, runScript, tcpProbe, type ServiceDef } from "./types.js";

export const nginx: ServiceDef = {
  kind: "nginx",
  requires: [{ binary: "nginx", pkg: "nginx-light", why: "web servers", versionArgs: ["-v"] }],
  after: ["app"],
  reload: { files: ["/etc/nginx/"], signal: "hup" },
  runScript: () => runScript("nginx", ["mkdir -p /var/log/nginx /var/lib/nginx/body", "exec nginx -g 'daemon off;'"]),
  prepare: (ctx) => {
    const lib = join(ctx.root, "var/lib/nginx");
    mkdirSync(join(ctx.root, "var/log/nginx"), { recursive: true });
    chownTo(lib, "www-data");
    const assets = join(REPO_DIR, "assets/foobar/static");
    const target = join(ctx.root, "var/www/foobar/static");
    mkdirSync(target, { recursive: true });
    if (existsSync(assets)) cpSync(assets, target, { recursive: true });
  },
  probe: (ctx) => tcpProbe(addressOf(ctx.host), PORTS.http),
  readyTimeoutMs: 10_000,
};
