// Entry point of the failover controller (a runit service on the model's controller host).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import type { Server } from "node:net";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { agentClient } from "../client.js";
import { readConfigFile, type ControllerConfig } from "../../render/config/failover.js";
import { jsonServer } from "../http.js";
import { recordEvent } from "../../runtime/events.js";
import { Controller, type Published } from "./controller.js";
import { etcdStore } from "../etcd-client.js";
import { Election, ELECTION_TIMING, electionKeys } from "../election.js";
import { monoNow } from "../clock.js";
import { revokePrimaryLease } from "../lease.js";

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
// With etcd, controllers on several hosts elect one leader through a lease; only the leader acts (election.ts).
const etcd = cfg.etcd
  ? etcdStore(
      { urls: cfg.etcd.urls, tls: cfg.etcd.tls ? { ca: readFileSync(cfg.etcd.tls.ca, "utf8"), cert: readFileSync(cfg.etcd.tls.cert, "utf8"), key: readFileSync(cfg.etcd.tls.key, "utf8") } : null },
      ELECTION_TIMING.callTimeoutMs,
    )
  : null;
const keys = electionKeys(cfg.etcd?.namespace ?? "");
const election = etcd ? new Election(etcd, keys.leader, cfg.host, monoNow) : null;
const leadingMarker = join(dirname(cfg.apiSocket), "leading");
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
  () => election?.isLeader() ?? true,
  (p) => {
    // written only while the leader key is still this controller's (a transaction in etcd)
    if (etcd) void etcd.putIf(keys.leader, cfg.host, keys.primary, JSON.stringify(p)).catch((e: unknown) => log(`could not publish the primary to etcd: ${String(e)}`));
  },
  etcd && cfg.primaryLeaseKey
    ? async (host) => {
        // only while this controller still leads: a controller that lost the lead takes no step
        if (!(election?.isLeader() ?? true)) throw new Error("this controller does not lead any more");
        return revokePrimaryLease(etcd, cfg.primaryLeaseKey!, host);
      }
    : undefined,
  etcd && cfg.primaryLeaseKey ? async () => (await etcd.holder(cfg.primaryLeaseKey!))?.value ?? null : undefined,
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
let electionTimer: NodeJS.Timeout | null = null;
if (election && etcd) {
  let running = false;
  electionTimer = setInterval(() => {
    if (running) return;
    running = true;
    void (async () => {
      const change = await election.tick();
      if (election.isLeader() && !controller.standingBy()) writeFileSync(leadingMarker, `${cfg.host}\n`);
      // just elected, or leading again after a lapse the controller's steps saw (it stood by meanwhile): take over
      if (election.isLeader() && (change === "elected" || controller.standingBy())) {
        const published = await etcd.get(keys.primary).catch(() => null);
        // a leader that lost the key while reading stops at once: takeOver only runs while it still leads
        if (election.isLeader()) {
          controller.takeOver(published ? (JSON.parse(published) as Published) : null);
          writeFileSync(leadingMarker, `${cfg.host}\n`);
        }
      } else if (change === "lost") {
        rmSync(leadingMarker, { force: true });
        controller.standBy("the etcd leader lease could not be renewed in time");
      }
    })().finally(() => {
      running = false;
    });
  }, ELECTION_TIMING.everyMs);
} else writeFileSync(leadingMarker, `${cfg.host}\n`);
for (const sig of ["SIGTERM", "SIGINT"] as const)
  process.on(sig, () => {
    controller.stop();
    if (electionTimer) clearInterval(electionTimer);
    rmSync(leadingMarker, { force: true });
    // give the key back so another controller leads at once rather than after the lease runs out
    void (election?.resign() ?? Promise.resolve()).finally(() => process.exit(0));
  });
