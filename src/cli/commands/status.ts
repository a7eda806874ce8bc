// `stacklab status`: hosts, addresses, services and their health.
import { formatMemory } from "../../spec/size.js";
import type { Command } from "commander";
import { labStatusWithAlerts, type StatusWithAlerts } from "../../monitoring/status-alerts.js";
import { color, output } from "../common.js";
import { alertsText } from "../../monitoring/format.js";

function toText(s: StatusWithAlerts): string {
  const lines = [
    `${color("bold", `lab ${s.name}`)} (${s.status}) from ${s.source}, site ${s.url}${s.published.https || s.published.http ? `, on this machine ${s.published.https ?? s.published.http}` : ""}`,
  ];
  for (const h of s.hosts) {
    const mark = h.up ? color("green", "●") : color("red", "●");
    lines.push(`${mark} ${h.name.padEnd(9)} ${h.roles.join(",").padEnd(12)} ${h.addresses.join(" ")}${h.holds.length ? color("cyan", `  holds floating IP ${h.holds.join(", ")}`) : ""}`);
    if (h.size) {
      const s = h.size;
      const mem = `${Math.round(s.memoryUsed / 1024 ** 2)}Mi of ${formatMemory(s.memoryBytes)}`;
      lines.push(
        `    ${color("gray", "size")}  cpu ${Math.round(s.cpuUse * 100)}% of ${s.cpu} core${s.cpu === 1 ? "" : "s"} (${s.cpuSeconds.toFixed(1)} s used), memory ${mem}${s.oomKills ? color("red", `, ${s.oomKills} process(es) killed out of memory`) : ""}`,
      );
    }
    for (const svc of h.services) {
      const state = svc.healthy === null ? color("gray", "not run yet") : svc.healthy ? color("green", "healthy") : color("red", "unhealthy");
      lines.push(`    ${svc.kind.padEnd(18)} ${state}  ${color("gray", svc.supervisor.split("\n")[0] ?? "")}`);
    }
  }
  if (s.alerts) lines.push(...alertsText(s.alerts));
  return lines.join("\n");
}

export function register(program: Command): void {
  program
    .command("status")
    .description("show a lab's hosts, addresses, services and their health")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--json", "print JSON")
    .action(async (opts: { name?: string; json?: boolean }) => {
      output(await labStatusWithAlerts(opts.name), opts.json, toText);
    });
}
