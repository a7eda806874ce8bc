// The failover machinery seen from this machine (the CLI): agents and controller through their unix sockets
// in the hosts' trees, MariaDB through each host's local socket, proxies through their admin sockets.
import { existsSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import type { Model } from "../model/types.js";
import { hostDir } from "../runtime/paths.js";
import { isAlive, type LabState } from "../runtime/state.js";
import { sql } from "../runtime/replication.js";
import { recordEvent } from "../runtime/events.js";
import { DB_PROXY_FILES } from "../render/config/db-proxy.js";
import { hostsWithRole, privateAddress } from "../render/config/common.js";
import { agentClient } from "./client.js";
import { FAILOVER_PATHS, hasDbAgents } from "../render/config/failover.js";
import type { ControllerState } from "./controller/controller.js";
import { callJson, HttpError, type CallTarget } from "./http.js";
import { OBSERVE_SQL, downObservation, nameValues, parseBatch, toObservation, type DbObservation } from "./observe.js";
import type { StepRecorder } from "./procedures.js";
import type { AgentClient, AgentStatus } from "./types.js";
import { monoNow } from "./clock.js";
import { savedTransactions, type SavedTransactions } from "./rebuild.js";

/** A path inside a host, as seen from this machine. */
export function hostPath(lab: string, host: string, path: string): string {
  return join(hostDir(lab, host), path.replace(/^\/+/, ""));
}

/** An AgentClient over the agents' unix sockets (no network, no token: file permissions guard them). */
export function labAgentClient(lab: string): AgentClient {
  return agentClient((host): CallTarget => ({ socketPath: hostPath(lab, host, FAILOVER_PATHS.agentSocket) }), 1500);
}

/**
 * The controller hosts, the likeliest leader first: a leader touches its marker file at every renewal of its lease,
 * so the freshest marker is the one that leads now (a marker older than a few seconds is one a dead or busy host
 * left behind: still the best guess), then the hosts without one in the design's order.
 */
export function controllersByLead(lab: string, model: Model): string[] {
  const age = (h: string) => {
    const f = hostPath(lab, h, FAILOVER_PATHS.controllerLeading);
    return existsSync(f) ? Date.now() - statSync(f).mtimeMs : Number.POSITIVE_INFINITY;
  };
  const ages = new Map(model.database.controllers.map((h) => [h, age(h)]));
  // (a stable sort: equal ages, markerless hosts among them, keep the design's order)
  return [...model.database.controllers].sort((a, b) => (ages.get(a)! === ages.get(b)! ? 0 : ages.get(a)! < ages.get(b)! ? -1 : 1));
}

/** The host of the controller that leads now (or led last), else the first controller host; null without controllers. */
export function leadingController(lab: string, model: Model): string | null {
  return controllersByLead(lab, model)[0] ?? null;
}

/**
 * Calls the leading controller through its unix socket. Under load a leader's marker can be seconds old, and the
 * host it names may by then stand by: a controller that answers it stands by (409) is skipped for the next one
 * whose host is up, as is one whose socket does not answer. Throws the last refusal when none leads (or gives
 * `null` when no controller host is up).
 */
export async function callLeadingController<T>(state: LabState, model: Model, method: "GET" | "POST", path: string, body: unknown, timeoutMs: number): Promise<T | null> {
  let refused: unknown = null;
  for (const host of controllersByLead(state.name, model)) {
    if (!isAlive(state.hosts.find((h) => h.name === host)?.init)) continue;
    try {
      return await callJson<T>({ socketPath: hostPath(state.name, host, FAILOVER_PATHS.controllerSocket) }, method, path, body, timeoutMs);
    } catch (e) {
      // (a standby, or a controller not running on a host that is up: the next one may lead)
      const code = (e as NodeJS.ErrnoException).code;
      if ((e instanceof HttpError && e.status === 409 && /stands by/.test(e.message)) || code === "ENOENT" || code === "ECONNREFUSED") {
        // (a standby's refusal says more than a socket that did not answer)
        if (e instanceof HttpError || !refused) refused = e;
        continue;
      }
      throw e;
    }
  }
  if (refused) throw refused;
  return null;
}

/** A recorder writing the CLI's steps to the lab's event log. */
export function cliRecorder(lab: string): StepRecorder {
  return (step, message, data) => recordEvent(lab, { kind: "failover", message, source: "cli", data: { step, ...data }, ...(typeof data?.host === "string" ? { host: data.host } : {}) });
}

/** Looks at one database server through its host's local socket (as root), whatever the agents say. */
export async function observeServer(state: LabState, host: string): Promise<DbObservation> {
  const hs = state.hosts.find((h) => h.name === host);
  const at = monoNow();
  if (!hs || !isAlive(hs.init)) return downObservation(at, "host is down");
  try {
    const [vars] = parseBatch(await sql(hs.init!.pid, `${OBSERVE_SQL.variables};`, { columnNames: true, timeoutMs: 5000 }));
    const status = nameValues(parseBatch(await sql(hs.init!.pid, `${OBSERVE_SQL.semisync};`, { columnNames: true, timeoutMs: 5000 })));
    const [replica] = parseBatch(await sql(hs.init!.pid, `${OBSERVE_SQL.replica};`, { columnNames: true, timeoutMs: 5000 }));
    return toObservation(at, vars ?? {}, status, replica ?? null);
  } catch (e) {
    return downObservation(at, e instanceof Error ? e.message.split("\n").slice(-1)[0]! : String(e));
  }
}

/** One server of a database proxy's backends as HAProxy sees it. */
export interface ProxyServer {
  backend: string;
  server: string;
  /** UP, DOWN, MAINT, no check... */
  status: string;
  /** The last check's outcome in HAProxy's words. */
  check: string;
}

/** Asks a database proxy's admin socket for its servers' states. */
export function proxyServers(lab: string, host: string, timeoutMs = 2000): Promise<ProxyServer[]> {
  return new Promise((resolve, reject) => {
    const sock = connect(hostPath(lab, host, DB_PROXY_FILES.adminSocket));
    let out = "";
    const timer = setTimeout(() => sock.destroy(new Error("no answer from the proxy's admin socket")), timeoutMs);
    sock.on("connect", () => sock.write("show stat\n"));
    sock.on("data", (d: Buffer) => (out += d.toString("utf8")));
    sock.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on("close", () => {
      clearTimeout(timer);
      const lines = out.split("\n").filter(Boolean);
      const header = (lines[0] ?? "").replace(/^# /, "").split(",");
      const col = (row: string[], name: string) => row[header.indexOf(name)] ?? "";
      resolve(
        lines
          .slice(1)
          .map((l) => l.split(","))
          .filter((r) => !["FRONTEND", "BACKEND"].includes(col(r, "svname")))
          .map((r) => ({
            backend: col(r, "pxname"),
            server: col(r, "svname"),
            status: col(r, "status"),
            check: [col(r, "check_status"), col(r, "check_desc") || col(r, "last_chk")].filter(Boolean).join(" "),
          })),
      );
    });
  });
}

/** Everything `stacklab db status` shows. */
export interface DbStatus {
  lab: string;
  replication: Model["database"]["replication"];
  failover: Model["database"]["failover"];
  controllerHost: string | null;
  /** The server taking writes now (null: none, or more than one: see `writable`). */
  primary: string | null;
  writable: string[];
  servers: {
    host: string;
    address: string;
    hostUp: boolean;
    role: "primary" | "replica" | "read-only" | "down";
    db: DbObservation;
    agent: AgentStatus | { error: string } | null;
  }[];
  proxies: { host: string; servers: ProxyServer[] | { error: string } }[];
  controller: ControllerState | { error: string } | null;
  /** Transactions only a diverged server held, saved to files of the lab before it was rebuilt. */
  saved: SavedTransactions[];
}

/** Gathers the database tier's status: servers, agents, proxies, controller. */
export async function dbStatus(state: LabState, model: Model): Promise<DbStatus> {
  const lab = state.name;
  const agents = hasDbAgents(model) ? labAgentClient(lab) : null;
  const dbs = hostsWithRole(model, "db");
  const servers = await Promise.all(
    dbs.map(async (h) => {
      const hostUp = isAlive(state.hosts.find((x) => x.name === h.name)?.init);
      const [db, agent] = await Promise.all([
        observeServer(state, h.name),
        agents && hostUp ? agents.status(h.name).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) })) : Promise.resolve(null),
      ]);
      const role: DbStatus["servers"][number]["role"] = !db.up ? "down" : !db.readOnly ? "primary" : db.replica ? "replica" : "read-only";
      return { host: h.name, address: privateAddress(h), hostUp, role, db, agent };
    }),
  );
  const proxyHosts = model.services.filter((s) => s.kind === "db-proxy").map((s) => s.host);
  const proxies = await Promise.all(
    proxyHosts.map(async (host) => ({
      host,
      servers: isAlive(state.hosts.find((x) => x.name === host)?.init)
        ? await proxyServers(lab, host).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }))
        : { error: "host is down" },
    })),
  );
  const leading = leadingController(lab, model);
  const target: CallTarget | null = leading ? { socketPath: hostPath(lab, leading, FAILOVER_PATHS.controllerSocket) } : null;
  const controller = target ? await callJson<ControllerState>(target, "GET", "/state", undefined, 2000).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) })) : null;
  const writable = servers.filter((s) => s.role === "primary").map((s) => s.host);
  return {
    lab,
    replication: model.database.replication,
    failover: model.database.failover,
    controllerHost: leadingController(lab, model),
    primary: writable.length === 1 ? writable[0]! : null,
    writable,
    servers,
    proxies,
    controller,
    saved: savedTransactions(
      lab,
      dbs.map((h) => h.name),
    ),
  };
}
