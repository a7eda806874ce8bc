// The database agent on each database host of a design with replicas (see docs/failover.md).
import { join } from "node:path";
import { PORTS } from "../../model/ports.js";
import { FAILOVER_PATHS } from "../../failover/config.js";
import { REPO_DIR } from "../repo.js";
import { addressOf, runScript, tcpProbe, type ServiceDef } from "./types.js";

/**
 * Node flags of the failover processes: they hold a few connections and some JSON (heap used ~7 MB), so a
 * small heap, one GC thread and one V8 worker thread (about 10 MB less each than Node's defaults).
 */
export const SMALL_NODE = ["--max-old-space-size=32", "--max-semi-space-size=1", "--single-threaded-gc", "--v8-pool-size=1"];

export const dbAgent: ServiceDef = {
  kind: "db-agent",
  runScript: (ctx) =>
    runScript("db-agent", [`exec ${process.execPath} ${SMALL_NODE.join(" ")} ${join(REPO_DIR, "dist/failover/agent/main.js")} --config ${FAILOVER_PATHS.agentConfig} --lab ${ctx.lab}`]),
  probe: (ctx) => tcpProbe(addressOf(ctx.host), PORTS.dbAgentCheck),
  readyTimeoutMs: 15_000,
};
