// Section "The design at a glance": which hosts exist, what they carry, where visitors enter.
import type { EntryPoint, Host } from "../model/index.js";
import { addressOf, count, groupByRoles, list, names, rolesOf, withArticle, type Facts } from "./facts.js";
import { softwareName } from "./software.js";
import type { Section } from "./types.js";

/** Describes the design as a whole: its servers, its entry address and the lab's own hosts. */
export function overviewSection(f: Facts): Section {
  const { model } = f;
  const servers = f.servers;
  const intro =
    `This design, "${model.name}", serves ${f.site} from ${count(servers.length, "server")}. ` +
    `Visitors reach it at ${entryWords(f)}.` +
    (model.description ? ` Its own summary: "${model.description.trim()}"` : "");
  const bullets = groupByRoles(servers).map((group) => hostGroupLine(f, group));
  const lab = model.hosts.filter((h) => h.kind === "infra");
  const labLines = lab.map((h) => {
    if (h.roles.includes("user")) return `${h.name} (${addressOf(h)}) plays a visitor's computer somewhere on the Internet`;
    if (h.roles.includes("dns")) return `${h.name} (${addressOf(h)}) answers DNS questions for ${model.domain}`;
    return `${h.name} (${addressOf(h)}) runs the monitoring the design asks for`;
  });
  const nets = model.networks.map((n) => `${n.name} ${n.cidr} (${n.purpose})`);
  return {
    id: "overview",
    title: "The design at a glance",
    blocks: [
      { kind: "paragraph", text: intro },
      { kind: "bullets", items: bullets },
      { kind: "paragraph", text: `Around the design, the lab adds hosts of its own: ${list(labLines)}.` },
      {
        kind: "paragraph",
        text:
          `The hosts sit on two networks: ${list(nets)}. ` +
          `A host with only a private address cannot be reached from the Internet side at all; only ${names(publicServers(f))} ${publicServers(f).length === 1 ? "has" : "have"} a public address among the servers.`,
      },
    ],
  };
}

/** The entry address(es) in words. */
export function entryWords(f: Facts): string {
  return list(f.model.entryPoints.map((e) => entryPointWords(e)));
}

/** One entry point in words: "198.18.0.100, a floating IP held by lb-1 (lb-2 can take it over)". */
export function entryPointWords(e: EntryPoint): string {
  if (e.kind === "host") return `${e.address}, the address of ${e.holders[0]}`;
  const backups = e.holders.slice(1);
  return `${e.address}, a floating IP held by ${e.holders[0]}${backups.length ? ` (${list(backups, "or")} can take it over)` : ""}`;
}

function publicServers(f: Facts): Host[] {
  return f.servers.filter((h) => h.interfaces.some((i) => i.network === "public"));
}

function hostGroupLine(f: Facts, group: Host[]): string {
  const first = group[0]!;
  const addrs = group.length <= 3 ? ` (${group.map((h) => h.interfaces.map((i) => i.address).join(" and ")).join("; ")})` : "";
  const kinds = [...new Set(f.servicesOn(first.name).map((s) => s.kind))].filter((k) => !k.endsWith("exporter"));
  const software = list(kinds.map((k) => softwareName(k)));
  return `${names(group)}${addrs}: ${group.length > 1 ? "each " : ""}${withArticle(rolesOf(first))}, running ${software}`;
}
