// What runs inside each host, read with one command per host: listening sockets (ss), addresses (ip) and processes (ps).
import type { AuditContext } from "./context.js";

/** A socket that accepts connections or datagrams; address "*" listens on every address of the host. */
export interface Listener {
  transport: "tcp" | "udp";
  address: string;
  port: number;
}

export interface Proc {
  pid: number;
  ppid: number;
  user: string;
  args: string;
}

export interface HostInventory {
  host: string;
  listeners: Listener[];
  /** IPv4 addresses configured on the host's interfaces (floating IPs it holds included). */
  addresses: { address: string; prefix: number }[];
  processes: Proc[];
}

const SEP = "@@stacklab-audit@@";

/** The shell command that prints a host's inventory, in three sections. */
export const INVENTORY_SCRIPT = `ss -H -ltnu; echo ${SEP}; ip -4 -o addr show scope global; echo ${SEP}; ps -eo pid=,ppid=,user:32=,args=`;

/** Parses `ss -H -ltnu` lines into listeners (IPv6-only and unparsable lines are left out). */
export function parseSs(out: string): Listener[] {
  const listeners: Listener[] = [];
  for (const line of out.split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5 || (cols[0] !== "tcp" && cols[0] !== "udp")) continue;
    const local = cols[4]!;
    const colon = local.lastIndexOf(":");
    const port = Number(local.slice(colon + 1));
    let address = local.slice(0, colon).replace(/%.*$/, "");
    if (address === "*" || address === "0.0.0.0" || address === "[::]") address = "*";
    else if (address.startsWith("[")) {
      const mapped = /^\[::ffff:(\d+\.\d+\.\d+\.\d+)\]$/.exec(address);
      if (!mapped) continue;
      address = mapped[1]!;
    }
    if (!Number.isInteger(port) || port <= 0) continue;
    const listener = { transport: cols[0], address, port } as Listener;
    if (!listeners.some((l) => l.transport === listener.transport && l.address === listener.address && l.port === listener.port)) listeners.push(listener);
  }
  return listeners;
}

/** Parses `ip -4 -o addr show` lines into addresses with their prefix lengths. */
export function parseAddresses(out: string): { address: string; prefix: number }[] {
  return [...out.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\/(\d+)/g)].map((m) => ({ address: m[1]!, prefix: Number(m[2]) }));
}

/** Parses `ps -eo pid=,ppid=,user:32=,args=` lines. */
export function parsePs(out: string): Proc[] {
  return out
    .split("\n")
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), user: m[3]!, args: m[4]!.trim() }));
}

/** Reads one host's inventory. */
export async function readInventory(ctx: AuditContext, host: string): Promise<HostInventory> {
  const r = await ctx.inHost(host, ["sh", "-c", INVENTORY_SCRIPT]);
  const [ss = "", ip = "", ps = ""] = r.stdout.split(`${SEP}\n`);
  // The inventory's own processes (sh, ps) are not the host's.
  const processes = parsePs(ps).filter((p) => !p.args.startsWith("ps -eo") && !p.args.includes(SEP));
  return { host, listeners: parseSs(ss), addresses: parseAddresses(ip), processes };
}

/** Reads the inventory of every host that is up, in model order. */
export async function readInventories(ctx: AuditContext): Promise<Map<string, HostInventory>> {
  const hosts = ctx.model.hosts.filter((h) => ctx.isUp(h.name));
  const all = await Promise.all(hosts.map((h) => readInventory(ctx, h.name)));
  return new Map(all.map((i) => [i.host, i]));
}
