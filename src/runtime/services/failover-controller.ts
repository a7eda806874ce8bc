// The failover controller on the design's controller host (model.database.controller).
import { PORTS } from "../../model/ports.js";
import { FAILOVER_PATHS } from "../../render/config/failover.js";
import { etcdTls } from "../../render/config/etcd.js";
import { TLS_FILES } from "../../render/config/paths.js";
import { hostStorageLines, prepareHostStorage, PROMETHEUS_USER } from "../host-storage.js";
import { ownProgram } from "../repo.js";
import { withSmallNode } from "./db-agent.js";
import { eventLogLines, execAs, ownConfig, privateRunDir, runScript, tcpProbe, type ServiceDef } from "./types.js";

/** The controller's entry point, relative to this repository (and to a packaged release). */
export const CONTROLLER_MAIN = "dist/failover/controller/main.js";

/**
 * The controller only talks HTTP to the agents and keeps its state in memory and under /run: it needs no root.
 * It runs as Debian's `daemon` account, which nothing else in a lab uses: not as nobody, since on a design without
 * load balancer and monitoring it shares its host with the app, which must not read its token. On a monitored
 * host it also belongs to the prometheus group, whose textfile folder it writes its metrics to.
 */
export const CONTROLLER_USER = { user: "daemon", group: "daemon" } as const;

export const failoverController: ServiceDef = {
  kind: "failover-controller",
  requires: [],
  after: ["prometheus", "etcd"],
  runScript: (ctx) =>
    runScript("failover-controller", [
      // its metrics go to this host's own textfile folder, never the machine's
      ...(ctx.host.monitored ? hostStorageLines(ctx) : []),
      ...privateRunDir(FAILOVER_PATHS.controllerRunDir, CONTROLLER_USER),
      ...ownConfig(FAILOVER_PATHS.controllerConfig, CONTROLLER_USER),
      // its client certificate towards etcd: the host key, copied for the controller's user alone
      ...(ctx.model.database.etcd.length && etcdTls(ctx.model)
        ? [`install -o ${CONTROLLER_USER.user} -g ${CONTROLLER_USER.group} -m 600 ${TLS_FILES.hostKey} ${FAILOVER_PATHS.controllerEtcdKey}`]
        : []),
      ...eventLogLines(ctx.lab),
      execAs({ ...CONTROLLER_USER, groups: ctx.host.monitored ? [PROMETHEUS_USER] : [] }, [
        ...withSmallNode(ownProgram(CONTROLLER_MAIN, ctx.appRelease)),
        "--config",
        FAILOVER_PATHS.controllerConfig,
        "--lab",
        ctx.lab,
      ]),
    ]),
  prepare: (ctx) => (ctx.host.monitored ? prepareHostStorage(ctx) : undefined),
  probe: () => tcpProbe("127.0.0.1", PORTS.controller),
  readyTimeoutMs: 15_000,
};
