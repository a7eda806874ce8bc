// Generated passwords stay secret: files that hold them are private, and no log, status or rendered file shows them.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { PLACEHOLDER_SECRETS, renderAll } from "../render/config/index.js";
import { hostDir, labDir } from "../runtime/paths.js";
import type { Secrets } from "../runtime/secrets.js";
import { APP_USER } from "../runtime/services/app.js";
import { labStatusWithAlerts } from "../monitoring/status-alerts.js";
import type { AuditContext, CheckResult } from "./context.js";
import type { HostInventory } from "./inventory.js";

/** Folders of a lab's tree that hold data, configs or keys rather than logs: not scanned for leaks. */
const SKIP_DIRS = new Set(["lib", "etc", ".overlay", "tls", "www", "run", "tmp", "proc", "cache"]);
/** Files read for leaks: logs, the event log and the state file. */
const SCANNED = /(\.log(\.\d+)?|\.jsonl|\.err|^state\.json|^current)$/;
/** Bytes of one file scanned at most. */
const MAX_BYTES = 32 * 1024 * 1024;

/** Log-like files under a folder, skipping data and config folders. */
export function logFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return SKIP_DIRS.has(d.name) ? [] : logFiles(p);
    return d.isFile() && SCANNED.test(d.name) ? [p] : [];
  });
}

/** The names of the secrets a text contains. */
export function secretsIn(text: string, secrets: Secrets): string[] {
  return Object.entries(secrets)
    .filter(([, v]) => typeof v === "string" && v.length >= 8 && text.includes(v))
    .map(([k]) => k);
}

function readHead(path: string): string {
  const size = statSync(path).size;
  return size > MAX_BYTES
    ? readFileSync(path)
        .subarray(size - MAX_BYTES)
        .toString("latin1")
    : readFileSync(path, "latin1");
}

/** Mode and owner problems of the files that must hold secrets. */
function fileProblems(ctx: AuditContext): string[] {
  const problems: string[] = [];
  const mode = (p: string) => statSync(p).mode & 0o777;
  const want = (p: string, m: number, label: string) => {
    if (existsSync(p) && mode(p) !== m) problems.push(`${label} has mode ${mode(p).toString(8)}, not ${m.toString(8)}`);
  };
  want(join(labDir(ctx.lab), "secrets.json"), 0o600, "the lab's secrets.json");
  const tls = join(labDir(ctx.lab), "tls");
  if (existsSync(tls)) for (const f of readdirSync(tls).filter((n) => n.endsWith(".key"))) want(join(tls, f), 0o600, `tls/${f}`);
  for (const h of ctx.model.hosts) {
    const root = hostDir(ctx.lab, h.name);
    want(join(root, "etc/mysql/init.sql"), 0o600, `${h.name}:/etc/mysql/init.sql`);
    const pw = join(root, "etc/stacklab/secrets/db-app-password");
    want(pw, 0o600, `${h.name}:/etc/stacklab/secrets/db-app-password`);
    if (existsSync(pw) && ctx.isUp(h.name) && h.roles.includes("app")) {
      const uid = statSync(pw).uid;
      const nobody = /^nobody:[^:]*:(\d+):/m.exec(readFileSync("/etc/passwd", "utf8"))?.[1];
      if (nobody !== undefined && uid !== Number(nobody)) problems.push(`${h.name}:/etc/stacklab/secrets/db-app-password belongs to uid ${uid}, not ${APP_USER.user}`);
    }
  }
  return problems;
}

/** Looks for the lab's secret values in its logs, its event log, `status --json`, `stacklab render`, the dashboard's answers and process command lines. */
export async function checkSecrets(ctx: AuditContext, inventories: Map<string, HostInventory>): Promise<CheckResult> {
  const leaks: string[] = [];
  const files = logFiles(labDir(ctx.lab));
  for (const f of files) {
    const found = secretsIn(readHead(f), ctx.secrets);
    if (found.length) leaks.push(`${relative(labDir(ctx.lab), f)} contains ${found.join(", ")}`);
  }
  const status = JSON.stringify(await labStatusWithAlerts(ctx.lab));
  const s = secretsIn(status, ctx.secrets);
  if (s.length) leaks.push(`stacklab status --json shows ${s.join(", ")}`);
  const rendered = secretsIn(JSON.stringify(renderAll(ctx.model, PLACEHOLDER_SECRETS)), ctx.secrets);
  if (rendered.length) leaks.push(`stacklab render shows ${rendered.join(", ")}`);
  for (const inv of inventories.values()) {
    for (const p of inv.processes) {
      const found = secretsIn(p.args, ctx.secrets);
      if (found.length) leaks.push(`${inv.host}: the command line of pid ${p.pid} shows ${found.join(", ")}`);
    }
  }
  const dashboard = await ctx.dashboardAnswers(ctx.lab);
  for (const a of dashboard) {
    const found = secretsIn(a.body, ctx.secrets);
    if (found.length) leaks.push(`the dashboard's ${a.path} shows ${found.join(", ")}`);
  }
  const perms = fileProblems(ctx);
  const bad = leaks.length + perms.length;
  return {
    id: "secrets",
    title: "secrets stay secret",
    status: bad ? "fail" : "pass",
    summary: bad
      ? `${leaks.length} leak${leaks.length === 1 ? "" : "s"} of a generated password, ${perms.length} secret file${perms.length === 1 ? "" : "s"} readable by more than its owner`
      : `no generated password in ${files.length} log files, the event log, status --json, stacklab render, the dashboard's ${dashboard.length} answers or any command line; secret files are mode 600`,
    details: [...leaks.map((l) => `FAIL ${l}`), ...perms.map((p) => `FAIL ${p}`)],
  };
}
