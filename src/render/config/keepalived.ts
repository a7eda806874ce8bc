// keepalived.conf for a load-balancer host of a pair: one VRRP instance per floating IP it may hold.
import type { EntryPoint, Host, Model } from "../../model/index.js";
import { header, hostByName, publicAddress, text } from "./common.js";
import type { RenderedFile } from "./types.js";

/**
 * VRRP advert interval in seconds (VRRPv3 allows centiseconds): a master is declared dead after three missed adverts
 * plus the skew, ~0.7 s. It was 0.1 s (~0.35 s), but on a busy machine a backup whose keepalived waited more than
 * 0.3 s for the CPU declared a live master dead and took the floating IP for a moment (seen at load 8 to 19 on the
 * 2-core lab machine: the audit's probes and the visitors' requests failed for up to 2 s while the address went
 * back and forth). keepalived.conf(5) names the cause ("the master or backup system is too busy to process vrrp
 * packets"); its other remedy, real-time scheduling, needs a real-time CPU budget in the hosts' cgroups.
 */
export const ADVERT_INT = 0.2;
/** virtual_router_id of the first floating IP; the next ones count up from it. */
export const FIRST_VRID = 51;

/** The floating IPs a load-balancer host takes part in. */
export function floatingEntries(model: Model, host: Host): EntryPoint[] {
  return model.entryPoints.filter((e) => e.kind === "floating" && e.holders.includes(host.name));
}

/** Priority of a holder by its rank in the entry's holder list: the first is the initial MASTER. */
export function vrrpPriority(rank: number): number {
  return 200 - 50 * rank;
}

/** Renders /etc/keepalived/keepalived.conf for a load-balancer host with floating IPs. */
export function renderKeepalived(model: Model, host: Host): RenderedFile {
  const entries = floatingEntries(model, host);
  const lines = [
    header(model),
    `# keepalived on ${host.name}: moves ${entries.length === 1 ? "the floating IP" : "the floating IPs"} ${entries.map((e) => e.address).join(", ")} between the load balancers.`,
    "# Adverts are unicast to the peers' public addresses, so nothing depends on multicast.",
    "#",
    "# Not nopreempt: the first holder listed in the design always takes its address back once it is",
    "# healthy again. That costs a second short switchover after a recovery, but the lab always",
    "# returns to the state the design describes, so every experiment starts from the same place.",
    "#",
    "# HAProxy is watched with a script (pgrep, once a second, in the host's own /proc, so only",
    "# this host's HAProxy counts) rather than vrrp_track_process:",
    "# process tracking needs the kernel's process-events connector, which only answers in the",
    "# initial network namespace; inside a lab host it leaves every instance in FAULT.",
    "",
    "global_defs {",
    `    router_id ${host.name}`,
    "    vrrp_version 3",
    "    script_user root",
    "    enable_script_security",
    "}",
    "",
    "vrrp_script chk_haproxy {",
    '    script "/usr/bin/pgrep -x haproxy"',
    "    interval 1",
    "    timeout 1",
    "    fall 1",
    "    rise 1",
    "    # weight 0: a failed check puts the instance in FAULT, which hands the address to a peer",
    "    weight 0",
    "}",
    ...entries.flatMap((e) => ["", ...instance(model, host, e)]),
  ];
  return { path: "/etc/keepalived/keepalived.conf", content: text(lines) };
}

function instance(model: Model, host: Host, entry: EntryPoint): string[] {
  const index = model.entryPoints.filter((e) => e.kind === "floating").indexOf(entry);
  const rank = entry.holders.indexOf(host.name);
  const iface = host.interfaces.find((i) => i.network === "public");
  if (!iface) throw new Error(`load balancer ${host.name} has no public interface`);
  const peers = entry.holders.filter((h) => h !== host.name).map((h) => publicAddress(hostByName(model, h)));
  return [
    `vrrp_instance VIP_${index + 1} {`,
    `    # ${entry.address}: held first by ${entry.holders[0]}${entry.holders.length > 1 ? `, then ${entry.holders.slice(1).join(", ")}` : ""}`,
    `    state ${rank === 0 ? "MASTER" : "BACKUP"}`,
    `    interface ${iface.ifname}`,
    `    virtual_router_id ${FIRST_VRID + index}`,
    `    priority ${vrrpPriority(rank)}`,
    `    advert_int ${ADVERT_INT}`,
    `    unicast_src_ip ${iface.address}`,
    "    unicast_peer {",
    ...peers.map((p) => `        ${p}`),
    "    }",
    "    # gratuitous ARP at once on becoming MASTER, again 1 s later, then every 5 s while MASTER",
    "    garp_master_delay 1",
    "    garp_master_repeat 3",
    "    garp_master_refresh 5",
    "    virtual_ipaddress {",
    `        ${entry.address}/${iface.prefix} dev ${iface.ifname}`,
    "    }",
    "    track_script {",
    "        chk_haproxy",
    "    }",
    "}",
  ];
}
