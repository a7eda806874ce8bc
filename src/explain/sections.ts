// The order in which the explanation's sections are told.
import { basicsSection } from "./basics.js";
import { loadBalancingSection } from "./balancing.js";
import { componentsSection } from "./components.js";
import { databaseSection } from "./database.js";
import { dnsSection } from "./dns.js";
import { elementsSection } from "./elements.js";
import type { Facts } from "./facts.js";
import { firewallSection } from "./firewall.js";
import { httpsSection } from "./https.js";
import { monitoringSection } from "./monitoring.js";
import { overviewSection } from "./overview.js";
import { redundancySection } from "./redundancy.js";
import type { Section } from "./types.js";

/** Every section, from the big picture down to the details a learner asks about next. */
export function allSections(f: Facts): Section[] {
  return [
    overviewSection(f),
    basicsSection(f),
    componentsSection(f),
    dnsSection(f),
    loadBalancingSection(f),
    redundancySection(f),
    databaseSection(f),
    elementsSection(f),
    firewallSection(f),
    httpsSection(f),
    monitoringSection(f),
  ];
}
