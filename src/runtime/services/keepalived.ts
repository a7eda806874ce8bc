// keepalived (VRRP) holding the floating IP(s) on the load-balancer pair.
import { runScript, type ServiceDef } from "./types.js";

export const keepalived: ServiceDef = {
  kind: "keepalived",
  requires: [{ binary: "keepalived", pkg: "keepalived", why: "floating IPs (VRRP) on load-balancer pairs", versionArgs: ["--version"] }],
  after: ["haproxy"],
  reload: { files: ["/etc/keepalived/"], signal: "hup" },
  runScript: () =>
    runScript("keepalived", [
      "mkdir -p /run/keepalived",
      "exec keepalived --dont-fork --log-console --vrrp --pid=/run/keepalived/keepalived.pid --vrrp_pid=/run/keepalived/vrrp.pid -f /etc/keepalived/keepalived.conf",
    ]),
  probe: () => ({
    what: "keepalived's VRRP process running",
    argv: ["sh", "-c", "test -s /run/keepalived/vrrp.pid && kill -0 $(cat /run/keepalived/vrrp.pid)"],
    listener: { file: "/run/keepalived/vrrp.pid" },
  }),
  readyTimeoutMs: 10_000,
};
