// Section "The database": primary and replicas, what they mean for the application, replication and failover.
import { PORTS } from "../model/index.js";
import { ETCD_TIMING } from "../render/config/etcd.js";
import { addressOf, list, names, rolesOf, type Facts } from "./facts.js";
import type { Block, Section } from "./types.js";

/** Explains the database layout with this design's hosts: who takes writes, where reads go, how copies follow. */
export function databaseSection(f: Facts): Section {
  const db = f.model.database;
  const title = "The database: primary and replica";
  if (!db.primary || !f.usesDatabase)
    return {
      id: "database",
      title,
      blocks: [{ kind: "paragraph", text: `This design has no database in use: the application keeps no data that must outlive a request, so there is nothing to replicate.` }],
    };
  const primary = f.host(db.primary);
  const port = f.flow("app-db")?.port ?? PORTS.mysql;
  const apps = names(f.withRole("app"));
  if (db.replicas.length === 0)
    return {
      id: "database",
      title,
      blocks: [
        {
          kind: "paragraph",
          text:
            `There is one database server: MariaDB on ${primary.name} (${addressOf(primary, "private")}, port ${port}). Every read and every write of the application (on ${apps}) goes to it. ` +
            `There is no replica, so no second copy of the data on another machine: while ${primary.name} is down the application can neither read nor write, and if its disk is lost, the data is gone except for whatever backups exist.`,
        },
        {
          kind: "paragraph",
          text:
            `The usual next step is a primary-replica pair: one server (the primary) takes every write and records each change in its binary log; ` +
            `another (the replica) follows that log and replays the changes on its own copy. The application then sends writes to the primary and may send reads to the replica, ` +
            `and if the primary dies the replica can be promoted to take its place.`,
        },
        ...sharing(f),
      ],
    };
  const replicas = db.replicas.map((r) => f.host(r));
  const blocks: Block[] = [
    {
      kind: "paragraph",
      text:
        `${primary.name} (${addressOf(primary, "private")}) is the primary: the only server that accepts writes (INSERT, UPDATE, DELETE). It records every change it commits in its binary log. ` +
        `${list(replicas.map((r) => `${r.name} (${addressOf(r, "private")})`))} ${replicas.length === 1 ? "is a replica: it keeps" : "are replicas: each keeps"} a connection open to ${primary.name} on port ${port}, ` +
        `streams that log and replays each change on its own copy of the data. Replicas are read-only.`,
    },
    {
      kind: "paragraph",
      text:
        `For the application on ${apps} this means: every write must go to ${primary.name}. Reads can go to ${names(replicas)}, which ${replicas.length === 1 ? "takes" : "take"} load off the primary. ` +
        `But a replica applies changes a little after the primary has made them; that delay is the replication lag, usually milliseconds, longer when the replica is busy. ` +
        `A visitor who has just posted something and reloads at once might not see it if the read hits a replica that is behind, so reads that must see the latest data should go to the primary.`,
    },
    { kind: "paragraph", text: replicationText(f) },
    { kind: "paragraph", text: failoverText(f) },
    ...sharing(f),
  ];
  return { id: "database", title, blocks };
}

function replicationText(f: Facts): string {
  const { primary, replication } = f.model.database;
  if (replication === "semisync")
    return (
      `Replication here is semi-synchronous: before ${primary} tells the application a commit succeeded, it waits until a replica confirms it has received the change (stored it, not necessarily applied it yet). ` +
      `An acknowledged write therefore exists on two machines and survives the loss of the primary. The cost is one network round trip added to every commit, ` +
      `and if no replica answers within a timeout (10 seconds by default in MariaDB) the primary quietly falls back to asynchronous replication until one catches up.`
    );
  return (
    `Replication here is asynchronous: ${primary} confirms a commit to the application as soon as it is stored locally, without waiting for any replica. ` +
    `Writes are fast and a slow replica never holds them up, but if the primary dies, the last changes it confirmed may not have reached a replica yet, and they are lost if that replica is promoted. ` +
    `Semi-synchronous replication (the primary waits until a replica has received each change) closes that gap at the price of a round trip per commit.`
  );
}

function failoverText(f: Facts): string {
  const { primary, replicas, failover, controller, controllers, etcd } = f.model.database;
  if (failover === "automatic" && etcd.length)
    return (
      `Failover is automatic, with no single controller: a failover controller runs on each of ${names(controllers)}, beside the ${etcd.length} members of an etcd cluster (ports ${PORTS.etcdClient} and ${PORTS.etcdPeer}, TLS from the lab CA). ` +
      `Only the controller holding the leader key in etcd acts; the key lives on a ${ETCD_TIMING.leaseTtlS}-second lease that its holder keeps renewing, and a holder that cannot renew stops acting before the lease can run out, so another takes over. ` +
      `Any one of those hosts may fail: the other ${etcd.length - 1} keep etcd's quorum of ${Math.floor(etcd.length / 2) + 1}. ` +
      `The leader watches ${primary}; when it stops answering, it promotes ${replicas.length === 1 ? replicas[0] : `the most up-to-date of ${names(replicas)}`} (only if it holds every acknowledged write) and points the application at it, within seconds.` +
      (f.model.database.primaryLease
        ? ` The primary holds a lease of its own (the Patroni pattern): its server takes writes only while its agent holds the primary key in etcd, on a ${ETCD_TIMING.primaryLeaseTtlS}-second lease it keeps renewing. A primary cut off from etcd turns itself read-only before the lease can run out, and a replica becomes writable only by taking the key, so no partition can leave two servers taking writes. The price: while etcd has no quorum, no server takes writes.`
        : "")
    );
  if (failover === "automatic")
    return (
      `Failover is automatic: the failover controller on ${controller ?? "a control host"} (port ${PORTS.controller}) watches ${primary}. When ${primary} stops answering, it promotes ${replicas.length === 1 ? replicas[0] : `the most up-to-date of ${names(replicas)}`} to primary and points the application at it, within seconds. ` +
      `It must be sure the old primary is really gone, and keep it from coming back as a second primary, or two servers would accept writes and the data would split.`
    );
  return (
    `Failover is manual: if ${primary} fails, nothing happens by itself. Reads can still be served by ${names(replicas)}, but every write fails until someone promotes a replica ` +
    `(stops its replication, makes it writable) and points the application at it. Until then ${primary} is a single point of failure for writes.`
  );
}

/** A note when the database shares its machine with other roles. */
function sharing(f: Facts): Block[] {
  const shared = f.withRole("db").filter((h) => h.roles.length > 1);
  if (!shared.length) return [];
  const h = shared[0]!;
  return [
    {
      kind: "paragraph",
      text:
        `${names(shared)} ${shared.length === 1 ? "is" : "are each"} also ${list(h.roles.filter((r) => r !== "db").map((r) => (r === "web" ? "a web server" : r === "app" ? "an application server" : r)))}: ` +
        `the database competes with them for CPU, memory and disk, and losing ${h.name} takes its ${rolesOf(h)} down together.`,
    },
  ];
}
