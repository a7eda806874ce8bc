// Entry point of the database agent (a runit service on each database host).
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readConfigFile, type AgentConfig } from "../../render/config/failover.js";
import { recordEvent } from "../../runtime/events.js";
import { Agent } from "./agent.js";
import { etcdStore } from "../etcd-client.js";
import { LEASE_TIMING, PrimaryLease } from "../lease.js";
import { monoNow } from "../clock.js";

const { values } = parseArgs({ options: { config: { type: "string" }, lab: { type: "string" } } });
if (!values.config || !values.lab) {
  process.stderr.write("usage: db-agent --config FILE --lab LAB\n");
  process.exit(2);
}
const cfg = readConfigFile<AgentConfig>(values.config);
const lab = values.lab;
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
// With a primary lease (spec database.primaryLease), the agent of the writable server holds a key in etcd (lease.ts).
const lease = cfg.lease
  ? new PrimaryLease(
      etcdStore(
        {
          urls: cfg.lease.urls,
          tls: cfg.lease.tls ? { ca: readFileSync(cfg.lease.tls.ca, "utf8"), cert: readFileSync(cfg.lease.tls.cert, "utf8"), key: readFileSync(cfg.lease.tls.key, "utf8") } : null,
        },
        LEASE_TIMING.callTimeoutMs,
      ),
      cfg.lease.key,
      cfg.host,
      monoNow,
      LEASE_TIMING,
      existsSync(cfg.lease.leaseFile) ? readFileSync(cfg.lease.leaseFile, "utf8").trim() || null : null,
      (id) => {
        const file = cfg.lease!.leaseFile;
        try {
          if (id) writeFileSync(file, `${id}\n`);
          else rmSync(file, { force: true });
        } catch (e) {
          log(`could not keep the lease id in ${file}: ${String(e)}`);
        }
      },
    )
  : null;
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
  { lease },
);
const tls = cfg.tls ? { cert: readFileSync(cfg.tls.cert, "utf8"), key: readFileSync(cfg.tls.key, "utf8") } : undefined;
await agent.start(tls);
for (const sig of ["SIGTERM", "SIGINT"] as const)
  process.on(sig, () => {
    agent.stop();
    process.exit(0);
  });
