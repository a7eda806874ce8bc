// Entry point of the failover controller (a runit service on the model's controller host).
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import type { Server } from "node:net";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { agentClient } from "../client.js";
import { readConfigFile, type ControllerConfig } from "../../render/config/failover.js";
import { jsonServer } from "../http.js";
import { recordEvent } from "../../runtime/events.js";
import { Controller } from "./controller.js";

const { values } = parseArgs({ options: { config: { type: "string" }, lab: { type: "string" } } });
if (!values.config || !values.lab) {
  process.stderr.write("usage: failover-controller --config FILE --lab LAB\n");
  process.exit(2);
}
const cfg = readConfigFile<ControllerConfig>(values.config);
const lab = values.lab;
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
const ca = cfg.ca ? readFileSync(cfg.ca, "utf8") : undefined;
const addresses = Object.fromEntries(cfg.dbHosts.map((h) => [h.name, h.address]));
// One keep-alive connection per agent: polling five times a second must not cost a TLS handshake each time.
const keepAlive = Object.fromEntries(
  cfg.dbHosts.map((h) => [h.name, ca ? new HttpsAgent({ keepAlive: true, maxSockets: 2, ca, servername: h.name }) : new HttpAgent({ keepAlive: true, maxSockets: 2 })]),
);
const client = agentClient((host) => ({
  base: `${ca ? "https" : "http"}://${addresses[host]}:${cfg.agentApiPort}`,
  token: cfg.token,
  ...(ca ? { ca, servername: host } : {}),
  ...(keepAlive[host] ? { agent: keepAlive[host] } : {}),
}));
const controller = new Controller(
  cfg,
  client,
  (step, message, data) => {
    log(`[${step}] ${message}`);
    try {
      recordEvent(lab, { kind: "failover", message, source: `failover-controller on ${cfg.host}`, data: { step, ...data }, ...(typeof data?.host === "string" ? { host: data.host } : {}) });
    } catch (e) {
      log(`could not record the event: ${String(e)}`);
    }
  },
  log,
);

const listen = (server: Server, start: () => void) =>
  new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.once("listening", () => resolve());
    start();
  });
const tcp = jsonServer((r) => controller.handle(r), { token: cfg.token });
mkdirSync(dirname(cfg.apiSocket), { recursive: true });
rmSync(cfg.apiSocket, { force: true });
const unix = jsonServer((r) => controller.handle(r), { token: cfg.token, unix: true });
await listen(tcp, () => tcp.listen(cfg.apiPort, "127.0.0.1"));
await listen(unix, () => unix.listen(cfg.apiSocket));
controller.start();
for (const sig of ["SIGTERM", "SIGINT"] as const)
  process.on(sig, () => {
    controller.stop();
    process.exit(0);
  });
