// Entry point of the database agent (a runit service on each database host).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readConfigFile, type AgentConfig } from "../../render/config/failover.js";
import { recordEvent } from "../../runtime/events.js";
import { Agent } from "./agent.js";

const { values } = parseArgs({ options: { config: { type: "string" }, lab: { type: "string" } } });
if (!values.config || !values.lab) {
  process.stderr.write("usage: db-agent --config FILE --lab LAB\n");
  process.exit(2);
}
const cfg = readConfigFile<AgentConfig>(values.config);
const lab = values.lab;
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
const agent = new Agent(
  cfg,
  (message, data) => {
    log(message);
    try {
      recordEvent(lab, { kind: "failover", host: cfg.host, message, source: `db-agent on ${cfg.host}`, ...(data ? { data } : {}) });
    } catch (e) {
      log(`could not record the event: ${String(e)}`);
    }
  },
  log,
);
const tls = cfg.tls ? { cert: readFileSync(cfg.tls.cert, "utf8"), key: readFileSync(cfg.tls.key, "utf8") } : undefined;
await agent.start(tls);
for (const sig of ["SIGTERM", "SIGINT"] as const)
  process.on(sig, () => {
    agent.stop();
    process.exit(0);
  });
