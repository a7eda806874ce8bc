// `stacklab export ansible`: builds the project (project.ts) from a design or a running (bare) lab, checks a user's
// inventory against the design, writes the folder and encrypts every secret file with ansible-vault.
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { buildModel } from "../../model/build.js";
import type { Model } from "../../model/types.js";
import type { Stack } from "../../spec/schema.js";
import { UsageError } from "../../spec/errors.js";
import { run } from "../../runtime/exec.js";
import { hostFiles } from "../../runtime/files.js";
import { isSizeReporterFile } from "../../runtime/size-reporter.js";
import type { HostFile } from "../../runtime/host.js";
import { serviceContext } from "../../runtime/lifecycle.js";
import { labModel } from "../../runtime/lab-model.js";
import { REPO_DIR } from "../../runtime/repo.js";
import { labSecrets, type Secrets } from "../../runtime/secrets.js";
import type { ServiceContext } from "../../runtime/services/types.js";
import type { LabState } from "../../runtime/state.js";
import { labTlsFiles, tlsFilesIn } from "../../runtime/tls.js";
import { ansibleProject, type HostMapping, type ProjectFile } from "./project.js";
import { APP_RELEASE_ROOT, buildAppPackage, packagedKinds } from "./app-package.js";
import { TARGET_MARKERS, type SecretsMode } from "./target-secrets.js";

export interface ExportOptions {
  stack: Stack;
  source: string;
  outDir: string;
  /** The vault password file; created (random, mode 0600) when it does not exist. */
  vaultPasswordFile: string;
  /** A user's inventory mapping the design's hosts to real ones. */
  inventoryFile?: string;
  /** A rehearsal: the bare lab whose addresses, secrets, CA and SSH keys the project uses. */
  lab?: LabState;
  specDir?: string;
  /** `vault` (default): secret files encrypted with ansible-vault; `target`: passwords generated on the targets. */
  secrets?: SecretsMode;
}

export interface ExportResult {
  dir: string;
  files: number;
  encrypted: number;
  createdVaultPassword: boolean;
}

/** Fresh passwords for a project deployed to real servers (never the lab's). */
function freshSecrets(): Secrets {
  const p = () => randomBytes(18).toString("base64url");
  return { mysqlRoot: p(), app: p(), replication: p(), monitor: p() };
}

/** Everything the project is built from: the model, each host's files as a lab host gets them, and their contexts. */
export async function projectInput(
  opts: Pick<ExportOptions, "stack" | "source" | "lab" | "specDir" | "secrets"> & { outDir?: string },
  mapping?: HostMapping,
): Promise<Parameters<typeof ansibleProject>[0]> {
  const model: Model = opts.lab ? labModel(opts.lab) : buildModel(opts.stack);
  const labName = opts.lab?.name ?? model.name;
  // Target mode renders markers where the passwords go: the project's templates get them from the targets.
  const target = opts.secrets === "target";
  const secrets = target ? TARGET_MARKERS : opts.lab ? labSecrets(opts.lab.name) : freshSecrets();
  let tls: Map<string, HostFile[]>;
  if (opts.lab) tls = labTlsFiles(opts.lab.name, model);
  else {
    // A CA of the export's own, made in a private temporary folder and discarded: its key never lands in the project.
    const tmp = mkdtempSync(join(tmpdir(), "stacklab-export-ca-"));
    try {
      tls = tlsFilesIn(tmp, model);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  // The app and the failover programs run from the package the `stacklab_package` role installs (built here, from
  // this repository and a custom app's folder).
  const kinds = packagedKinds(model.services.map((s) => s.kind));
  const appPackage = kinds.length ? await buildAppPackage({ kinds, ...appPackageOptions(model, opts) }) : undefined;
  const release = appPackage ? { appRelease: APP_RELEASE_ROOT } : {};
  const contexts = new Map<string, ServiceContext>(model.hosts.map((h) => [h.name, { ...serviceContext(labName, model, h.name, secrets, opts.specDir), ...release }]));
  // A sized design's hosts get a reporter of their cgroup's use in a lab; a real server has its own size and no lab.
  const files = new Map(model.hosts.map((h) => [h.name, hostFiles(contexts.get(h.name)!, tls.get(h.name) ?? []).filter((f) => !isSizeReporterFile(f.path))]));
  const staticDir = join(REPO_DIR, "assets/foobar/static");
  return {
    model,
    files,
    secrets,
    contexts,
    source: opts.source,
    ...(mapping ? { mapping } : {}),
    ...(opts.lab ? { lab: opts.lab.name } : {}),
    ...(existsSync(staticDir) ? { staticDir } : {}),
    ...(appPackage ? { appPackage } : {}),
    // (target mode: keys and certificates are the user's; those made here only tell which files each host needs)
    ...(target ? { secretsMode: "target" as const, supplied: new Map([...tls].map(([h, fs]) => [h, new Set(fs.map((f) => f.path))])) } : {}),
  };
}

/** A custom app's folder goes into the package (never the export's own output folder, should it lie inside). */
function appPackageOptions(model: Model, opts: Pick<ExportOptions, "specDir"> & { outDir?: string }): Parameters<typeof buildAppPackage>[0] {
  if (model.app.type !== "custom") return {};
  return { customDir: resolve(opts.specDir ?? process.cwd(), model.app.dir ?? "."), ...(opts.outDir ? { exclude: [opts.outDir] } : {}) };
}

/**
 * Reads a user's inventory (Ansible's YAML inventory: groups with `hosts:` maps, at any depth) and maps every design
 * host to its variables. Refuses (exit 2, with the file and the path in it) a design host it does not name, and two
 * design hosts of the same role on one real host: the design made them two for redundancy.
 */
export function readInventory(file: string, model: Model): HostMapping {
  if (!existsSync(file)) throw new UsageError(`${file}: no such inventory file`);
  const doc = parseDocument(readFileSync(file, "utf8"));
  if (doc.errors.length) throw new UsageError(`${file}: ${doc.errors[0]!.message}`);
  const found = new Map<string, { vars: Record<string, unknown>; at: string }>();
  const walk = (node: unknown, at: string) => {
    if (!node || typeof node !== "object") return;
    const obj = node as Record<string, unknown>;
    if (obj.hosts && typeof obj.hosts === "object")
      for (const [name, vars] of Object.entries(obj.hosts as Record<string, unknown>)) {
        const prev = found.get(name);
        found.set(name, { vars: { ...(prev?.vars ?? {}), ...((vars as Record<string, unknown>) ?? {}) }, at: prev?.at ?? `${at}.hosts.${name}` });
      }
    if (obj.children && typeof obj.children === "object") for (const [g, sub] of Object.entries(obj.children as Record<string, unknown>)) walk(sub, `${at}.children.${g}`);
    if (at === "") for (const [g, sub] of Object.entries(obj)) if (g !== "hosts" && g !== "children" && g !== "vars") walk(sub, g);
  };
  walk(doc.toJS(), "");
  const servers = model.hosts.filter((h) => !h.roles.includes("user"));
  const missing = servers.filter((h) => !found.has(h.name)).map((h) => h.name);
  if (missing.length) throw new UsageError(`${file}: the inventory does not name ${missing.join(", ")} (every host of the design needs a real host; only the lab's visitor \`user\` may be left out)`);
  const real = (name: string) => String(found.get(name)!.vars.ansible_host ?? name);
  for (const [i, a] of servers.entries())
    for (const b of servers.slice(i + 1)) {
      const shared = a.roles.filter((r) => b.roles.includes(r));
      if (real(a.name) === real(b.name) && shared.length)
        throw new UsageError(
          `${file}: ${found.get(b.name)!.at.replace(/^\./, "")}.ansible_host: ${b.name} and ${a.name} are both on ${real(a.name)}, but the design gives them the same role (${shared.join(", ")}) on two servers so that one survives the other`,
        );
    }
  return Object.fromEntries([...found].filter(([name]) => model.hosts.some((h) => h.name === name)).map(([name, v]) => [name, v.vars]));
}

/** Writes the project and encrypts its secret files with one `ansible-vault encrypt` run. */
export async function writeProject(files: ProjectFile[], outDir: string, vaultPasswordFile: string): Promise<ExportResult> {
  const dir = resolve(outDir);
  if (existsSync(dir) && existsSync(join(dir, "site.yml"))) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let createdVaultPassword = false;
  const secrets = files.filter((f) => f.secret);
  if (secrets.length && !existsSync(vaultPasswordFile)) {
    mkdirSync(dirname(resolve(vaultPasswordFile)), { recursive: true });
    writeFileSync(vaultPasswordFile, `${randomBytes(24).toString("base64url")}\n`, { mode: 0o600 });
    createdVaultPassword = true;
  }
  for (const f of files) {
    const target = join(dir, f.path);
    mkdirSync(dirname(target), { recursive: true });
    if (f.from) cpSync(f.from, target, { recursive: true });
    else writeFileSync(target, f.content, { mode: f.secret ? 0o600 : 0o644 });
  }
  if (secrets.length) await run(["ansible-vault", "encrypt", "--vault-password-file", resolve(vaultPasswordFile), ...secrets.map((f) => join(dir, f.path))], { timeoutMs: 120_000 });
  return { dir, files: files.length, encrypted: secrets.length, createdVaultPassword };
}

/** The whole export: input, project, folder. */
export async function exportAnsible(opts: ExportOptions): Promise<ExportResult> {
  const model = opts.lab ? labModel(opts.lab) : buildModel(opts.stack);
  const mapping = opts.inventoryFile ? readInventory(opts.inventoryFile, model) : undefined;
  const input = await projectInput(opts, mapping);
  try {
    return await writeProject(ansibleProject(input), opts.outDir, opts.vaultPasswordFile);
  } finally {
    if (input.appPackage) rmSync(input.appPackage.dir, { recursive: true, force: true });
  }
}
