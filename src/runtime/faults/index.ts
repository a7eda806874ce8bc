// Faults on a running lab (crash, clean stop and start, partition, link delay and loss, pause) and their undoing.
// Every fault is checked before anything is touched, recorded in the lab's state (so `heal` knows what to
// undo) and in its event log with the time it happened.
export { activeFaults, FAULT_TABLE, hostOf, hostServices, type ActiveFault, type FaultLab, type FaultResult } from "./ledger.js";
export { killHost, restart, startHost, startService, stopHost, stopService } from "./power.js";
export { checkImpairment, netem, partition, partitionRuleset } from "./network.js";
export { namespacePids, pauseHost } from "./pause.js";
export { heal } from "./heal.js";
export { checkStress, stressHost, MAX_STRESS_MS } from "./stress.js";
