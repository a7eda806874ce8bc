// Which user each service runs as, read from each host's process tree (runit's `runsv NAME` and its descendants).
import { APP_USER } from "../runtime/services/app.js";
import { DB_AGENT_USER } from "../runtime/services/db-agent.js";
import { DB_PROXY_USER } from "../runtime/services/db-proxy.js";
import { CONTROLLER_USER } from "../runtime/services/failover-controller.js";
import { ETCD_USER } from "../runtime/services/etcd.js";
import type { AuditContext, CheckResult } from "./context.js";
import type { HostInventory, Proc } from "./inventory.js";

interface Expectation {
  user: string;
  /** The process runit starts keeps root (to bind ports and reload); the processes it forks must not. */
  rootMaster?: boolean;
  /** Why a service stays root. */
  why?: string;
}

/** The account each service kind must run as. Kinds not listed only must not run as root (a warning otherwise). */
export const EXPECTED_USERS: Record<string, Expectation> = {
  haproxy: { user: "haproxy", rootMaster: true },
  nginx: { user: "www-data", rootMaster: true },
  mariadb: { user: "mysql" },
  dns: { user: "nsd" },
  app: { user: APP_USER.user },
  "db-proxy": { user: DB_PROXY_USER.user },
  "db-agent": { user: DB_AGENT_USER.user },
  "failover-controller": { user: CONTROLLER_USER.user },
  etcd: { user: ETCD_USER.user },
  keepalived: { user: "root", why: "VRRP needs raw sockets and moves addresses: it keeps root" },
  sshd: { user: "root", why: "a rehearsed lab's SSH server (`up --bare`): Ansible logs in as root by key, on the host's loopback only" },
  "size-reporter": {
    user: "root",
    why: "stacklab's reporter of a sized host's cgroup use, lab only (never exported): it mounts the host's view of the cgroup hierarchy, listens on nothing",
  },
};

/** Each runit service of a host with the processes under it (the one runit started first). */
export function serviceTrees(processes: Proc[]): Map<string, Proc[]> {
  const children = new Map<number, Proc[]>();
  for (const p of processes) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const below = (pid: number): Proc[] => (children.get(pid) ?? []).flatMap((c) => [c, ...below(c.pid)]);
  const out = new Map<string, Proc[]>();
  for (const p of processes) {
    const m = /^runsv (\S+)$/.exec(p.args);
    if (m) out.set(m[1]!, below(p.pid));
  }
  return out;
}

/** Judges one service's processes: problems fail, notes warn. */
export function judgeService(host: string, kind: string, procs: Proc[]): { problems: string[]; notes: string[]; line: string } {
  const users = [...new Set(procs.map((p) => p.user))];
  const line = `${host} ${kind}: ${procs.length ? users.join(", ") : "not running"}`;
  const expect = EXPECTED_USERS[kind];
  if (!procs.length) return { problems: [], notes: [], line };
  if (!expect) return { problems: [], notes: users.includes("root") ? [`${host} ${kind} runs as root`] : [], line };
  if (expect.why) return { problems: [], notes: [], line: `${line} (${expect.why})` };
  const [first, ...rest] = procs;
  const checked = expect.rootMaster ? rest : procs;
  const wrong = checked.filter((p) => p.user !== expect.user);
  const problems = wrong.length ? [`${host} ${kind}: ${wrong.length} process${wrong.length > 1 ? "es" : ""} run as ${[...new Set(wrong.map((p) => p.user))].join(", ")}, not ${expect.user}`] : [];
  if (expect.rootMaster && !rest.length && first!.user === "root") problems.push(`${host} ${kind}: only a root process runs, no ${expect.user} workers`);
  return { problems, notes: [], line: expect.rootMaster ? `${line} (master ${first!.user}, workers ${[...new Set(rest.map((p) => p.user))].join(", ") || "none"})` : line };
}

/** Checks the users of every service on every host except the visitor's. */
export function checkPrivileges(ctx: AuditContext, inventories: Map<string, HostInventory>): CheckResult {
  const problems: string[] = [];
  const notes: string[] = [];
  const lines: string[] = [];
  for (const inv of inventories.values()) {
    if (ctx.model.hosts.find((h) => h.name === inv.host)?.roles.includes("user")) continue;
    for (const [kind, procs] of serviceTrees(inv.processes)) {
      const r = judgeService(inv.host, kind, procs);
      problems.push(...r.problems);
      notes.push(...r.notes);
      lines.push(r.line);
    }
  }
  return {
    id: "privileges",
    title: "services run unprivileged",
    status: problems.length ? "fail" : notes.length ? "warn" : "pass",
    summary: problems.length
      ? `${problems.length} service${problems.length > 1 ? "s run" : " runs"} with more privilege than needed`
      : `nginx and HAProxy workers, MariaDB, NSD, the app (as ${APP_USER.user}) and the failover helpers run as unprivileged users; keepalived and the two masters keep root${notes.length ? `; ${notes.length} other service${notes.length > 1 ? "s run" : " runs"} as root` : ""}`,
    details: [...problems.map((p) => `FAIL ${p}`), ...notes.map((n) => `WARN ${n}`), ...lines],
  };
}
