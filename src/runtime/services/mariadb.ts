// MariaDB: data directory from a cached template, users and schema created locally at each start, GTID replication.
import { chmodSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { run } from "../exec.js";
import { chownTo } from "../host.js";
import { stateRoot } from "../paths.js";
import { isRootless } from "../rootless/mode.js";
import { runScript, type ServiceDef } from "./types.js";

export const mariadb: ServiceDef = {
  kind: "mariadb",
  requires: [
    { binary: "mariadbd", pkg: "mariadb-server", why: "databases", versionArgs: ["--version"] },
    { binary: "mariadb", pkg: "mariadb-client", why: "database setup and checks", versionArgs: ["--version"] },
  ],
  after: [],
  reload: { files: ["/etc/mysql/my.cnf"], restartNeeded: true },
  runScript: () =>
    runScript("mariadb", [
      "mkdir -p /run/mysqld /var/log/mysql && chown mysql:mysql /run/mysqld /var/log/mysql",
      "exec mariadbd --defaults-file=/etc/mysql/my.cnf --user=mysql --init-file=/etc/mysql/init.sql",
    ]),
  prepare: async (ctx) => {
    const datadir = join(ctx.root, "var/lib/mysql");
    if (readdirSync(datadir).length === 0) {
      // (a process, not cpSync: the database hosts' copies go on at once, beside the rest of the preparation; sparse,
      // because most of a fresh data directory is zeros: 6 MB written instead of 26, and as little to free at `down`)
      await run(["cp", "-a", "--sparse=always", "--", `${await templateDatadir()}/.`, datadir]);
      await run(["chown", "-R", "mysql:mysql", datadir]);
    }
    mkdirSync(join(ctx.root, "var/log/mysql"), { recursive: true });
    chownTo(join(ctx.root, "var/log/mysql"), "mysql");
  },
  probe: () => ({
    what: "MariaDB answering `mariadb-admin ping` on its socket",
    argv: ["mariadb-admin", "--socket=/run/mysqld/mysqld.sock", "-uroot", "--connect-timeout=1", "ping"],
    listener: { file: "/run/mysqld/mysqld.sock" },
  }),
  readyTimeoutMs: 30_000,
};

let template: Promise<string> | undefined;

/** A freshly initialised data directory, made once per machine and copied into each database host. */
function templateDatadir(): Promise<string> {
  template ??= (async () => {
    const dir = join(stateRoot(), "cache", "mariadb-datadir-8m");
    if (existsSync(join(dir, "mysql"))) return dir;
    mkdirSync(dir, { recursive: true });
    // mariadb-install-db runs as mysql: the folders above must be traversable and the datadir its own.
    for (const d of [stateRoot(), join(stateRoot(), "cache")]) chmodSync(d, 0o755);
    // Rootless, the state root sits in the user's home, which the mysql user may not traverse: the template is
    // made as root of the lab's user namespace (the user), then handed to mysql. Hosts see theirs at /var/lib/mysql.
    const rootless = isRootless();
    if (!rootless) chownTo(dir, "mysql");
    await run(
      ["mariadb-install-db", "--no-defaults", `--user=${rootless ? "root" : "mysql"}`, `--datadir=${dir}`, "--auth-root-authentication-method=socket", "--skip-test-db", "--innodb-log-file-size=8M"],
      {
        timeoutMs: 60_000,
      },
    );
    if (rootless) await run(["chown", "-R", "mysql:mysql", dir]);
    return dir;
  })();
  return template;
}
