// Undoing faults: the ones touching one host, or all of them, in an order that lets each step work.
import { isAlive, writeState } from "../state.js";
import { dropFaults, faults, hostOf, result, serviceDown, type ActiveFault, type FaultLab, type FaultResult } from "./ledger.js";
import { applyPartitions, undoNetem } from "./network.js";
import { startHost, startService } from "./power.js";
import { signalHost } from "./pause.js";
import { endStress } from "./stress.js";

function involves(f: ActiveFault, host: string): boolean {
  return f.kind === "partition" ? f.hosts.includes(host) || f.from.includes(host) : f.host === host;
}

/** Undoes faults (all, or those touching one host): resumes paused hosts, removes partitions and link faults, boots hosts that are down, starts stopped services. */
export async function heal(lab: FaultLab, host?: string): Promise<FaultResult[]> {
  if (host) hostOf(lab, host);
  const mine = (f: ActiveFault) => !host || involves(f, host);
  const out: FaultResult[] = [];
  for (const f of dropFaults(lab, (x) => x.kind === "pause" && mine(x))) {
    const at = Date.now();
    const h = hostOf(lab, (f as { host: string }).host);
    const n = isAlive(h.init) ? signalHost(h.init!.pid, "SIGCONT") : 0;
    out.push(result(lab, "heal", "resume", [h.name], at, `resumed ${h.name}: ${n} processes continued (SIGCONT)`));
  }
  const parts = dropFaults(lab, (x) => x.kind === "partition" && mine(x)) as Extract<ActiveFault, { kind: "partition" }>[];
  if (parts.length) {
    const at = Date.now();
    const touched = [...new Set(parts.flatMap((p) => [...p.hosts, ...p.from]))];
    await applyPartitions(lab, touched);
    for (const p of parts) out.push(result(lab, "heal", "unpartition", p.hosts, at, `reconnected ${p.hosts.join(", ")} with ${p.from.join(", ")}`));
  }
  for (const f of dropFaults(lab, (x) => x.kind === "netem" && mine(x)) as Extract<ActiveFault, { kind: "netem" }>[]) {
    const at = Date.now();
    await undoNetem(lab, f);
    writeState(lab.state);
    out.push(result(lab, "heal", "unnetem", [f.host], at, `removed delay and loss on ${f.host}`));
  }
  for (const f of faults(lab).filter((x): x is Extract<ActiveFault, { kind: "stress" }> => x.kind === "stress" && mine(x))) out.push(endStress(lab, f));
  const down = lab.state.hosts.filter((h) => (!host || h.name === host) && !isAlive(h.init)).map((h) => h.name);
  out.push(...(await Promise.all(down.map((h) => startHost(lab, h)))));
  const services = faults(lab).filter((x): x is Extract<ActiveFault, { kind: "service" }> => x.kind === "service" && mine(x));
  for (const s of services) {
    if (serviceDown(lab, s.host, s.service)) out.push(await startService(lab, s.host, s.service));
    else dropFaults(lab, (x) => x.id === s.id);
  }
  return out;
}
