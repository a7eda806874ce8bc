// Design 3 (blueprints/3-scale_up.yaml) written in TypeScript: the same design, with type checking in the editor.
// Load it like a YAML design: `stacklab validate examples/stacklab.config.ts`.
import { defineStack } from "stacklab";

export default defineStack({
  name: "foobar",
  description: "HAProxy pair with a floating IP, separate web, app and database tiers, automatic database failover, end-to-end TLS, firewalls and monitoring.",
  domain: "foobar.com",
  loadBalancer: { count: 2, algorithm: "roundrobin", ha: "active-passive" },
  // One group per tier, so each can grow on its own.
  servers: (["web", "app", "db"] as const).map((role) => ({ roles: [role], count: 2 })),
  database: { replication: "semisync", failover: "automatic", etcd: ["lb-1", "lb-2", "mon-1"], primaryLease: true },
  tls: { mode: "reencrypt", internal: true },
  firewall: { policy: "default-deny" },
  monitoring: { system: "prometheus", qpsAlert: 500, errorRateAlert: 0.05 },
});
