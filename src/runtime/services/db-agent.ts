// The database agent on each database host of a design with replicas (see docs/failover.md).
import { PORTS } from "../../model/ports.js";
import { FAILOVER_PATHS } from "../../render/config/failover.js";
import { ownProgram } from "../repo.js";
import { addressOf, eventLogLines, execAs, ownConfig, privateRunDir, runScript, tcpProbe, type ServiceDef } from "./types.js";

/** The agent's entry point, relative to this repository (and to a packaged release). */
export const AGENT_MAIN = "dist/failover/agent/main.js";

/**
 * Node flags of the failover processes: they hold a few connections and some JSON (heap used ~7 MB), so a
 * small heap, one GC thread and one V8 worker thread (about 10 MB less each than Node's defaults).
 */
export const SMALL_NODE = ["--max-old-space-size=32", "--max-semi-space-size=1", "--single-threaded-gc", "--v8-pool-size=1"];

/** `node FLAGS main`: a failover program's command line with the small heap. */
export function withSmallNode([node, main]: [string, string]): string[] {
  return [node, ...SMALL_NODE, main];
}

/**
 * The agent runs as MariaDB's own user: it holds an administrative MariaDB account anyway (fencing, promoting),
 * keeps its state beside the data in /var/lib/mysql, and reads the host key MariaDB reads. It needs no root.
 */
export const DB_AGENT_USER = { user: "mysql", group: "mysql" } as const;

export const dbAgent: ServiceDef = {
  kind: "db-agent",
  requires: [],
  after: ["mariadb"],
  runScript: (ctx) =>
    runScript("db-agent", [
      ...privateRunDir(FAILOVER_PATHS.agentRunDir, DB_AGENT_USER),
      // where the agent saves what only its server held before rebuilding it (rebuild-here.ts)
      ...privateRunDir(FAILOVER_PATHS.divergedDir, DB_AGENT_USER),
      ...ownConfig(FAILOVER_PATHS.agentConfig, DB_AGENT_USER),
      ...eventLogLines(ctx.lab),
      execAs(DB_AGENT_USER, [...withSmallNode(ownProgram(AGENT_MAIN, ctx.appRelease)), "--config", FAILOVER_PATHS.agentConfig, "--lab", ctx.lab]),
    ]),
  probe: (ctx) => tcpProbe(addressOf(ctx.host), PORTS.dbAgentCheck),
  readyTimeoutMs: 15_000,
};
