// The lab's networks: a switch namespace holding two bridges, one veth per host link, addresses from the model.
import type { Model } from "../model/types.js";
import { closeSync, existsSync, openSync } from "node:fs";
import { join } from "node:path";
import { run } from "./exec.js";
import { isRootless } from "./rootless/mode.js";
import { BRIDGES, hostNetns, switchNetns, switchPort } from "./paths.js";

/** Mark put on every link stacklab creates (`ip link` alias), so `clean` can tell them apart. */
export function linkMark(lab: string, host: string): string {
  return `stacklab:${lab}:${host}`;
}

/**
 * Creates named network namespaces. As root, `ip netns add`. Rootless, `ip netns add` cannot return to the
 * machine's network namespace (owned by the real root) after making one, and fails; `unshare --net=FILE`
 * makes the same bind-mounted namespace file in the keeper's private /run/netns without going back.
 */
async function addNamespaces(names: string[]): Promise<void> {
  if (!isRootless()) {
    await run(["ip", "-batch", "-"], { input: names.map((ns) => `netns add ${ns}\n`).join("") });
    return;
  }
  for (const ns of names) {
    const file = join("/run/netns", ns);
    if (existsSync(file)) throw new Error(`network namespace ${ns} already exists`);
    closeSync(openSync(file, "wx", 0o444));
    await run(["unshare", `--net=${file}`, "true"]);
  }
}

/** The switch-side port names of each host's links, in model order. */
export function hostPorts(model: Model): Map<string, string[]> {
  return new Map(model.hosts.map((h, i) => [h.name, h.interfaces.map((iface) => switchPort(i, iface.ifname))]));
}

/** Creates the namespaces, bridges and links of a lab, and configures every address. Returns each host's switch ports. */
export async function createNetwork(lab: string, model: Model): Promise<Map<string, string[]>> {
  const sw = switchNetns(lab);
  const namespaces = [sw, ...model.hosts.map((h) => hostNetns(lab, h.name))];
  await addNamespaces(namespaces);

  const lines: string[] = ["link set lo up"];
  for (const br of Object.values(BRIDGES)) {
    // No STP and no forwarding delay: ports forward at once, like a plain switch.
    lines.push(`link add ${br} type bridge stp_state 0 forward_delay 0`, `link set ${br} up`);
  }
  model.hosts.forEach((h, i) => {
    for (const iface of h.interfaces) {
      const port = switchPort(i, iface.ifname);
      lines.push(
        `link add ${port} type veth peer name ${iface.ifname} netns ${hostNetns(lab, h.name)}`,
        `link set ${port} alias ${linkMark(lab, h.name)}`,
        `link set ${port} master ${BRIDGES[iface.network]}`,
        `link set ${port} up`,
      );
    }
  });
  await run(["ip", "-n", sw, "-batch", "-"], { input: lines.map((l) => `${l}\n`).join("") });

  await Promise.all(model.hosts.map((h) => configureHostLinks(lab, h)));
  return hostPorts(model);
}

function configureHostLinks(lab: string, h: Model["hosts"][number]) {
  const hl = ["link set lo up"];
  for (const iface of h.interfaces) {
    hl.push(`link set ${iface.ifname} alias ${linkMark(lab, h.name)}`, `addr add ${iface.address}/${iface.prefix} dev ${iface.ifname}`, `link set ${iface.ifname} up`);
  }
  return run(["ip", "-n", hostNetns(lab, h.name), "-batch", "-"], { input: hl.map((l) => `${l}\n`).join("") });
}

/** Adds one host to a running lab's networks (a scale-up): its namespace and links, under switch ports not yet used. */
export async function addHostNetwork(lab: string, host: Model["hosts"][number], usedPorts: string[]): Promise<string[]> {
  const used = new Set(usedPorts.map((p) => Number(/^h(\d+)-/.exec(p)?.[1] ?? -1)));
  let index = 0;
  while (used.has(index)) index++;
  const ns = hostNetns(lab, host.name);
  await addNamespaces([ns]);
  const ports = host.interfaces.map((iface) => switchPort(index, iface.ifname));
  const lines = host.interfaces.flatMap((iface, i) => [
    `link add ${ports[i]} type veth peer name ${iface.ifname} netns ${ns}`,
    `link set ${ports[i]} alias ${linkMark(lab, host.name)}`,
    `link set ${ports[i]} master ${BRIDGES[iface.network]}`,
    `link set ${ports[i]} up`,
  ]);
  await run(["ip", "-n", switchNetns(lab), "-batch", "-"], { input: lines.map((l) => `${l}\n`).join("") });
  await configureHostLinks(lab, host);
  return ports;
}

/** Takes a host's links down (or up) on both ends: a crashed host stops answering ARP at once. */
export async function setHostLinks(lab: string, model: Model, host: string, up: boolean, recorded?: string[]): Promise<void> {
  const ports = recorded?.length ? recorded : (hostPorts(model).get(host) ?? []);
  const h = model.hosts.find((x) => x.name === host);
  const state = up ? "up" : "down";
  await Promise.all([
    ports.length ? run(["ip", "-n", switchNetns(lab), "-batch", "-"], { input: ports.map((p) => `link set ${p} ${state}\n`).join(""), check: false }) : undefined,
    h ? run(["ip", "-n", hostNetns(lab, host), "-batch", "-"], { input: h.interfaces.map((i) => `link set ${i.ifname} ${state}\n`).join(""), check: false }) : undefined,
  ]);
}

/** Deletes namespaces (and with them every link inside); missing ones are ignored. */
export async function deleteNamespaces(names: string[]): Promise<void> {
  if (!names.length) return;
  await run(["ip", "-force", "-batch", "-"], { input: names.map((n) => `netns delete ${n}\n`).join(""), check: false });
}

/** Network namespaces on this machine whose names carry stacklab's prefix. */
export async function listStacklabNamespaces(prefix: string): Promise<string[]> {
  const r = await run(["ip", "-json", "netns", "list"], { check: false });
  if (r.code !== 0 || !r.stdout.trim()) return [];
  return (JSON.parse(r.stdout) as { name: string }[]).map((n) => n.name).filter((n) => n.startsWith(prefix));
}
