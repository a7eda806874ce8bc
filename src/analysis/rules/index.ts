// Every rule family, in the order their findings are gathered (the report sorts them by severity).
import type { Rule } from "./context.js";
import { dnsRules } from "./dns.js";
import { encryptionRules } from "./encryption.js";
import { failoverRules } from "./failover.js";
import { maintenanceRules } from "./maintenance.js";
import { monitoringRules } from "./monitoring.js";
import { scalingRules } from "./scaling.js";
import { securityRules } from "./security.js";
import { spofRules } from "./spof.js";

/** The rules `analyze` runs. */
export const RULES: Rule[] = [spofRules, failoverRules, dnsRules, maintenanceRules, scalingRules, securityRules, encryptionRules, monitoringRules];

export { ruleContext, type Rule, type RuleContext } from "./context.js";
