// The failover controller on the design's controller host (model.database.controller).
import { join } from "node:path";
import { PORTS } from "../../model/ports.js";
import { FAILOVER_PATHS } from "../../failover/config.js";
import { hostStorageLines, prepareHostStorage } from "../../monitoring/host-storage.js";
import { REPO_DIR } from "../repo.js";
import { SMALL_NODE } from "./db-agent.js";
import { runScript, tcpProbe, type ServiceDef } from "./types.js";

export const failoverController: ServiceDef = {
  kind: "failover-controller",
  runScript: (ctx) =>
    runScript("failover-controller", [
      // its metrics go to this host's own textfile folder, never the machine's
      ...(ctx.host.monitored ? hostStorageLines(ctx) : []),
      `exec ${process.execPath} ${SMALL_NODE.join(" ")} ${join(REPO_DIR, "dist/failover/controller/main.js")} --config ${FAILOVER_PATHS.controllerConfig} --lab ${ctx.lab}`,
    ]),
  prepare: (ctx) => (ctx.host.monitored ? prepareHostStorage(ctx) : undefined),
  probe: () => tcpProbe("127.0.0.1", PORTS.controller),
  readyTimeoutMs: 15_000,
};
