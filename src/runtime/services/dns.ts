// NSD, an authoritative DNS server, serving the design's zone to the user host.
import { chownTo } from "../host.js";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { PORTS } from "../../model/ports.js";
import { addressOf, runScript, tcpProbe, type ServiceDef } from "./types.js";

export const dns: ServiceDef = {
  kind: "dns",
  requires: [{ binary: "nsd", pkg: "nsd", why: "the lab's DNS server", versionArgs: ["-v"] }],
  after: [],
  log: "nsd",
  reload: { files: ["/etc/nsd/"], signal: "hup" },
  runScript: () => runScript("nsd", ["mkdir -p /run/nsd && chown nsd:nsd /run/nsd /var/lib/nsd", "exec nsd -d -c /etc/nsd/nsd.conf"]),
  prepare: (ctx) => {
    mkdirSync(join(ctx.root, "run/nsd"), { recursive: true });
    chownTo(join(ctx.root, "var/lib/nsd"), "nsd");
  },
  probe: (ctx) => tcpProbe(addressOf(ctx.host, "public"), PORTS.dns),
  readyTimeoutMs: 10_000,
};
