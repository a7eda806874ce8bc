// HAProxy in master-worker mode: reloads hand listening sockets to the new workers.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PORTS } from "../../model/ports.js";
import { runScript, tcpProbe, type ServiceDef } from "./types.js";

export const haproxy: ServiceDef = {
  kind: "haproxy",
  requires: [{ binary: "haproxy", pkg: "haproxy", why: "load balancers", versionArgs: ["-v"] }],
  after: ["nginx"],
  reload: { files: ["/etc/haproxy/haproxy.cfg"], signal: "usr2" },
  runScript: () => runScript("haproxy", ["mkdir -p /run/haproxy", "exec haproxy -Ws -f /etc/haproxy/haproxy.cfg"]),
  prepare: (ctx) => void mkdirSync(join(ctx.root, "run/haproxy"), { recursive: true }),
  probe: () => tcpProbe("127.0.0.1", PORTS.http),
  readyTimeoutMs: 10_000,
};
