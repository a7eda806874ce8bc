// The Ansible export: every file a lab host gets is in the project unchanged (same renderers), secrets are marked
// for ansible-vault and appear in no other file, ownership is the state the services leave, groups are in the order
// rolling plays need, and a user's inventory is checked against the design.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel } from "../../src/model/index.js";
import { hostFiles } from "../../src/runtime/files.js";
import { serviceContext } from "../../src/runtime/lifecycle.js";
import { derivedSecrets, type Secrets } from "../../src/runtime/secrets.js";
import { tlsFilesIn } from "../../src/runtime/tls.js";
import { ansibleProject, roleName } from "../../src/export/ansible/project.js";
import { projectInput, readInventory } from "../../src/export/ansible/export.js";
import { cgroupMode } from "../../src/runtime/cgroups.js";
import { isSizeReporterFile } from "../../src/runtime/size-reporter.js";
import { parseRecap } from "../../src/export/ansible/rehearse.js";
import { UsageError } from "../../src/spec/errors.js";

const haveAnsible = existsSync("/usr/bin/ansible-playbook") && existsSync("/usr/bin/ansible-vault");
const SECRETS: Secrets = { mysqlRoot: "root-secret-0123456789", app: "app-secret-0123456789", replication: "repl-secret-0123456789", monitor: "mon-secret-0123456789" };
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The project of a blueprint, and each host's files made exactly as `up` makes them for a lab. */
async function build(blueprint: string) {
  const model = buildModel(loadBlueprint(blueprint));
  const ca = mkdtempSync(join(tmpdir(), "stacklab-export-test-"));
  dirs.push(ca);
  const tls = await tlsFilesIn(ca, model);
  const contexts = new Map(model.hosts.map((h) => [h.name, serviceContext("exporttest", model, h.name, SECRETS)]));
  // (as export.ts: a sized host's reporter of its cgroup is the lab's, never a real server's)
  const lab = new Map(model.hosts.map((h) => [h.name, hostFiles(serviceContext("exporttest", model, h.name, SECRETS), tls.get(h.name) ?? []).filter((f) => !isSizeReporterFile(f.path))]));
  const project = ansibleProject({ model, files: lab, secrets: SECRETS, contexts, source: `blueprint ${blueprint}`, lab: "exporttest" });
  return { model, lab, project, byPath: new Map(project.map((f) => [f.path, f])) };
}

describe.each(["1-distributed_web_infrastructure", "3-scale_up"])("export ansible of %s", (blueprint) => {
  it("holds every file of every lab host, byte for byte, in the role its host_vars name", async () => {
    const { model, lab, byPath } = await build(blueprint);
    for (const host of model.hosts) {
      const vars = parse(byPath.get(`host_vars/${host.name}.yml`)!.content) as { stacklab_files: Record<string, Record<string, { path: string }[]>> };
      const listed = new Map<string, string>();
      for (const [role, r] of Object.entries(vars.stacklab_files)) for (const list of ["config", "secret", "run"]) for (const e of r[list] ?? []) listed.set(e.path, role);
      for (const f of lab.get(host.name)!) {
        const role = listed.get(f.path);
        expect(role, `${host.name}:${f.path} listed in host_vars`).toBeDefined();
        expect(byPath.get(`roles/${role}/files/${host.name}${f.path}`)?.content, `${host.name}:${f.path}`).toBe(f.content);
      }
      expect(listed.size).toBe(lab.get(host.name)!.length);
    }
  });

  it("leaves out the lab's reporter of a sized host's cgroup (a real server's size is its own)", async () => {
    const plain = loadBlueprint(blueprint);
    const stack = { ...plain, servers: plain.servers.map((g) => ({ ...g, size: { cpu: 0.5, memory: "512Mi" } })) };
    const model = buildModel(stack);
    const sized = model.hosts.find((h) => h.size)!;
    // A lab host of that size gets the reporter (where the machine has cgroups)...
    const inLab = hostFiles(serviceContext("exporttest", model, sized.name, SECRETS), []);
    expect(inLab.some((f) => isSizeReporterFile(f.path))).toBe(cgroupMode().version !== 0);
    // ...the export's hosts do not.
    const input = await projectInput({ stack, source: "test" });
    try {
      expect([...input.files.values()].flat().filter((f) => isSizeReporterFile(f.path))).toEqual([]);
    } finally {
      if (input.appPackage) rmSync(input.appPackage.dir, { recursive: true, force: true });
    }
  });

  it("marks every file holding a password or a private key secret, and no other file holds one", async () => {
    const { project } = await build(blueprint);
    const derived = derivedSecrets(SECRETS);
    const values = [...Object.values(SECRETS), derived.agent, derived.token].filter((v) => v.length >= 8);
    const secret = project.filter((f) => f.secret);
    expect(secret.length).toBeGreaterThan(0);
    for (const f of project.filter((x) => !x.secret)) {
      for (const v of values) expect(f.content.includes(v), `${f.path} holds a secret in clear`).toBe(false);
      expect(f.content, f.path).not.toMatch(/PRIVATE KEY-----/);
    }
    if (blueprint.startsWith("3")) expect(secret.some((f) => f.path.endsWith("/etc/ssl/stacklab/host.key"))).toBe(true);
  });

  it("puts the database primary last, the floating IP's first holder last, and gives each kind its role", async () => {
    const { model, byPath } = await build(blueprint);
    const inv = parse(byPath.get("inventory.yml")!.content) as { all: { children: Record<string, { hosts: Record<string, unknown> }> } };
    expect(Object.keys(inv.all.children.db!.hosts).at(-1)).toBe(model.database.primary);
    const floating = model.entryPoints.find((e) => e.kind === "floating");
    if (floating) expect(Object.keys(inv.all.children.lb!.hosts).at(-1)).toBe(floating.holders[0]);
    for (const s of model.services) expect(byPath.has(`roles/${roleName(s.kind)}/tasks/main.yml`), s.kind).toBe(true);
    const site = byPath.get("site.yml")!.content;
    expect(site).toMatch(/serial: 1/);
    expect(byPath.get("roles/nginx/tasks/reload.yml")!.content).toMatch(/community\.general\.haproxy/);
    // Rehearsals name their hosts alike: SSH's shared connections must stay in the lab's own folder.
    expect(byPath.get("ansible.cfg")!.content).toMatch(/^control_path_dir = \S+\/labs\/exporttest\/ssh\/cp$/m);
  });

  it("names no group like a host (Ansible warns, and a pattern naming both is ambiguous)", async () => {
    const { model, byPath } = await build(blueprint);
    const inv = parse(byPath.get("inventory.yml")!.content) as { all: { children: Record<string, unknown> } };
    const hosts = new Set(model.hosts.map((h) => h.name));
    expect(Object.keys(inv.all.children).filter((g) => hosts.has(g))).toEqual([]);
    // design 3 has a host named dns: its group of DNS servers takes a suffix, in the inventory and the plays alike
    if (hosts.has("dns")) {
      expect(Object.keys(inv.all.children)).toContain("dns_servers");
      expect((parse(byPath.get("site.yml")!.content) as { hosts: string }[]).map((p) => p.hosts)).toContain("dns_servers");
    }
  });

  it("applies every service of every host: a play of site.yml runs its role on a group holding the host", async () => {
    const { model, byPath } = await build(blueprint);
    const inv = parse(byPath.get("inventory.yml")!.content) as { all: { children: Record<string, { hosts: Record<string, unknown> }> } };
    const plays = parse(byPath.get("site.yml")!.content) as { hosts: string; roles?: (string | { role: string })[] }[];
    const inGroup = (group: string, host: string) => group === "all" || host in (inv.all.children[group]?.hosts ?? {});
    for (const s of model.services) {
      const role = roleName(s.kind);
      const applied = plays.some((p) => inGroup(p.hosts, s.host) && (p.roles ?? []).some((r) => (typeof r === "string" ? r : r.role) === role));
      expect(applied, `${s.host}: ${s.kind}`).toBe(true);
    }
  });
});

it("wants the owner and mode a service's run script leaves (so a second run changes nothing)", async () => {
  const { byPath } = await build("1-distributed_web_infrastructure");
  const vars = parse(byPath.get("host_vars/server-1.yml")!.content) as { stacklab_files: Record<string, Record<string, { path: string; owner: string; group: string; mode: string }[]>> };
  const all = Object.values(vars.stacklab_files).flatMap((r) => [...(r.config ?? []), ...(r.secret ?? [])]);
  expect(all.find((f) => f.path === "/etc/stacklab/secrets/db-app-password")).toMatchObject({ owner: "nobody", group: "nogroup", mode: "0600" });
  expect(all.find((f) => f.path === "/etc/mysql/init.sql")).toMatchObject({ owner: "mysql", mode: "0600" });
});

it("reads each role's files and folders on the host with one find: its top-level folders, deep enough for every entry", async () => {
  for (const blueprint of ["1-distributed_web_infrastructure", "3-scale_up"]) {
    const { model, byPath } = await build(blueprint);
    for (const host of model.hosts) {
      const vars = parse(byPath.get(`host_vars/${host.name}.yml`)!.content) as {
        stacklab_files: Record<
          string,
          { dirs: string[]; scan: { paths: string[]; depth: number; patterns: string[] }; config: { path: string }[]; secret: { path: string }[]; run: { path: string }[] }
        >;
      };
      expect(vars.stacklab_files.common!.dirs, host.name).toContain("/etc/stacklab/service");
      for (const [role, r] of Object.entries(vars.stacklab_files)) {
        for (const p of [...r.dirs, ...[...r.config, ...r.secret, ...r.run].map((e) => e.path)]) {
          const root = r.scan.paths.find((s) => p.startsWith(`${s}/`));
          expect(root, `${host.name} ${role}: ${p}`).toBeDefined();
          // (find's depth: 1 for an entry right in the folder it lists)
          expect(p.split("/").length - root!.split("/").length, `${host.name} ${role}: ${p}`).toBeLessThanOrEqual(r.scan.depth);
          expect(r.scan.patterns, `${host.name} ${role}: ${p}`).toContain(p.slice(p.lastIndexOf("/") + 1));
        }
        // (never a folder that may not exist yet: find would warn on a first run)
        for (const s of r.scan.paths) expect(s, `${host.name} ${role}`).toMatch(/^\/[^/]+$/);
        // (a top-level folder such as /etc is the system's, never created nor changed)
        for (const d of r.dirs) expect(d.split("/").length, `${host.name} ${role}: ${d}`).toBeGreaterThan(2);
      }
    }
  }
});

it.skipIf(!haveAnsible)(
  "skips a file already as wanted without running a module on the host, and restores one that drifted, notifying the handler",
  async () => {
    // The haproxy role's own tasks, applied by the real ansible-playbook to files under a temporary folder of this
    // machine: its configuration, a vault-encrypted file of another owner and mode, and its run script.
    const { byPath } = await build("1-distributed_web_infrastructure");
    const dir = mkdtempSync(join(tmpdir(), "stacklab-export-scan-"));
    dirs.push(dir);
    const root = join(dir, "host");
    const role = join(dir, "roles", "haproxy");
    const entry = (path: string, mode: string, owner = "root", group = "root") => ({ path: join(root, path), mode, owner, group });
    const files = {
      dirs: [join(root, "etc/haproxy"), join(root, "etc/stacklab/service/haproxy")],
      scan: { paths: [root], depth: 5, patterns: ["haproxy", "haproxy.cfg", "secret.pem", "run"] },
      config: [entry("etc/haproxy/haproxy.cfg", "0644")],
      secret: [entry("etc/haproxy/secret.pem", "0640", "nobody", "nogroup")],
      run: [entry("etc/stacklab/service/haproxy/run", "0755")],
    };
    const contents: Record<string, string> = {
      "etc/haproxy/haproxy.cfg": "global\n  maxconn 100\n",
      "etc/haproxy/secret.pem": "not a real key\n",
      "etc/stacklab/service/haproxy/run": "#!/bin/sh\nexec true\n",
    };
    // (the scan's folder stands for a top-level one, such as /etc: always there)
    mkdirSync(root);
    writeFileSync(join(dir, "vault-pass"), "test-vault-password\n", { mode: 0o600 });
    for (const [rel, content] of Object.entries(contents)) {
      const f = join(role, "files", "lb-1", root, rel);
      mkdirSync(dirname(f), { recursive: true });
      writeFileSync(f, content);
      if (rel.endsWith(".pem")) expect(spawnSync("ansible-vault", ["encrypt", "--vault-password-file", join(dir, "vault-pass"), f]).status).toBe(0);
    }
    mkdirSync(join(role, "tasks"), { recursive: true });
    mkdirSync(join(role, "handlers"), { recursive: true });
    writeFileSync(join(role, "tasks/main.yml"), byPath.get("roles/haproxy/tasks/main.yml")!.content);
    // (the reload handler itself signals runit; here it only says it ran)
    writeFileSync(join(role, "handlers/main.yml"), stringify([{ name: "Reload haproxy", "ansible.builtin.debug": { msg: "RELOADED" } }]));
    writeFileSync(
      join(dir, "vars.json"),
      JSON.stringify({ stacklab_host: "lb-1", stacklab_files: { haproxy: files }, stacklab_probes: { haproxy: ["true"] }, stacklab_service_dir: join(root, "etc/stacklab/service") }),
    );
    writeFileSync(join(dir, "play.yml"), stringify([{ name: "haproxy", hosts: "lb-1", gather_facts: false, roles: ["haproxy"] }]));
    const play = () => {
      const r = spawnSync("ansible-playbook", ["-i", "lb-1,", "-c", "local", "--vault-password-file", join(dir, "vault-pass"), "-e", `@${join(dir, "vars.json")}`, "play.yml"], {
        cwd: dir,
        encoding: "utf8",
        timeout: 240_000,
        env: { ...process.env, ANSIBLE_NOCOLOR: "1", ANSIBLE_ROLES_PATH: join(dir, "roles"), ANSIBLE_PYTHON_INTERPRETER: "/usr/bin/python3" },
      });
      expect(r.status, r.stdout.slice(-3000)).toBe(0);
      expect(r.stderr).not.toMatch(/WARNING/);
      return { changed: parseRecap(r.stdout)[0]!.changed, reloaded: r.stdout.includes("RELOADED"), out: r.stdout };
    };
    const first = play();
    expect(first.changed).toBeGreaterThan(0);
    for (const [rel, content] of Object.entries(contents)) if (!rel.endsWith(".pem")) expect(readFileSync(join(root, rel), "utf8")).toBe(content);
    expect(readFileSync(join(root, "etc/haproxy/secret.pem"), "utf8")).toBe(contents["etc/haproxy/secret.pem"]);
    expect(statSync(join(root, "etc/haproxy/secret.pem")).mode & 0o777).toBe(0o640);
    // Nothing changed: no file goes through the copy module (each item skipped on the controller), no reload.
    const second = play();
    expect(second.changed, second.out).toBe(0);
    expect(second.reloaded).toBe(false);
    expect(second.out.match(/^skipping: \[lb-1\] => \(item=/gm)?.length, second.out).toBe(5);
    expect(second.out, second.out).not.toMatch(/^(ok|changed): \[lb-1\] => \(item=/m);
    // A file edited on the host, another one's mode: both put back, and the service reloaded.
    writeFileSync(join(root, "etc/haproxy/haproxy.cfg"), "edited by hand\n");
    chmodSync(join(root, "etc/haproxy/secret.pem"), 0o644);
    const third = play();
    expect(third.changed, third.out).toBe(2);
    expect(third.reloaded).toBe(true);
    expect(readFileSync(join(root, "etc/haproxy/haproxy.cfg"), "utf8")).toBe(contents["etc/haproxy/haproxy.cfg"]);
    expect(statSync(join(root, "etc/haproxy/secret.pem")).mode & 0o777).toBe(0o640);
    // A changed run script is installed, but reloads nothing (runit restarts a service whose run script changed).
    writeFileSync(join(root, "etc/stacklab/service/haproxy/run"), "#!/bin/sh\nexec false\n");
    const fourth = play();
    expect([fourth.changed, fourth.reloaded], fourth.out).toEqual([1, false]);
    expect(play().changed).toBe(0);
  },
  600_000,
);

describe("a user's inventory", () => {
  const model = buildModel(loadBlueprint("1-distributed_web_infrastructure"));
  const file = (content: string) => {
    const d = mkdtempSync(join(tmpdir(), "stacklab-inv-"));
    dirs.push(d);
    writeFileSync(join(d, "hosts.yml"), content);
    return join(d, "hosts.yml");
  };
  const inv = (server2: string) =>
    file(
      `all:\n  children:\n    lb:\n      hosts:\n        lb-1: {ansible_host: 10.0.0.1}\n    web:\n      hosts:\n        server-1: {ansible_host: 10.0.0.2}\n        server-2: {ansible_host: ${server2}}\n    infra:\n      hosts:\n        dns: {ansible_host: 10.0.0.9}\n`,
    );

  it("maps every design host to its variables (the visitor may be left out)", () => {
    const m = readInventory(inv("10.0.0.3"), model);
    expect(m["server-2"]).toEqual({ ansible_host: "10.0.0.3" });
    expect(m.user).toBeUndefined();
  });

  it("refuses two hosts of one role on one real host, with the path in the file", () => {
    const f = inv("10.0.0.2");
    expect(() => readInventory(f, model)).toThrow(UsageError);
    expect(() => readInventory(f, model)).toThrow(`${f}: all.children.web.hosts.server-2.ansible_host`);
  });

  it("refuses an inventory that leaves a design host out", () => {
    const f = file("all:\n  hosts:\n    lb-1: {ansible_host: 10.0.0.1}\n");
    expect(() => readInventory(f, model)).toThrow(/does not name dns, server-1, server-2/);
  });
});

it("reads ansible-playbook's PLAY RECAP", () => {
  const out = "PLAY RECAP ***\nlb-1                       : ok=8    changed=0    unreachable=0    failed=0    skipped=5\nserver-1 : ok=35 changed=2 unreachable=0 failed=1 skipped=1\n";
  expect(parseRecap(out)).toEqual([
    { host: "lb-1", ok: 8, changed: 0, unreachable: 0, failed: 0 },
    { host: "server-1", ok: 35, changed: 2, unreachable: 0, failed: 1 },
  ]);
});

describe("stacklab export ansible: bad input", () => {
  it("exits 2 with the file and the path for a design that does not validate, and writes nothing", async () => {
    const { main } = await import("../../src/cli/main.js");
    const out = join(mkdtempSync(join(tmpdir(), "stacklab-exbad-")), "project");
    dirs.push(out);
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (errors.push(String(s)), true)) as typeof process.stderr.write;
    try {
      expect(await main(["export", "ansible", "test/fixtures/broken/app-unknown-type.yaml", "-o", out])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(errors.join("")).toMatch(/app-unknown-type\.yaml:6:9 \[app\.type\]/);
    expect(existsSync(out)).toBe(false);
  });
});
