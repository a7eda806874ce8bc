// The Ansible export: every file a lab host gets is in the project unchanged (same renderers), secrets are marked
// for ansible-vault and appear in no other file, ownership is the state the services leave, groups are in the order
// rolling plays need, and a user's inventory is checked against the design.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel } from "../../src/model/index.js";
import { hostFiles } from "../../src/runtime/files.js";
import { serviceContext } from "../../src/runtime/lifecycle.js";
import { derivedSecrets, type Secrets } from "../../src/runtime/secrets.js";
import { tlsFilesIn } from "../../src/runtime/tls.js";
import { ansibleProject, roleName } from "../../src/export/ansible/project.js";
import { readInventory } from "../../src/export/ansible/export.js";
import { parseRecap } from "../../src/export/ansible/rehearse.js";
import { UsageError } from "../../src/spec/errors.js";

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
  const lab = new Map(model.hosts.map((h) => [h.name, hostFiles(serviceContext("exporttest", model, h.name, SECRETS), tls.get(h.name) ?? [])]));
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
