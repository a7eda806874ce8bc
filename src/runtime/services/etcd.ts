// etcd on the hosts the spec names in database.etcd: the quorum the failover controllers elect their leader through.
import { PORTS } from "../../model/ports.js";
import { ETCD_PATHS, etcdArgs, etcdTls } from "../../render/config/etcd.js";
import { TLS_FILES } from "../../render/config/paths.js";
import { shellJoin, shellQuote } from "../../render/shell.js";
import { GO_ENV_LINES } from "../host-storage.js";
import { addressOf, runScript, type ServiceDef } from "./types.js";

/** Debian's etcd account (made by etcd-server): the member runs as it, never as root. */
export const ETCD_USER = { user: "etcd", group: "etcd" } as const;

export const etcd: ServiceDef = {
  kind: "etcd",
  requires: [
    { binary: "etcd", pkg: "etcd-server", why: "the quorum automatic database failover elects its controller through", versionArgs: ["--version"] },
    { binary: "etcdctl", pkg: "etcd-client", why: "etcd health checks and `stacklab db status`", versionArgs: ["version"] },
  ],
  after: [],
  runScript: (ctx) => {
    const own = `${ETCD_USER.user}:${ETCD_USER.group}`;
    return runScript("etcd", [
      ...GO_ENV_LINES,
      `mkdir -p ${shellQuote(ETCD_PATHS.dataDir)} ${shellQuote(ETCD_PATHS.runDir)}`,
      `chown ${own} /var/lib/etcd ${shellQuote(ETCD_PATHS.dataDir)} ${shellQuote(ETCD_PATHS.runDir)}`,
      `chmod 700 ${shellQuote(ETCD_PATHS.dataDir)} ${shellQuote(ETCD_PATHS.runDir)}`,
      // the host key belongs to root (or mysql on a database host): etcd gets its own copy, readable by it alone
      ...(etcdTls(ctx.model) ? [`install -o ${ETCD_USER.user} -g ${ETCD_USER.group} -m 600 ${TLS_FILES.hostKey} ${shellQuote(ETCD_PATHS.key)}`] : []),
      shellJoin(["exec", "setpriv", `--reuid=${ETCD_USER.user}`, `--regid=${ETCD_USER.group}`, "--clear-groups", "--no-new-privs", "etcd", ...etcdArgs(ctx.model, ctx.host, ctx.lab)]),
    ]);
  },
  // the metrics listener answers as soon as the member runs, before a quorum exists: members start together
  // and none may wait for the others to be ready.
  probe: (ctx) => ({
    what: `etcd answering on http://${addressOf(ctx.host)}:${PORTS.etcdMetrics}/metrics`,
    argv: ["curl", "-sf", "-o", "/dev/null", "--max-time", "1", `http://${addressOf(ctx.host)}:${PORTS.etcdMetrics}/metrics`],
    listener: { tcp: { address: addressOf(ctx.host), port: PORTS.etcdMetrics } },
  }),
  readyTimeoutMs: 20_000,
};
