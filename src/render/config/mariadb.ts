// my.cnf for a database host: GTID replication ready on every db host, read-only on replicas, semi-sync when asked.
import { TLS12_CIPHERS } from "./tls-policy.js";
import { PORTS, type Host, type Model } from "../../model/index.js";
import { header, hostsWithRole, privateAddress, text } from "./common.js";
import { ETCD_TIMING } from "./etcd.js";
import { TLS_FILES } from "./paths.js";
import type { RenderedFile } from "./types.js";

/** Where mariadbd writes its pid (the database agent reads it to stop MariaDB at once when it fences itself). */
export const MARIADB_PID_FILE = "/run/mysqld/mysqld.pid";

/**
 * How long (ms) a primary waits for a replica's acknowledgement before semi-sync falls back to async (and would
 * acknowledge the commit to its client). A primary cut off from the controller and its replica fences itself
 * first (TIMING.selfFenceSilenceMs, about 0.5 to 0.8 s in); 1 s left too little margin on a loaded machine:
 * the suite once saw an acknowledged write lost when the fence came late. The cost: writes wait up to 3 s once
 * when a replica dies.
 */
export const SEMISYNC_TIMEOUT_MS = 3000;

/**
 * The semi-sync timeout of a design's primaries. With the primary lease, a primary cut off from etcd may stay
 * writable until its hold runs out (up to TTL - margin = 4 s after its last renewal was sent) and fences itself
 * within a renewal period after: a commit it took must not fall back to asynchronous (and be acknowledged without
 * a replica, which may have been promoted meanwhile) before that, so the timeout is the lease's TTL plus 1 s. The
 * cost: with the lease, writes wait up to 6 s once when the replica dies without closing its connection.
 */
export function semisyncTimeoutMs(model: Model): number {
  return model.database.primaryLease ? ETCD_TIMING.primaryLeaseTtlS * 1000 + 1000 : SEMISYNC_TIMEOUT_MS;
}

/** MariaDB's server_id for a db host: its 1-based rank among the db hosts. */
export function serverId(model: Model, host: Host): number {
  const rank = hostsWithRole(model, "db").findIndex((h) => h.name === host.name);
  if (rank < 0) throw new Error(`host ${host.name} has no db role`);
  return rank + 1;
}

/** Renders /etc/mysql/my.cnf for a db host: complete, with no include of Debian's files. */
export function renderMariadb(model: Model, host: Host): RenderedFile {
  const db = model.database;
  const isPrimary = db.primary === host.name;
  const role = isPrimary ? "the primary" : `a replica of ${db.primary ?? "the primary"}`;
  const lines = [
    header(model),
    `# MariaDB on ${host.name}, ${role}. Every db host writes a binary log with GTIDs, so`,
    "# any replica can be promoted and the others can follow it from the right position.",
    "",
    "[client]",
    "socket = /run/mysqld/mysqld.sock",
    "",
    "[mysqld]",
    "datadir = /var/lib/mysql",
    "socket = /run/mysqld/mysqld.sock",
    `pid_file = ${MARIADB_PID_FILE}`,
    "log_error = /var/log/mysql/error.log",
    `bind_address = ${privateAddress(host)}`,
    `port = ${PORTS.mysql}`,
    "# accounts are matched by address: no DNS lookups on connect",
    "skip_name_resolve = ON",
    "character_set_server = utf8mb4",
    "collation_server = utf8mb4_general_ci",
    "# small footprint: a whole lab shares one machine. The defaults of the MyISAM key cache (128M), the Aria page",
    "# cache (128M) and the redo log buffer (16M) are touched at start: about 36 MB of memory per server at rest",
    "# for tables this design never has (MyISAM) or barely uses (Aria: internal temporary tables)",
    "innodb_buffer_pool_size = 64M",
    "innodb_log_buffer_size = 2M",
    "key_buffer_size = 1M",
    "aria_pagecache_buffer_size = 4M",
    "# a small redo log: quick to create, copy and delete in a throwaway lab",
    "innodb_log_file_size = 8M",
    "performance_schema = OFF",
    "max_connections = 200",
    "table_open_cache = 400",
    "# within the lab's descriptor limit (20000), so the server does not warn at every start",
    "open_files_limit = 4096",
    "",
    "# replication",
    `server_id = ${serverId(model, host)}`,
    `report_host = ${host.name}`,
    "log_bin = mysql-bin",
    "relay_log = relay-bin",
    "log_slave_updates = ON",
    "binlog_format = ROW",
    "gtid_strict_mode = ON",
    "# a replica notices a silent primary within 10 s (heartbeats every 5 s)",
    "slave_net_timeout = 10",
    ...(db.replicas.length
      ? [
          "# every server starts read-only, the primary included: only the design's first start (its agent)",
          "# or a promotion makes one writable, so a crashed primary that comes back never takes writes",
          "# until it has rejoined as a replica",
          "read_only = ON",
          "# crash recovery as a replica: transactions in the binary log that no replica acknowledged",
          "# (and so no client saw committed) are rolled back and cut from the log, so the server can",
          "# follow the new primary without holding writes nobody else has",
          "init_rpl_role = SLAVE",
        ]
      : []),
    ...(db.replication === "semisync" ? semisync(model) : []),
    ...(model.tls.internal ? tls() : []),
  ];
  return { path: "/etc/mysql/my.cnf", content: text(lines) };
}

function semisync(model: Model): string[] {
  return [
    "",
    "# semi-synchronous replication, on both sides on every db host so that any of them can be primary",
    "rpl_semi_sync_master_enabled = ON",
    "rpl_semi_sync_slave_enabled = ON",
    "# wait for a replica before the commit becomes visible (lossless failover)",
    "rpl_semi_sync_master_wait_point = AFTER_SYNC",
    `rpl_semi_sync_master_timeout = ${semisyncTimeoutMs(model)}`,
    "# with no replica connected at all (right after a failover), commit at once instead of stalling",
    "# every write for the timeout; the failover controller then knows no replica is in sync",
    "rpl_semi_sync_master_wait_no_slave = OFF",
    "# a replica that stops tries to end its dump thread on the primary: give up on a dead one after 1 s",
    "rpl_semi_sync_slave_kill_conn_timeout = 1",
  ];
}

function tls(): string[] {
  return [
    "",
    "# TLS for the app and for replication; plain TCP connections are refused",
    `ssl_ca = ${TLS_FILES.ca}`,
    `ssl_cert = ${TLS_FILES.hostCert}`,
    `ssl_key = ${TLS_FILES.hostKey}`,
    "# the lab's TLS policy: TLS 1.2 and 1.3, forward-secret AEAD suites only",
    "tls_version = TLSv1.2,TLSv1.3",
    `ssl_cipher = ${TLS12_CIPHERS}`,
    "require_secure_transport = ON",
  ];
}
