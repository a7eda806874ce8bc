// Plain-text view of a diff between two designs.
import { describeFlow } from "./diff.js";
import { plain, type FormatOptions } from "./format.js";
import type { Finding, ModelDiff } from "./types.js";

/** Renders a diff as text: what B adds (+), removes (-) and changes (~), then the findings it resolves and introduces. */
export function formatDiff(diff: ModelDiff, options: FormatOptions = {}): string {
  const paint = options.paint ?? plain;
  const lines: string[] = [paint("bold", `diff ${diff.a} -> ${diff.b}`)];
  const section = (title: string, rows: string[]) => {
    if (rows.length) lines.push("", paint("bold", title), ...rows.map((r) => `  ${r}`));
  };
  const add = (t: string) => paint("green", `+ ${t}`);
  const del = (t: string) => paint("red", `- ${t}`);
  const chg = (t: string) => paint("yellow", `~ ${t}`);
  section("hosts", [
    ...diff.hosts.added.map((h) => add(`${h.name} (${h.roles.join(", ")})`)),
    ...diff.hosts.removed.map((h) => del(`${h.name} (${h.roles.join(", ")})`)),
    ...diff.hosts.changed.map((c) => chg(`${c.key}: ${c.before.join(", ")} -> ${c.after.join(", ")}`)),
  ]);
  section("entry points", [...diff.entryPoints.added.map(add), ...diff.entryPoints.removed.map(del)]);
  section(
    "settings",
    diff.settings.map((c) => chg(`${c.key}: ${c.before} -> ${c.after}`)),
  );
  section("flows", [
    ...diff.flows.added.map((f) => add(`${f.id}: ${describeFlow(f)}`)),
    ...diff.flows.removed.map((f) => del(`${f.id}: ${describeFlow(f)}`)),
    ...diff.flows.changed.map((c) => chg(`${c.key}: ${c.before}  =>  ${c.after}`)),
  ]);
  section("services", [...byHost(diff.services.added).map(add), ...byHost(diff.services.removed).map(del)]);
  const finding = (f: Finding) => `[${f.severity}] ${f.id}: ${f.title}`;
  section(
    `findings resolved (${diff.findings.resolved.length})`,
    diff.findings.resolved.map((f) => paint("green", `✓ ${finding(f)}`)),
  );
  section(
    `findings introduced (${diff.findings.introduced.length})`,
    diff.findings.introduced.map((f) => paint("red", `✗ ${finding(f)}`)),
  );
  section(
    "findings with another severity",
    diff.findings.changed.map((c) => chg(`${c.key}: ${c.before} -> ${c.after}`)),
  );
  if (!diff.findings.resolved.length && !diff.findings.introduced.length && !diff.findings.changed.length) lines.push("", "no finding resolved or introduced");
  const { before, after } = diff.availability;
  lines.push("", `${paint("bold", "availability")} (reads and writes): ${before.percent} -> ${after.percent} (about ${before.downtimePerYear} -> ${after.downtimePerYear} down a year)`);
  return lines.join("\n");
}

/** Groups "host: kind" entries into one line per host: "lb-2: haproxy, keepalived". */
function byHost(services: string[]): string[] {
  const groups = new Map<string, string[]>();
  for (const s of services) {
    const [host, kind] = s.split(": ");
    groups.set(host!, [...(groups.get(host!) ?? []), kind ?? ""]);
  }
  return [...groups].map(([host, kinds]) => `${host}: ${kinds.join(", ")}`);
}
