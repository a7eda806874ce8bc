// Problems planted in a running lab for the troubleshooting challenges: each one done the way a careless
// person would do it (an edited config file, a stopped thread, a deleted rule), through the hosts themselves.
import { dbStatus } from "../failover/lab.js";
import type { Model } from "../model/types.js";
import { reloadService } from "../operations/reload.js";
import { inHostCgroup } from "../runtime/cgroups.js";
import { run } from "../runtime/exec.js";
import { enterArgs, runInHost } from "../runtime/host.js";
import { isAlive, type LabState } from "../runtime/state.js";

/** Runs a command in a host of the lab and returns its output; throws with its error output when it fails. */
async function inHost(state: LabState, host: string, argv: string[]): Promise<string> {
  const h = state.hosts.find((x) => x.name === host);
  if (!h?.init || !isAlive(h.init)) throw new Error(`host ${host} is down: the problem cannot be planted`);
  const r = await runInHost(h.init.pid, argv, { check: false, timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`${argv.join(" ")} on ${host} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

function firstWithRole(model: Model, role: string): string {
  const h = model.hosts.find((x) => x.roles.includes(role as never));
  if (!h) throw new Error(`the design has no ${role} host: this problem cannot be planted in it`);
  return h.name;
}

/** A planted problem: what it does to a running lab (never told to the learner). */
export interface Plant {
  apply(state: LabState, model: Model): Promise<void>;
}

/** Where the memory-full plant's RAM disk is mounted in the host, and the file that fills it. */
export const DEBUG_DIR = "/var/log/debug";
/** Memory the memory-full plant leaves to the host's own services: less than MariaDB and the app need together. */
const LEFT_FOR_SERVICES = 64 * 1024 ** 2;

export const PLANTS: Record<string, Plant> = {
  /** The first web server's nginx sends dynamic requests to port 8001, where no app server listens. */
  "web-wrong-port": {
    async apply(state, model) {
      const web = firstWithRole(model, "web");
      const conf = "/etc/nginx/nginx.conf";
      // Every app server line, the fallback ones (backup max_fails=0) included.
      await inHost(state, web, ["sed", "-i", "-E", "s/^(\\s*server [0-9.]+):8000 /\\1:8001 /", conf]);
      const text = await inHost(state, web, ["cat", conf]);
      if (!/:8001 max_fails/.test(text) || /^\s*server [0-9.]+:8000 /m.test(text)) throw new Error(`${web}'s nginx.conf has no app server on port 8000 to change`);
      reloadService(state, model, web, "nginx");
    },
  },
  /** Every replica stops replicating (both threads), as after an operator's STOP SLAVE that was never undone. */
  "replication-stopped": {
    async apply(state, model) {
      const db = await dbStatus(state, model);
      const replicas = db.servers.filter((s) => s.hostUp && s.host !== db.primary).map((s) => s.host);
      if (!db.primary || !replicas.length) throw new Error("the design has no running primary with a replica: this problem cannot be planted in it");
      for (const r of replicas) await inHost(state, r, ["mariadb", "-uroot", "-e", "STOP SLAVE"]);
    },
  },
  /** The first app server's firewall loses the rule that lets the web servers in. */
  "firewall-rule-missing": {
    async apply(state, model) {
      const app = firstWithRole(model, "app");
      const chain = await inHost(state, app, ["nft", "-a", "list", "chain", "inet", "stacklab", "input"]);
      const handle = /comment "flow web-app" # handle (\d+)/.exec(chain)?.[1];
      if (!handle) throw new Error(`${app}'s firewall has no rule for flow web-app to remove`);
      await inHost(state, app, ["nft", "delete", "rule", "inet", "stacklab", "input", "handle", handle]);
    },
  },
  /**
   * The database server's memory is full: a debug trace written to a RAM disk (tmpfs, whose pages count against
   * the host's memory limit and cannot be reclaimed without swap) leaves too little for MariaDB and the app, so the
   * kernel kills them for want of memory again and again. The RAM disk is mounted in the host's own mount
   * namespace, so it goes with the host; the writer runs in the host's cgroup, so the memory is charged to it.
   */
  "memory-full": {
    async apply(state, model) {
      const host = firstWithRole(model, "db");
      const size = model.hosts.find((h) => h.name === host)!.size;
      if (!size) throw new Error(`${host} has no size: without a memory limit its memory cannot be filled`);
      const h = state.hosts.find((x) => x.name === host);
      if (!h?.init || !isAlive(h.init)) throw new Error(`host ${host} is down: the problem cannot be planted`);
      const mb = Math.floor((size.memoryBytes - LEFT_FOR_SERVICES) / 1024 ** 2);
      const script = [
        `mkdir -p ${DEBUG_DIR}`,
        `mountpoint -q ${DEBUG_DIR} || mount -t tmpfs -o size=${mb}m,mode=0755 debug-trace ${DEBUG_DIR}`,
        // dd stops at the RAM disk's size ("No space left on device"): the disk is full, as intended.
        `dd if=/dev/zero of=${DEBUG_DIR}/trace.log bs=1M count=${mb} 2>/dev/null || true`,
        `test "$(du -sm ${DEBUG_DIR} | cut -f1)" -ge ${mb - 8}`,
      ].join(" && ");
      const r = await run(inHostCgroup(state.name, host, [...enterArgs(h.init.pid), "sh", "-c", script]), { check: false, timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`filling ${host}'s memory failed (exit ${r.code}): ${r.stderr.trim()}`);
    },
  },
};
