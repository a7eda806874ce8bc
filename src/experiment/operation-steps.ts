// Operation steps of a scenario (deploy, reload, maintain): the operations layer run under the experiment's load.
import { deploy } from "../operations/deploy.js";
import { endMaintenance, startMaintenance } from "../operations/maintain.js";
import { reloadService } from "../operations/reload.js";
import { applyPlan, planApply, scaledSpec } from "../operations/apply.js";
import type { FaultLab, FaultResult } from "../runtime/faults/index.js";
import type { Step } from "./scenario.js";

/** Carries out one operation step and reports it like a fault step. */
export async function runOperation(lab: FaultLab, s: Step & { hosts: string[] }): Promise<FaultResult> {
  const started = Date.now();
  const host = s.hosts[0]!;
  let message: string;
  switch (s.action) {
    case "deploy": {
      const version = s.deploy?.version ?? `v${started.toString(36)}`;
      const r = await deploy(lab.state, { version, ...(s.deploy?.batch ? { batch: s.deploy.batch } : {}) });
      message = `deployed ${r.from} -> ${r.to} in ${r.batches.length} batch(es)`;
      break;
    }
    case "reload":
      message = `reloaded ${reloadService(lab.state, lab.model, host, s.service).join(", ")} on ${host}`;
      break;
    case "maintain": {
      const r = s.done ? await endMaintenance(lab.state, lab.model, host) : await startMaintenance(lab.state, lab.model, host, lab.switchover);
      message = r.steps.map((x) => x.what).join("; ");
      break;
    }
    case "scale": {
      const next = scaledSpec(lab.state.spec, s.scale!.tier, s.scale!.count);
      const { plan, model, oldModel } = await planApply(lab.state, next);
      await applyPlan(lab.state, next, plan, model, oldModel);
      lab.model = model;
      message = `scaled ${s.scale!.tier} to ${s.scale!.count}: +${plan.addHosts.join(",") || "none"} -${plan.removeHosts.join(",") || "none"}`;
      break;
    }
    default:
      throw new Error(`not an operation: ${s.action}`);
  }
  return { action: s.action, hosts: s.hosts, at: started, durationMs: Date.now() - started, message };
}
