// Host references in scenarios and fault commands: a host's name, or a role resolved on the running design
// ("active-lb" = whoever holds the floating IP now, "primary-db" = the writable database, "leading-controller" = the
// failover controller that decides now), so one scenario
// runs on any design.
import type { Model, Role } from "../model/types.js";
import { UsageError } from "../spec/errors.js";
import { run } from "../runtime/exec.js";
import { readEvents } from "../runtime/events.js";
import { sql } from "../runtime/replication.js";
import { isAlive, type LabState } from "../runtime/state.js";
import { leadingController } from "../failover/lab.js";

/** A reference that names no host on this design (no load balancer to kill on design 0): the step does not apply. */
export class NotApplicableError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = "NotApplicableError";
  }
}

/** Facts about the running lab that role references depend on. */
export interface LiveRoles {
  /** Floating address -> host holding it now. */
  holders: Record<string, string>;
  /** The writable database host(s), in model order. */
  writable: string[];
  /** The database primary: the one writable host, or the failover controller's latest choice among several. */
  primary: string | null;
  /** The host of the failover controller that leads now (absent: the design's first controller host). */
  controller?: string | null;
}

const ROLES: Role[] = ["lb", "web", "app", "db", "dns", "user", "monitor"];

/** Every role reference a scenario may use, with what it means. */
export const ROLE_REFERENCES: Record<string, string> = {
  "active-lb": "the load balancer holding the floating IP (or the only one)",
  "standby-lb": "a load balancer not holding the floating IP",
  entry: "the host receiving users' traffic (active load balancer, or the server itself)",
  "primary-db": "the database host accepting writes",
  "replica-db": "the first database host that is not the primary",
  "leading-controller": "the host of the failover controller that leads now (with etcd, the holder of the leader lease; also an etcd member's host)",
  server: "the first server that is not a load balancer",
  ...Object.fromEntries(ROLES.map((r) => [r, `the first host with role ${r}`])),
  ...Object.fromEntries(ROLES.map((r) => [`all-${r}`, `every host with role ${r}`])),
};

function withRole(model: Model, role: Role): string[] {
  return model.hosts.filter((h) => h.roles.includes(role)).map((h) => h.name);
}

function one(list: string[], what: string): string[] {
  if (!list.length) throw new NotApplicableError(`this design has no ${what}`);
  return [list[0]!];
}

/** Resolves one reference to host names; throws UsageError for an unknown name, NotApplicableError when the design has no such host. */
export function resolveTarget(ref: string, model: Model, live: LiveRoles): string[] {
  if (model.hosts.some((h) => h.name === ref)) return [ref];
  const lbs = withRole(model, "lb");
  const entry = model.entryPoints[0];
  const active = entry ? (live.holders[entry.address] ?? entry.holders[0]!) : undefined;
  switch (ref) {
    case "active-lb":
      return one(active && lbs.includes(active) ? [active] : lbs, "load balancer");
    case "standby-lb":
      return one(
        lbs.filter((h) => h !== active),
        "standby load balancer",
      );
    case "entry":
      return one(active ? [active] : [], "entry point");
    case "primary-db":
      return one(live.primary ? [live.primary] : model.database.primary ? [model.database.primary] : [], "database");
    case "replica-db": {
      const primary = live.primary ?? model.database.primary;
      return one(
        withRole(model, "db").filter((h) => h !== primary),
        "database replica",
      );
    }
    case "leading-controller":
      return one(live.controller ? [live.controller] : model.database.controllers, "failover controller");
    case "server":
      return one(
        model.hosts.filter((h) => h.kind === "server" && !h.roles.includes("lb")).map((h) => h.name),
        "server behind a load balancer",
      );
  }
  const role = ROLES.find((r) => r === ref || `all-${r}` === ref);
  if (role) {
    const hosts = withRole(model, role);
    return ref.startsWith("all-") ? (one(hosts, `host with role ${role}`), hosts) : one(hosts, `host with role ${role}`);
  }
  throw new UsageError(`"${ref}" is neither a host of this design (${model.hosts.map((h) => h.name).join(", ")}) nor a role reference (${Object.keys(ROLE_REFERENCES).join(", ")})`);
}

/** True when a reference is a role reference rather than a host name. */
export function isRoleReference(ref: string): boolean {
  return ref in ROLE_REFERENCES;
}

function initPid(state: LabState, host: string): number | undefined {
  const h = state.hosts.find((x) => x.name === host);
  return h && isAlive(h.init) ? h.init!.pid : undefined;
}

/** Asks the running lab who holds each floating IP and which database hosts accept writes (`SELECT @@read_only`). */
export async function liveRoles(state: LabState, model: Model): Promise<LiveRoles> {
  const holders: Record<string, string> = {};
  const floating = model.entryPoints.filter((e) => e.kind === "floating");
  await Promise.all(
    [...new Set(floating.flatMap((e) => e.holders))].map(async (host) => {
      const ns = state.hosts.find((h) => h.name === host)?.netns;
      if (!ns || !initPid(state, host)) return;
      const r = await run(["ip", "-n", ns, "-4", "-o", "addr", "show"], { check: false, timeoutMs: 3000 });
      for (const e of floating) if (r.stdout.includes(` ${e.address}/`)) holders[e.address] = host;
    }),
  );
  const dbs = withRole(model, "db");
  const ro = await Promise.all(
    dbs.map(async (host) => {
      const pid = initPid(state, host);
      if (!pid) return null;
      try {
        return (await sql(pid, "SELECT @@read_only;", { timeoutMs: 3000 })).trim();
      } catch {
        return null;
      }
    }),
  );
  const writable = dbs.filter((_, i) => ro[i] === "0");
  return { holders, writable, primary: choosePrimary(writable, state.name), controller: leadingController(state.name, model) };
}

/** The primary among writable hosts: the only one, or the failover controller's latest promotion when several accept writes. */
function choosePrimary(writable: string[], lab: string): string | null {
  if (writable.length <= 1) return writable[0] ?? null;
  const promoted = readEvents(lab)
    .filter((e) => e.kind === "failover")
    .map((e) => (e.data?.primary ?? e.data?.newPrimary ?? e.data?.to) as string | undefined)
    .filter((h): h is string => typeof h === "string" && writable.includes(h));
  return promoted[promoted.length - 1] ?? writable[0]!;
}
