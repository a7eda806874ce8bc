// Section "Active-active or active-passive?": what this design is, and the difference between the two.
import { list, names, type Facts } from "./facts.js";
import type { Block, Section } from "./types.js";

/** Says whether the load balancers are active-active, active-passive or neither, and explains both terms. */
export function redundancySection(f: Facts): Section {
  const blocks: Block[] = [{ kind: "paragraph", text: verdict(f) }];
  const tiers = tierNotes(f);
  if (tiers.length) blocks.push({ kind: "paragraph", text: tiers.join(" ") });
  blocks.push({
    kind: "paragraph",
    text:
      `The difference: in an active-active setup every member serves traffic at the same time. Their capacity adds up and no machine sits idle, ` +
      `but when one fails the others must absorb its share, so each needs spare room, and anything the members keep (sessions, caches) must work no matter which member a visitor reaches. ` +
      `In an active-passive setup one member serves while another stands by, ready to take over its address or its role when it fails. ` +
      `It is simpler to reason about and the standby is a whole machine's worth of capacity ready for the takeover, but that capacity does no work in normal times, and the switch-over itself takes a moment during which requests can fail.`,
  });
  return { id: "redundancy", title: "Active-active or active-passive?", blocks };
}

function verdict(f: Facts): string {
  const lb = f.model.loadBalancer;
  if (!lb)
    return (
      `Neither: this design has no load balancer, so there is no pair of load balancers to be active-active or active-passive. ` +
      (f.model.entryPoints.length > 1
        ? `Its ${f.model.entryPoints.length} web servers facing the Internet all take visitors at once, through DNS.`
        : `The only way in is ${f.front.name}: if it stops, the site stops.`)
    );
  const [first, ...rest] = lb.hosts;
  if (lb.ha === "single")
    return (
      `Neither. There is one load balancer, ${first}, so there is no second one to share the work with (active-active) or to stand by (active-passive). ` +
      `If ${first} stops, the site is unreachable even though the servers behind it are fine: ${first} is a single point of failure.`
    );
  if (lb.ha === "active-passive") {
    const floating = f.model.entryPoints[0]!;
    return (
      `Active-passive. ${list(lb.hosts)} run the same HAProxy setup, but only the one holding the floating IP ${floating.address} (${first} at start) receives traffic; ${list(rest)} ${rest.length === 1 ? "waits" : "wait"}. ` +
      `keepalived on each of them speaks VRRP (IP protocol 112, neither TCP nor UDP): the holder keeps announcing that it is alive, at a fixed interval. ` +
      `When ${rest.length === 1 ? rest[0] : "a standby"} stops hearing those announcements for a few intervals, it claims the floating IP and starts answering, usually within a few seconds. ` +
      `Visitors keep using the same address; connections that were open through ${first} at that moment are cut, and browsers reconnect.`
    );
  }
  const pairs = f.model.entryPoints.map((e) => `${e.address} on ${e.holders[0]}`);
  return (
    `Active-active. Each load balancer holds its own floating IP (${list(pairs)}) and the ${f.site} record lists them all, so ${list(lb.hosts)} take traffic at the same time. ` +
    `keepalived watches over the addresses with VRRP (IP protocol 112): if a load balancer fails, its address moves to another one, which then carries that share of the traffic too, ` +
    `so each must be able to carry the whole load alone.`
  );
}

/** How the other tiers are arranged, for contrast with the load balancers. */
function tierNotes(f: Facts): string[] {
  const notes: string[] = [];
  const webs = f.withRole("web");
  if (f.model.loadBalancer && webs.length > 1) notes.push(`Behind the load balancer, the web servers ${names(webs)} are all active at once: that tier is active-active.`);
  const db = f.model.database;
  if (db.primary && db.replicas.length)
    notes.push(
      `For writes the database is active-passive: ${db.primary} takes them all and ${names(db.replicas)} ${db.replicas.length === 1 ? "is" : "are"} ready to be promoted ` +
        `(${db.failover === "automatic" ? "automatically" : "by hand"}); for reads, the replicas can work at the same time as the primary.`,
    );
  return notes;
}
