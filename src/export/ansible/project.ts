// The Ansible project of a design: inventory, site.yml and one role per service kind, built from the very files a
// lab host gets (src/runtime/files.ts, which calls the pure renderers): one source of truth for lab and servers.
// Pure but for listing the app's static folder: the caller writes the files (write.ts) and encrypts those marked
// secret with ansible-vault.
import { readdirSync, statSync, type Dirent } from "node:fs";
import { join, relative } from "node:path";
import { stringify } from "yaml";
import type { Host, Model, ServiceKind } from "../../model/types.js";
import { SERVICE_DIR, type HostFile } from "../../runtime/host.js";
import { hostDir, hostNetns } from "../../runtime/paths.js";
import { derivedSecrets, type Secrets } from "../../runtime/secrets.js";
import { SERVICES, startOrder } from "../../runtime/services/index.js";
import type { ServiceContext } from "../../runtime/services/types.js";
import { changeMasterSql } from "../../runtime/replication.js";
import { CONTROL } from "../../runtime/supervise.js";
import { addressOf } from "../../runtime/services/types.js";
import { proxyCommand, sshPaths } from "../../runtime/ssh.js";
import { PORTS } from "../../model/ports.js";
import { projectReadme } from "./readme.js";
import { MONITORING_FILES } from "../../render/config/prometheus.js";
import { STATIC_DIR } from "../../render/config/paths.js";
import { PROMETHEUS_USER } from "../../runtime/host-storage.js";
import { markerNames, secretsHost, secretsPlay, secretTemplate, secretTemplateTask, suppliedFilesTasks, targetSecretVars, targetSecretsReadme, type SecretsMode } from "./target-secrets.js";
import { inPlace, scanTask } from "./state.js";
import { appPackageVars, PACKAGE_ROLE, packagedKinds, packagedProgramHandler, packagedProgramTask, packageRoleTasks, type AppPackage } from "./app-package.js";

/** One file of the exported project, at its path relative to the project's folder. */
export interface ProjectFile {
  path: string;
  content: string;
  /** Holds a password or a private key: written encrypted with ansible-vault, never in clear. */
  secret?: boolean;
  /** A file copied from this machine (e.g. the app's static assets) instead of `content`. */
  from?: string;
}

/** Where a design host runs: its connection variables (`ansible_host`...) in the user's inventory, or the lab's. */
export type HostMapping = Record<string, Record<string, unknown>>;

export interface ProjectInput {
  model: Model;
  /** Every host's files exactly as a lab host gets them (hostFiles). */
  files: Map<string, HostFile[]>;
  secrets: Secrets;
  /** The contexts the service kinds' probes are made from. */
  contexts: Map<string, ServiceContext>;
  /** Design host -> connection variables (a user's inventory); absent: the design's own addresses. */
  mapping?: HostMapping;
  /** A rehearsal: the lab whose bare hosts Ansible reaches through their namespaces. */
  lab?: string;
  source: string;
  /** The folder the nginx role's static files come from (the demo app's assets). */
  staticDir?: string;
  /** The app's package (app-package.ts), installed by the `app` role; its run script then runs the release. */
  appPackage?: AppPackage;
  /** `target`: no secret in the project (target-secrets.ts); the files were rendered with its markers. Default vault. */
  secretsMode?: SecretsMode;
  /** Target mode: each host's TLS keys and certificates, which the user supplies (not in the project). */
  supplied?: Map<string, Set<string>>;
}

/** The role of a service kind (Ansible role names take no `-`). */
export function roleName(kind: string): string {
  return kind.replace(/-/g, "_");
}

/** The plays of site.yml, in order: which tier's kinds each applies, to which group, one host at a time or not. */
const TIERS: { group: string; title: string; kinds: ServiceKind[]; serial?: number }[] = [
  { group: "dns", title: "The DNS zone", kinds: ["dns"] },
  { group: "db", title: "Databases, one at a time: replicas first, the primary last (as `maintain` does)", kinds: ["mariadb", "db-agent", "mysqld-exporter"], serial: 1 },
  // (the controllers come after the databases: started before them, their start-up grace could end before the
  // replicas stream, and they would judge servers still being installed)
  { group: "etcd", title: "The etcd quorum: its members start together (each answers before a quorum exists)", kinds: ["etcd"] },
  { group: "controllers", title: "Failover controllers, beside the etcd members (one leads at a time)", kinds: ["failover-controller"] },
  { group: "app", title: "App servers, one at a time (a changed app.env reloads the workers gracefully)", kinds: ["db-proxy", "app"], serial: 1 },
  { group: "web", title: "Web servers, one at a time, drained at the load balancers before a reload", kinds: ["nginx", "nginx-exporter"], serial: 1 },
  { group: "lb", title: "Load balancers, one at a time: the floating IP's backups first, its first holder last", kinds: ["haproxy", "keepalived"], serial: 1 },
  { group: "monitoring", title: "Monitoring", kinds: ["prometheus", "alertmanager"] },
  { group: "all", title: "Exporters on every host", kinds: ["node-exporter"] },
];

/** The inventory groups: one per role of the design, plus the database primary and the floating IP's holders. */
const ROLE_GROUPS: Record<string, string> = { user: "visitors", dns: "dns", lb: "lb", web: "web", app: "app", db: "db", monitor: "monitoring" };
/** Groups of the hosts running a kind that is no role of the design's: the etcd members and the failover controllers. */
const KIND_GROUPS: Record<string, (model: Model) => string[]> = { etcd: (m) => m.database.etcd, controllers: (m) => m.database.controllers };

interface FileEntry {
  path: string;
  mode: string;
  owner: string;
  group: string;
  /** In the role's files/ folder (default: HOST/PATH). */
  src?: string;
}

interface RoleFiles {
  /** Folders the files go into (created first: the copy module does not make them). */
  dirs: string[];
  /**
   * Where the role's one `find` reads the state of its folders and files on the host (mode, owner, checksum):
   * the top-level folders holding them (always there: never a warning for a folder not made yet), to the depth
   * of the deepest, matching their names. Files and folders already as wanted are then skipped without a module
   * run each (see roleFiles).
   */
  scan: { paths: string[]; depth: number; patterns: string[] };
  config: FileEntry[];
  secret: FileEntry[];
  run: FileEntry[];
  /** nginx: the app's static files (the same on every web server, from the role's files/static/). */
  static?: FileEntry[];
  /** Target mode: keys and certificates the user puts on the host (checked, owner and mode set; not in the project). */
  supplied?: FileEntry[];
}

/** The files a role installs on a host: those a kind reloads from, its run script; the rest go to `common`. */
function splitFiles(
  model: Model,
  host: Host,
  files: HostFile[],
  secrets: Secrets,
  supplied = new Set<string>(),
  staticFiles: StaticFile[] = [],
): Map<string, RoleFiles> & { contents: Map<string, HostFile & { secret: boolean }> } {
  // (dirs: a new folder is made 0755, as the lab's own mkdir makes it)
  const kinds = kindsOf(model, host.name);
  const out = new Map<string, RoleFiles>() as Map<string, RoleFiles> & { contents: Map<string, HostFile & { secret: boolean }> };
  out.contents = new Map();
  const final = finalOwnership(files);
  const values = secretValues(secrets);
  const add = (role: string, f: HostFile, what: "config" | "secret" | "run" | "supplied") => {
    const r = out.get(role) ?? { dirs: [], scan: { paths: [], depth: 1, patterns: [] }, config: [], secret: [], run: [] };
    out.set(role, r);
    const own = final.get(f.path) ?? { owner: f.owner ?? "root", group: f.owner ?? "root", mode: f.mode ?? 0o644 };
    (r[what] ??= []).push({ path: f.path, mode: `0${own.mode.toString(8)}`, owner: own.owner, group: own.group });
    addDir(r, f.path.slice(0, f.path.lastIndexOf("/")));
  };
  // (a top-level folder such as /etc is the system's: never created nor changed)
  const addDir = (r: RoleFiles, dir: string) => {
    if (dir.lastIndexOf("/") > 0 && !r.dirs.includes(dir)) r.dirs.push(dir);
  };
  for (const f of files) {
    const secret = values.some((v) => f.content.includes(v)) || /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(f.content);
    out.contents.set(f.path, { ...f, secret });
    const run = /^\/etc\/stacklab\/service\/([^/]+)\/run$/.exec(f.path);
    if (run && kinds.includes(run[1]!)) {
      add(roleName(run[1]!), f, "run");
      continue;
    }
    const owner =
      f.path === "/etc/mysql/init.sql" && kinds.includes("mariadb")
        ? "mariadb"
        : kinds.find((k) => SERVICES[k as ServiceKind]?.reload?.files.some((p) => (p.endsWith("/") ? f.path.startsWith(p) : f.path === p)));
    add(owner ? roleName(owner) : "common", f, run ? "run" : supplied.has(f.path) ? "supplied" : secret ? "secret" : "config");
  }
  const nginx = out.get("nginx");
  if (nginx && staticFiles.length) {
    nginx.static = staticFiles.map((f) => ({ path: `${STATIC_DIR}/${f.rel}`, mode: `0${f.mode.toString(8)}`, owner: "root", group: "root", src: `static/${f.rel}` }));
    for (const f of nginx.static) addDir(nginx, f.path.slice(0, f.path.lastIndexOf("/")));
  }
  // The supervised services' folder is common's, on every host (runit watches it).
  const common = out.get("common") ?? { dirs: [], scan: { paths: [], depth: 1, patterns: [] }, config: [], secret: [], run: [] };
  out.set("common", common);
  addDir(common, SERVICE_DIR);
  for (const r of out.values()) {
    r.dirs.sort();
    const entries = [...r.dirs, ...[...r.config, ...r.secret, ...r.run, ...(r.static ?? [])].map((e) => e.path)];
    // (a replica's CHANGE MASTER statement, installed by the mariadb role: replicaTasks)
    if (r === out.get("mariadb") && model.database.replicas.length) entries.push(REPLICA_SQL);
    const segments = (p: string) => p.split("/").length - 1;
    r.scan = {
      paths: [...new Set(entries.map((p) => `/${p.split("/")[1]}`))].sort(),
      depth: Math.max(1, ...entries.map((p) => segments(p) - 1)),
      patterns: [...new Set(entries.map((p) => p.slice(p.lastIndexOf("/") + 1)))].sort(),
    };
  }
  return out;
}

/** One of the app's static files: its path under the static folder, and its mode (u=rwX,go=rX, as nginx serves it). */
interface StaticFile {
  rel: string;
  mode: number;
}

/** The app's static files, read from their folder on this machine. */
function staticFilesIn(dir: string | undefined): StaticFile[] {
  if (!dir) return [];
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort()
    .map((rel) => ({ rel, mode: statSync(join(dir, rel)).mode & 0o100 ? 0o755 : 0o644 }));
}

/** Secret values a file may hold (generated and derived), long enough not to match by chance. */
function secretValues(secrets: Secrets): string[] {
  const derived = derivedSecrets(secrets);
  return [...Object.values(secrets), derived.agent, derived.token, derived.clone].filter((v): v is string => typeof v === "string" && v.length >= 8);
}

/**
 * A file's owner and mode once its service has started: some run scripts hand a root-written file to the
 * service's user (`chown`, `chgrp`, `chmod`), and Ansible must want that state, or every run would change it back.
 */
function finalOwnership(files: HostFile[]): Map<string, { owner: string; group: string; mode: number }> {
  const out = new Map<string, { owner: string; group: string; mode: number }>();
  for (const f of files) out.set(f.path, { owner: f.owner ?? "root", group: f.owner ?? "root", mode: f.mode ?? 0o644 });
  // What a kind's `prepare` sets before the host starts: the MariaDB exporter reads its file as prometheus.
  const exporter = out.get(MONITORING_FILES.mysqldExporter);
  if (exporter) Object.assign(exporter, { owner: PROMETHEUS_USER, group: PROMETHEUS_USER });
  const unq = (s: string) => s.replace(/^'(.*)'$/, "$1");
  for (const f of files.filter((x) => x.path.startsWith(`${SERVICE_DIR}/`) && x.path.endsWith("/run"))) {
    for (const line of f.content.split("\n")) {
      for (const m of line.matchAll(/\bchown ('[^']*'|\S+) ('[^']*'|\S+)/g)) {
        const e = out.get(unq(m[2]!));
        const [user, group] = unq(m[1]!).split(":");
        if (e) Object.assign(e, { owner: user, group: group ?? e.group });
      }
      for (const m of line.matchAll(/\bchgrp ('[^']*'|\S+) ('[^']*'|\S+)/g)) {
        const e = out.get(unq(m[2]!));
        if (e) e.group = unq(m[1]!);
      }
      for (const m of line.matchAll(/\bchmod ([0-7]{3,4}) ('[^']*'|\S+)/g)) {
        const e = out.get(unq(m[2]!));
        if (e) e.mode = parseInt(m[1]!, 8);
      }
    }
  }
  return out;
}

/** The kinds stacklab runs on a host, in start order. */
export function kindsOf(model: Model, host: string): string[] {
  return startOrder(model.services.filter((s) => s.host === host && SERVICES[s.kind]).map((s) => s.kind as string));
}

/**
 * A group's name in the inventory and the plays. Ansible warns when a group and a host share a name (design 3 has a
 * host `dns` in the group of DNS servers), and a pattern naming both is ambiguous: such a group takes a suffix.
 */
export function groupName(model: Model, group: string): string {
  let name = group;
  while (name !== "all" && model.hosts.some((h) => h.name === name)) name = `${name}_servers`;
  return name;
}

/** Hosts of a group in the order site.yml touches them (serial plays follow the inventory's order). */
function groupHosts(model: Model, group: string): Host[] {
  const byKind = KIND_GROUPS[group]?.(model);
  if (byKind) return model.hosts.filter((h) => byKind.includes(h.name));
  const hosts = model.hosts.filter((h) => h.roles.some((r) => ROLE_GROUPS[r] === group));
  if (group === "db") {
    // Replicas first, the primary last: a change reaches the primary only once every replica took it.
    return [...hosts.filter((h) => h.name !== model.database.primary), ...hosts.filter((h) => h.name === model.database.primary)];
  }
  if (group === "lb") {
    // The floating IP's first holder (VRRP master) last: the backups are changed while it serves.
    const first = new Set(model.entryPoints.filter((e) => e.kind === "floating").map((e) => e.holders[0]));
    return [...hosts.filter((h) => !first.has(h.name)), ...hosts.filter((h) => first.has(h.name))];
  }
  return hosts;
}

const yaml = (v: unknown) => `---\n${stringify(v, { lineWidth: 0 })}`;

/** Builds the whole project. */
export function ansibleProject(input: ProjectInput): ProjectFile[] {
  const { model } = input;
  const out: ProjectFile[] = [];
  const usedRoles = new Set<string>(["common"]);
  const target = input.secretsMode === "target";
  // ---- host_vars and role files
  const staticFiles = staticFilesIn(input.staticDir);
  for (const host of model.hosts) {
    const files = input.files.get(host.name) ?? [];
    const split = splitFiles(model, host, files, input.secrets, input.supplied?.get(host.name), staticFiles);
    const kinds = kindsOf(model, host.name);
    const ctx = input.contexts.get(host.name);
    const stacklabFiles: Record<string, RoleFiles> = {};
    for (const [role, r] of split) {
      usedRoles.add(role);
      stacklabFiles[role] = r;
      for (const e of [...r.config, ...r.secret, ...r.run]) {
        const f = split.contents.get(e.path)!;
        if (target && r.secret.includes(e)) out.push({ path: `roles/${role}/templates/${host.name}${e.path}.j2`, content: secretTemplate(f.content).template });
        else out.push({ path: `roles/${role}/files/${host.name}${e.path}`, content: f.content, secret: f.secret });
      }
    }
    const probes: Record<string, string[]> = {};
    for (const k of kinds) if (ctx) probes[roleName(k)] = SERVICES[k as ServiceKind]!.probe(ctx).argv;
    const vars: Record<string, unknown> = {
      stacklab_host: host.name,
      stacklab_kinds: kinds.map(roleName),
      stacklab_addresses: Object.fromEntries(host.interfaces.map((i) => [i.network, i.address])),
      // The lab writes some run scripts with paths of the host's tree (its own /var/lib/prometheus).
      stacklab_host_tree: hostDir(input.lab ?? model.name, host.name),
      stacklab_files: stacklabFiles,
      stacklab_probes: probes,
    };
    if (host.name === model.database.primary) vars.stacklab_db_primary = true;
    out.push({ path: `host_vars/${host.name}.yml`, content: yaml(vars) });
  }
  // ---- the replicas' CHANGE MASTER (holds the replication password: vault)
  const primary = model.hosts.find((h) => h.name === model.database.primary);
  if (primary && model.database.replicas.length) {
    const sql = changeMasterSql(model, addressOf(primary, "private"), input.secrets);
    out.push(target ? { path: "roles/mariadb/templates/replica.sql.j2", content: secretTemplate(sql).template } : { path: "roles/mariadb/files/replica.sql", content: sql, secret: true });
  }
  // ---- roles
  for (const role of [...usedRoles].sort()) {
    const kind = SERVICES[role.replace(/_/g, "-") as ServiceKind] ? role.replace(/_/g, "-") : undefined;
    out.push(...roleFiles(role, kind, model, kind && packagedKinds([kind]).length ? input.appPackage : undefined, target));
  }
  // stacklab's package (app-package.ts): one role installs it, a dependency of each role that runs a program of it
  if (input.appPackage && packagedKinds([...usedRoles].map((r) => r.replace(/_/g, "-"))).length)
    out.push(
      { path: `roles/${PACKAGE_ROLE}/tasks/main.yml`, content: yaml(packageRoleTasks()) },
      { path: `roles/${PACKAGE_ROLE}/meta/main.yml`, content: meta(PACKAGE_ROLE, "stacklab's package (the app and the failover programs) and its Node.js runtime") },
      { path: `roles/${PACKAGE_ROLE}/files/${input.appPackage.name}`, content: "", from: input.appPackage.file },
    );
  if (usedRoles.has("nginx") && input.staticDir) out.push({ path: "roles/nginx/files/static", content: "", from: input.staticDir });
  // ---- inventory, site.yml, ansible.cfg, README
  out.push({ path: "inventory.yml", content: inventory(input) });
  // Target mode: the secrets the templates use, generated on one host by the first play.
  const used = target ? [...new Set(out.filter((f) => f.path.endsWith(".j2")).flatMap((f) => secretNames(f.content)))].sort() : [];
  const keeper = secretsHost(
    model,
    model.hosts.filter((h) => !input.mapping || input.mapping[h.name]).map((h) => h.name),
  );
  const targetVars = target ? targetSecretVars(keeper, used) : {};
  out.push({ path: "site.yml", content: site(model, usedRoles, target) });
  out.push({ path: "ansible.cfg", content: ansibleCfg(input) });
  out.push({ path: "group_vars/all.yml", content: groupVars(input, targetVars) });
  const supplied = [...new Set([...(input.supplied?.values() ?? [])].flatMap((s) => [...s]))].sort();
  const roles = [...usedRoles, ...(out.some((f) => f.path.startsWith(`roles/${PACKAGE_ROLE}/`)) ? [PACKAGE_ROLE] : [])].sort();
  const readme = projectReadme(model, input.source, roles, Boolean(input.lab), input.appPackage);
  out.push({ path: "README.md", content: target ? replaceSecretsSection(readme, targetSecretsReadme(keeper, used, supplied)) : readme });
  // The roles' files are the services' own configuration (and vault files), not Ansible content.
  const fileDirs = [...new Set(out.filter((f) => /^roles\/[^/]+\/files\//.test(f.path)).map((f) => f.path.split("/").slice(0, 3).join("/") + "/"))].sort();
  out.push({ path: ".ansible-lint", content: yaml({ profile: "production", exclude_paths: fileDirs }) });
  return out;
}

function inventory(input: ProjectInput): string {
  const { model } = input;
  const hostVars = (h: Host): Record<string, unknown> => {
    if (input.mapping) return input.mapping[h.name] ?? {};
    const vars: Record<string, unknown> = { ansible_host: h.interfaces.find((i) => i.network === "private")?.address ?? h.interfaces[0]?.address };
    if (input.lab) {
      // A rehearsal: each bare host's sshd listens on its own loopback, reached through its namespace.
      vars.ansible_host = h.name;
      vars.ansible_ssh_common_args = `-o ProxyCommand="${proxyCommand(input.lab, h.name)}" -o UserKnownHostsFile=${sshPaths(input.lab).knownHosts} -o StrictHostKeyChecking=yes`;
      vars.ansible_ssh_private_key_file = sshPaths(input.lab).clientKey;
      vars.stacklab_netns = hostNetns(input.lab, h.name);
    }
    return vars;
  };
  const mapped = (h: Host) => !input.mapping || input.mapping[h.name] !== undefined;
  const children: Record<string, unknown> = {};
  for (const group of [...new Set(Object.values(ROLE_GROUPS)), ...Object.keys(KIND_GROUPS)]) {
    const hosts = groupHosts(model, group).filter(mapped);
    if (hosts.length) children[groupName(model, group)] = { hosts: Object.fromEntries(hosts.map((h) => [h.name, hostVars(h)])) };
  }
  // (folded at 150 columns: a rehearsal's ProxyCommand is longer than ansible-lint's 160)
  return `# The design's hosts by role (${input.source}). Each group's order is the order serial plays touch them.\n---\n${stringify({ all: { vars: { ansible_user: "root" }, children } }, { lineWidth: 150, minContentWidth: 40 })}`;
}

/** The secret names a template uses. */
function secretNames(template: string): string[] {
  const names = new Set(markerNames().map(([, n]) => n));
  return [...template.matchAll(/\{\{ stacklab_secret\.([a-z_]+) \}\}/g)].map((m) => m[1]!).filter((n) => names.has(n));
}

/** The README's vault Secrets section replaced by target mode's. */
function replaceSecretsSection(readme: string, section: string): string {
  return readme.replace(/## Secrets\n[\s\S]*?(?=\n## )/, section).replace("ansible-playbook --vault-password-file VAULT_PASS site.yml", "ansible-playbook site.yml");
}

function site(model: Model, roles: Set<string>, target = false): string {
  // No play needs facts: everything it installs comes from the design.
  const plays: Record<string, unknown>[] = [
    ...(target ? [secretsPlay()] : []),
    { name: "Every host: identity, firewall, supervisor and files of no single service", hosts: "all", gather_facts: false, roles: ["common"] },
  ];
  for (const tier of TIERS) {
    const tierRoles = tier.kinds.map(roleName).filter((r) => roles.has(r));
    if (!tierRoles.length) continue;
    plays.push({
      name: tier.title,
      hosts: groupName(model, tier.group),
      gather_facts: false,
      ...(tier.serial ? { serial: tier.serial } : {}),
      roles: tierRoles.map((r) => ({ role: r, when: `'${r}' in stacklab_kinds` })),
    });
  }
  if (model.database.replicas.length)
    plays.push({
      name: "Replication: every replica streams from the primary",
      hosts: groupName(model, "db"),
      gather_facts: false,
      tasks: [
        {
          name: "Wait until the replica's IO and SQL threads run",
          "ansible.builtin.command": { argv: ["mariadb", "--socket=/run/mysqld/mysqld.sock", "-uroot", "-e", "SHOW SLAVE STATUS\\G"] },
          register: "replica_status",
          until: "'Slave_IO_Running: Yes' in replica_status.stdout and 'Slave_SQL_Running: Yes' in replica_status.stdout",
          retries: 30,
          delay: 1,
          changed_when: false,
          when: "not (stacklab_db_primary | default(false))",
        },
      ],
    });
  return yaml(plays);
}

function ansibleCfg(input: ProjectInput): string {
  return [
    "[defaults]",
    "inventory = inventory.yml",
    "roles_path = roles",
    "interpreter_python = /usr/bin/python3",
    "retry_files_enabled = False",
    // (a rehearsal: one fork per host, so a play over every host runs them all at once; Ansible's default is 5)
    ...(input.lab ? [`forks = ${Math.max(5, input.model.hosts.length)}`] : []),
    // (target mode hands secrets over in facts: they stay in memory, never in a cache on disk)
    ...(input.secretsMode === "target" ? ["fact_caching = memory"] : []),
    "",
    "[ssh_connection]",
    "pipelining = True",
    "transfer_method = piped",
    // Every rehearsal names its hosts alike (lb-1...), and the default ControlPath (~/.ansible/cp, a hash of host,
    // port and user) would hand one lab's open SSH connection to another lab's playbook: each lab its own folder.
    ...(input.lab ? [`control_path_dir = ${join(sshPaths(input.lab).dir, "cp")}`] : []),
    "",
  ].join("\n");
}

function groupVars(input: ProjectInput, extra: Record<string, unknown> = {}): string {
  return `# Variables a real deployment changes (see README.md).\n${yaml({
    stacklab_service_dir: SERVICE_DIR,
    // Lab hosts run runit's runsvdir as their init; a real Debian server runs it as a systemd service.
    stacklab_runsvdir_unit: !input.lab,
    stacklab_haproxy_socket: "/run/haproxy/admin.sock",
    stacklab_http_port: PORTS.http,
    ...(input.appPackage ? appPackageVars(input.appPackage, Boolean(input.lab)) : {}),
    ...extra,
  })}`;
}

/** The files of one role: tasks (install config, prepare, supervise, wait ready), handlers (reload, never restart). */
function roleFiles(role: string, kind: string | undefined, model: Model, appPackage?: AppPackage, target = false): ProjectFile[] {
  const def = kind ? SERVICES[kind as ServiceKind] : undefined;
  const files = `stacklab_files.${role}`;
  // The state of the role's folders and files on the host, read by one module run (state.ts): a copy or a folder
  // already as wanted is skipped on the controller; what is missing or differs goes through the copy module.
  const found = `${role}_found`;
  const scan = scanTask("Read the state of the folders and files on the host", found, {
    paths: `{{ ${files}.scan.paths }}`,
    depth: `{{ ${files}.scan.depth }}`,
    patterns: `{{ ${files}.scan.patterns }}`,
  });
  const src = "item.src | default(stacklab_host ~ item.path)";
  const copy = (name: string, list: string, extra: Record<string, unknown> = {}) => ({
    name,
    "ansible.builtin.copy": { src: `{{ ${src} }}`, dest: "{{ item.path }}", mode: "{{ item.mode }}", owner: "{{ item.owner }}", group: "{{ item.group }}" },
    loop: `{{ ${files}.${list} | default([]) }}`,
    loop_control: { label: "{{ item.path }}" },
    // (the file in the project, decrypted by the lookup as the copy module decrypts it, against the host's checksum)
    when: `not ${inPlace(`${found}.files`, { path: "item.path", kind: "file", mode: "item.mode", owner: "item.owner", group: "item.group", content: `lookup('ansible.builtin.file', ${src}, rstrip=false)` })}`,
    ...extra,
  });
  const mkdirs = {
    name: "Create the folders of the files",
    "ansible.builtin.file": { path: "{{ item }}", state: "directory", mode: "0755" },
    loop: `{{ ${files}.dirs | default([]) }}`,
    when: `not ${inPlace(`${found}.files`, { path: "item", kind: "directory", mode: "'0755'" })}`,
  };
  const signal = def?.reload?.signal;
  const handlerName = `Reload ${role}`;
  const notify = signal ? { notify: handlerName } : {};
  const tasks: Record<string, unknown>[] = [];
  if (role === "common") {
    // (the supervised services' folder is one of common's folders on every host)
    tasks.push(
      scan,
      mkdirs,
      copy("Install the host's own files", "config", { notify: "Load the firewall" }),
      ...(target ? suppliedFilesTasks(`${files}.supplied`) : []),
      target ? secretTemplateTask("Install the host's files holding secrets", `${files}.secret`, {}) : copy("Install the host's files holding secrets", "secret", { no_log: true }),
      {
        name: "Run runsvdir as a systemd service (real servers; a lab host runs it as its init)",
        "ansible.builtin.copy": {
          dest: "/etc/systemd/system/stacklab-runsvdir.service",
          mode: "0644",
          content:
            "[Unit]\nDescription=runit supervision of stacklab's services\nAfter=network-online.target\n\n[Service]\nExecStart=/usr/bin/runsvdir -P {{ stacklab_service_dir }}\nRestart=always\n\n[Install]\nWantedBy=multi-user.target\n",
        },
        when: "stacklab_runsvdir_unit | bool",
      },
      {
        name: "Start runsvdir",
        "ansible.builtin.systemd": { name: "stacklab-runsvdir", state: "started", enabled: true, daemon_reload: true },
        when: "stacklab_runsvdir_unit | bool",
      },
      copy("Supervise the host's helpers", "run"),
    );
    return [
      { path: `roles/${role}/tasks/main.yml`, content: yaml(tasks) },
      {
        path: `roles/${role}/handlers/main.yml`,
        content: yaml([
          {
            name: "Load the firewall",
            "ansible.builtin.command": { argv: ["nft", "-f", "/etc/nftables.conf"] },
            when: "'/etc/nftables.conf' in (stacklab_files.common.config | map(attribute='path'))",
            changed_when: true,
          },
        ]),
      },
      { path: `roles/${role}/meta/main.yml`, content: meta(role, "identity, hosts file, firewall and runit supervision of a stacklab host") },
    ];
  }
  const drains = kind === "nginx" && model.loadBalancer;
  // A handler reloads a service that ran before this play: a first install starts it with its files already there.
  // (read by the scan, before this play installs the run script)
  const before = `(stacklab_service_dir ~ '/${kind}/run') in (${found}.files | map(attribute='path'))`;
  tasks.push(scan, mkdirs, copy(`Install the ${kind} configuration`, "config", notify));
  if (target) tasks.push(...suppliedFilesTasks(`${files}.supplied`), secretTemplateTask(`Install the ${kind} files holding secrets`, `${files}.secret`, notify));
  else tasks.push(copy(`Install the ${kind} files holding secrets`, "secret", { ...notify, no_log: true }));
  tasks.push(...prepareTasks(kind!));
  if (kind === "nginx") tasks.push(copy("Install the app's static files", "static"));
  const packaged = appPackage ? packagedKinds([kind!])[0] : undefined;
  if (packaged) tasks.push(packagedProgramTask(packaged));
  tasks.push(copy(`Supervise ${kind} with runit`, "run"));
  tasks.push({
    name: `Wait until ${kind} is ready`,
    "ansible.builtin.command": { argv: `{{ stacklab_probes.${role} }}` },
    register: "probe",
    until: "probe.rc == 0",
    retries: Math.ceil((def?.readyTimeoutMs ?? 10_000) / 500),
    delay: 1,
    changed_when: false,
  });
  if (kind === "mariadb" && model.database.replicas.length) tasks.push(...replicaTasks(target));
  const handlers: Record<string, unknown>[] = packaged ? [packagedProgramHandler(packaged, before)] : [];
  if (signal) {
    if (drains)
      handlers.push({
        name: handlerName,
        "ansible.builtin.include_tasks": "reload.yml",
        when: before,
      });
    else
      handlers.push({
        name: handlerName,
        "ansible.builtin.command": { argv: ["sv", CONTROL[signal], `{{ stacklab_service_dir }}/${kind}`] },
        changed_when: true,
        when: before,
      });
  }
  const out: ProjectFile[] = [
    { path: `roles/${role}/tasks/main.yml`, content: yaml(tasks) },
    { path: `roles/${role}/meta/main.yml`, content: meta(role, `${kind} as stacklab runs it`, packaged ? [PACKAGE_ROLE] : []) },
  ];
  if (handlers.length) out.push({ path: `roles/${role}/handlers/main.yml`, content: yaml(handlers) });
  if (drains && signal)
    out.push({
      path: `roles/${role}/tasks/reload.yml`,
      content: yaml([
        {
          name: "Find the load balancers' runtime API",
          "ansible.builtin.stat": { path: "{{ stacklab_haproxy_socket }}" },
          delegate_to: "{{ item }}",
          loop: `{{ groups['${groupName(model, "lb")}'] | default([]) }}`,
          register: "lb_socket",
        },
        {
          name: "Drain this web server at every load balancer",
          "community.general.haproxy": { state: "drain", host: "{{ stacklab_host }}", backend: "web", socket: "{{ stacklab_haproxy_socket }}", wait: true, wait_retries: 30, wait_interval: 1 },
          delegate_to: "{{ item.item }}",
          loop: "{{ lb_socket.results | selectattr('stat.exists') | list }}",
          loop_control: { label: "{{ item.item }}" },
        },
        {
          name: `Reload ${kind}`,
          "ansible.builtin.command": { argv: ["sv", CONTROL[signal], `{{ stacklab_service_dir }}/${kind}`] },
          changed_when: true,
        },
        {
          name: "Put this web server back in rotation",
          "community.general.haproxy": { state: "enabled", host: "{{ stacklab_host }}", backend: "web", socket: "{{ stacklab_haproxy_socket }}", wait: true, wait_retries: 30, wait_interval: 1 },
          delegate_to: "{{ item.item }}",
          loop: "{{ lb_socket.results | selectattr('stat.exists') | list }}",
          loop_control: { label: "{{ item.item }}" },
        },
      ]),
    });
  return out;
}

function meta(role: string, what: string, dependencies: string[] = []): string {
  return yaml({
    galaxy_info: {
      role_name: role,
      author: "stacklab",
      description: `${what} (generated by stacklab export ansible)`,
      license: "MIT",
      min_ansible_version: "2.14",
      platforms: [{ name: "Debian", versions: ["bookworm"] }],
    },
    // (ansible-lint's meta schema wants each dependency as an object)
    dependencies: dependencies.map((role) => ({ role })),
  });
}

/** What a kind's `prepare` does in a lab host's tree, as tasks inside the host. */
function prepareTasks(kind: string): Record<string, unknown>[] {
  const dir = (name: string, path: string, owner = "root", mode = "0755") => ({ name, "ansible.builtin.file": { path, state: "directory", owner, group: owner, mode } });
  switch (kind) {
    case "mariadb":
      return [
        dir("Own the data directory", "/var/lib/mysql", "mysql"),
        dir("Own the log directory", "/var/log/mysql", "mysql", "02750"),
        {
          name: "Initialise the data directory",
          "ansible.builtin.command": {
            argv: ["mariadb-install-db", "--no-defaults", "--user=mysql", "--datadir=/var/lib/mysql", "--auth-root-authentication-method=socket", "--skip-test-db", "--innodb-log-file-size=8M"],
            creates: "/var/lib/mysql/mysql",
          },
        },
      ];
    case "nginx":
      return [dir("Create nginx's log directory", "/var/log/nginx", "root", "0755"), dir("Own nginx's state directory", "/var/lib/nginx", "www-data")];
    case "dns":
      return [dir("Own NSD's state directory", "/var/lib/nsd", "nsd")];
    case "prometheus":
    case "alertmanager":
    case "node-exporter":
    case "failover-controller":
      return [
        dir("Create the host's monitoring storage", "{{ stacklab_host_tree }}/var/lib/prometheus", "prometheus"),
        dir("Create the textfile collector's folder", `{{ stacklab_host_tree }}${MONITORING_FILES.textfileDir}`, "prometheus", "0775"),
      ];
    default:
      return [];
  }
}

/** A replica follows the primary once (never again: after a failover the runtime's topology wins). */
const REPLICA_SQL = "/etc/mysql/replica.sql";

function replicaTasks(target = false): Record<string, unknown>[] {
  return [
    {
      name: "Read the replica's replication status",
      "ansible.builtin.command": { argv: ["mariadb", "--socket=/run/mysqld/mysqld.sock", "-uroot", "-e", "SHOW SLAVE STATUS\\G"] },
      register: "slave_status",
      changed_when: false,
      when: "not (stacklab_db_primary | default(false))",
    },
    {
      name: "Install the statement that makes this host a replica",
      ...(target
        ? { "ansible.builtin.template": { src: "replica.sql.j2", dest: "/etc/mysql/replica.sql", mode: "0600", trim_blocks: false } }
        : { "ansible.builtin.copy": { src: "replica.sql", dest: REPLICA_SQL, mode: "0600" } }),
      no_log: true,
      when: [
        "not (stacklab_db_primary | default(false))",
        ...(target
          ? []
          : [`not ${inPlace("mariadb_found.files", { path: `'${REPLICA_SQL}'`, kind: "file", mode: "'0600'", content: "lookup('ansible.builtin.file', 'replica.sql', rstrip=false)" })}`]),
      ],
    },
    {
      name: "Follow the primary (GTID), once",
      "ansible.builtin.shell": "mariadb --socket=/run/mysqld/mysqld.sock -uroot < /etc/mysql/replica.sql",
      changed_when: true,
      when: "not (stacklab_db_primary | default(false)) and 'Master_Host' not in slave_status.stdout",
    },
  ];
}
