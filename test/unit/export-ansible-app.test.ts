// stacklab's programs as the Ansible export ships them: a versioned package built from this repository (only the
// modules the app runner, the demo app and the failover agent and controller load, the npm packages they need at run
// time, a custom app's folder), installed by the `stacklab_package` role under /opt/stacklab-app/VERSION with Node.js
// from Debian, and run from there by the run scripts of the app, the database agents and the failover controllers.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { loadStackFile } from "../../src/spec/load.js";
import { appRunScript } from "../../src/runtime/services/app.js";
import { dbAgent } from "../../src/runtime/services/db-agent.js";
import { failoverController } from "../../src/runtime/services/failover-controller.js";
import { REPO_DIR } from "../../src/runtime/repo.js";
import { projectInput } from "../../src/export/ansible/export.js";
import { ansibleProject, type ProjectFile } from "../../src/export/ansible/project.js";
import { APP_RELEASE_ROOT, buildAppPackage, PACKAGE_ROLE, packagedProgramTask, type AppPackage } from "../../src/export/ansible/app-package.js";
import { parseRecap } from "../../src/export/ansible/rehearse.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = (what: string) => {
  const d = mkdtempSync(join(tmpdir(), `stacklab-app-pkg-${what}-`));
  dirs.push(d);
  return d;
};
const CUSTOM = join(REPO_DIR, "examples/custom-app");
const haveAnsible = existsSync("/usr/bin/ansible-playbook");

async function pkg(opts: Parameters<typeof buildAppPackage>[0] = {}): Promise<AppPackage> {
  const p = await buildAppPackage(opts);
  dirs.push(p.dir);
  return p;
}

/** The project of a design, as `export ansible` makes it (the package built on the way). */
async function project(stackFile: { blueprint?: string; file?: string }, lab?: string): Promise<{ files: Map<string, ProjectFile>; pkg: AppPackage }> {
  const stack = stackFile.blueprint ? loadBlueprint(stackFile.blueprint) : loaded(await loadStackFile(stackFile.file!));
  const input = await projectInput({ stack, source: "test", ...(stackFile.file ? { specDir: CUSTOM } : {}) });
  dirs.push(input.appPackage!.dir);
  return { files: new Map(ansibleProject({ ...input, ...(lab ? { lab } : {}) }).map((f) => [f.path, f])), pkg: input.appPackage! };
}

function tarList(file: string): string[] {
  const r = spawnSync("tar", ["tzf", file], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .split("\n")
    .filter((l) => l && !l.endsWith("/"))
    .map((l) => l.replace(/^\.\//, ""))
    .sort();
}

describe("the app's package", () => {
  it("holds the runner, the demo app and their run-time npm packages, and nothing of stacklab's tooling", async () => {
    const p = await pkg();
    const listed = tarList(p.file);
    expect(listed).toEqual(p.contents);
    for (const f of [
      "package.json",
      "dist/app/runner/main.js",
      "dist/app/foobar/worker-main.js",
      "dist/app/foobar/mysql-db.js",
      "dist/render/config/tls-policy.js",
      "node_modules/mysql2/package.json",
      "node_modules/prom-client/package.json",
    ])
      expect(listed, f).toContain(f);
    // Only what the app loads: no runtime, CLI or renderers of stacklab, no type declarations, no dev tooling.
    const dist = listed.filter((f) => f.startsWith("dist/"));
    expect(
      dist.every((f) => f.endsWith(".js") && (f.startsWith("dist/app/") || f === "dist/render/config/tls-policy.js")),
      dist.join(" "),
    ).toBe(true);
    for (const dev of ["typescript", "vitest", "eslint", "yaml", "zod", "commander"])
      expect(
        listed.some((f) => f.startsWith(`node_modules/${dev}/`)),
        dev,
      ).toBe(false);
    const manifest = JSON.parse(spawnSync("tar", ["xzOf", p.file, "./package.json"], { encoding: "utf8" }).stdout) as { version: string; dependencies: Record<string, string>; main: string };
    expect(manifest.version).toBe(p.version);
    expect(p.name).toBe(`stacklab-app-${p.version}.tar.gz`);
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["mysql2", "prom-client"]);
    expect(manifest.main).toBe("dist/app/runner/main.js");
    expect(p.version).toMatch(/^\d+\.\d+\.\d+-[0-9a-f]{10}$/);
  });

  it("holds the failover agent and controller when asked, with only the modules and npm packages they load", async () => {
    const p = await pkg({ kinds: ["app", "db-agent", "failover-controller"] });
    const listed = tarList(p.file);
    for (const f of ["dist/app/runner/main.js", "dist/failover/agent/main.js", "dist/failover/controller/main.js", "node_modules/zod/package.json"]) expect(listed, f).toContain(f);
    const dist = listed.filter((f) => f.startsWith("dist/"));
    for (const tooling of ["dist/cli/", "dist/runtime/lab", "dist/export/", "dist/bench/", "dist/dashboard/"])
      expect(
        dist.filter((f) => f.startsWith(tooling)),
        tooling,
      ).toEqual([]);
    const manifest = JSON.parse(spawnSync("tar", ["xzOf", p.file, "./package.json"], { encoding: "utf8" }).stdout) as { description: string };
    expect(manifest.description).toMatch(/app runner and foobar demo app, the database failover agent and the failover controller/);
    expect((await pkg()).version).not.toBe(p.version);
  });

  it("is the same bytes and version when built twice (a second export is not a new release)", async () => {
    const [a, b] = [await pkg(), await pkg()];
    expect(b.version).toBe(a.version);
    expect(readFileSync(b.file).equals(readFileSync(a.file))).toBe(true);
  });

  it("ships a custom app's folder as custom/ (a new release when it changes), never the export's own folder", async () => {
    const dir = tmp("custom");
    cpSync(CUSTOM, dir, { recursive: true });
    mkdirSync(join(dir, "out"));
    writeFileSync(join(dir, "out", "site.yml"), "---\n");
    const a = await pkg({ customDir: dir, exclude: [join(dir, "out")] });
    expect(a.contents).toContain("custom/server.js");
    expect(a.contents).toContain("custom/package.json");
    expect(a.contents.some((f) => f.startsWith("custom/out/"))).toBe(false);
    writeFileSync(join(dir, "server.js"), `${readFileSync(join(dir, "server.js"), "utf8")}\n// v2\n`);
    expect((await pkg({ customDir: dir, exclude: [join(dir, "out")] })).version).not.toBe(a.version);
  });

  it("runs a custom app unpacked on its own, away from this checkout", async () => {
    const p = await pkg({ customDir: CUSTOM });
    const root = tmp("run");
    expect(spawnSync("tar", ["xzf", p.file, "-C", root]).status).toBe(0);
    const port = await freePort();
    const env = join(root, "app.env");
    writeFileSync(env, `PORT=${port}\nWORKERS=1\nAPP_KIND=custom\nAPP_COMMAND=node server.js\nAPP_DIR=${join(root, "custom")}\nLISTEN_ADDRESS=127.0.0.1\nAPP_VERSION=${p.version}\n`);
    const runner = spawn(process.execPath, [join(root, "dist/app/runner/main.js"), "--env", env], { cwd: root, stdio: "ignore" });
    try {
      const body = await until(async () => {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`);
        return r.status === 200 ? ((await r.json()) as { version: string }) : undefined;
      });
      expect(body.version).toBe(p.version);
    } finally {
      runner.kill("SIGTERM");
    }
  }, 30_000);
});

describe("the app role", () => {
  it("runs the app from the installed release with the release's node, in the project and nowhere else", async () => {
    const { files, pkg: p } = await project({ blueprint: "1-distributed_web_infrastructure" });
    const run = files.get("roles/app/files/server-1/etc/stacklab/service/app/run")!.content;
    expect(run).toContain(`${APP_RELEASE_ROOT}/bin/node ${APP_RELEASE_ROOT}/current/dist/app/runner/main.js --env /etc/stacklab/app.env`);
    expect(run).not.toContain(REPO_DIR);
    expect(files.get(`roles/${PACKAGE_ROLE}/files/${p.name}`)?.from).toBe(p.file);
    // The lab itself keeps running the app from this checkout.
    expect(appRunScript(8000)).toContain(join(REPO_DIR, "dist/app/runner/main.js"));
    const vars = parse(files.get("group_vars/all.yml")!.content) as Record<string, unknown>;
    expect(vars).toMatchObject({
      stacklab_app_root: APP_RELEASE_ROOT,
      stacklab_app_version: p.version,
      stacklab_app_package: p.name,
      stacklab_node_package: "nodejs",
      stacklab_node_check_only: false,
    });
    // The package role is a dependency of the app role: it runs before the app's tasks.
    expect(parse(files.get("roles/app/meta/main.yml")!.content)).toMatchObject({ dependencies: [{ role: PACKAGE_ROLE }] });
    const main = files.get("roles/app/tasks/main.yml")!.content;
    expect(main.indexOf("Record the release app runs")).toBeGreaterThan(0);
    expect(main.indexOf("Record the release app runs")).toBeLessThan(main.indexOf("Supervise app with runit"));
    // (restarted only if it ran before this play: its run script was on the host when the role's scan read it)
    expect(parse(files.get("roles/app/handlers/main.yml")!.content)).toContainEqual(
      expect.objectContaining({ name: "Restart app on its new release", when: "(stacklab_service_dir ~ '/app/run') in (app_found.files | map(attribute='path'))" }),
    );
    // The package role: one block, run once per host however many plays need it.
    const role = parse(files.get(`roles/${PACKAGE_ROLE}/tasks/main.yml`)!.content) as { when: string; block: Record<string, Record<string, unknown>>[] }[];
    expect(role).toHaveLength(1);
    expect(role[0]!.when).toBe("stacklab_package_in_place is not defined");
    const tasks = role[0]!.block;
    expect(tasks.at(-1)).toMatchObject({ "ansible.builtin.set_fact": { stacklab_package_in_place: true } });
    expect(tasks.find((t) => t["ansible.builtin.apt"])!["ansible.builtin.apt"]).toEqual({ name: "{{ stacklab_node_package }}", state: "present" });
    expect(tasks.find((t) => t["ansible.builtin.unarchive"])!["ansible.builtin.unarchive"]).toMatchObject({ creates: "{{ stacklab_app_root }}/{{ stacklab_app_version }}/package.json" });
    expect(files.get("README.md")!.content).toContain(p.name);
  });

  it("runs design 3's database agents and failover controllers from the package too, as the lab runs them from this checkout", async () => {
    const { files, pkg: p } = await project({ blueprint: "3-scale_up" });
    expect(p.contents).toEqual(expect.arrayContaining(["dist/failover/agent/main.js", "dist/failover/controller/main.js"]));
    const runs = [...files.values()].filter((f) => /\/etc\/stacklab\/service\/(db-agent|failover-controller)\/run$/.test(f.path));
    expect(runs.map((f) => f.path.split("/")[1]).sort()).toEqual(expect.arrayContaining(["db_agent", "failover_controller"]));
    for (const f of runs) {
      const kind = f.path.includes("/db-agent/") ? "agent" : "controller";
      expect(f.content, f.path).toContain(`${APP_RELEASE_ROOT}/bin/node --max-old-space-size=32`);
      expect(f.content, f.path).toContain(`${APP_RELEASE_ROOT}/current/dist/failover/${kind}/main.js --config`);
      expect(f.content, f.path).not.toContain(REPO_DIR);
    }
    for (const role of ["db_agent", "failover_controller"]) {
      expect(parse(files.get(`roles/${role}/meta/main.yml`)!.content), role).toMatchObject({ dependencies: [{ role: PACKAGE_ROLE }] });
      expect(files.get(`roles/${role}/tasks/main.yml`)!.content, role).toContain(`Record the release ${role.replace(/_/g, "-")} runs`);
    }
    // One copy of the package in the project, and a README that no longer asks for a checkout on the servers.
    expect([...files.keys()].filter((f) => f.endsWith(".tar.gz"))).toEqual([`roles/${PACKAGE_ROLE}/files/${p.name}`]);
    expect(files.get("README.md")!.content).toMatch(/Nothing runs from a stacklab checkout/);
    // The lab runs the same programs from this checkout.
    const lab = await projectInput({ stack: loadBlueprint("3-scale_up"), source: "test" });
    dirs.push(lab.appPackage!.dir);
    const ctx = { ...lab.contexts.get("db-1")! };
    delete ctx.appRelease;
    expect(dbAgent.runScript(ctx)).toContain(join(REPO_DIR, "dist/failover/agent/main.js"));
    expect(failoverController.runScript({ ...ctx, host: lab.model.hosts.find((h) => h.name === lab.model.database.controllers[0])! })).toContain(join(REPO_DIR, "dist/failover/controller/main.js"));
  });

  it("only checks the Node.js package on a rehearsal (a lab host shares this machine's /usr)", async () => {
    const { files } = await project({ blueprint: "1-distributed_web_infrastructure" }, "exporttest");
    expect(parse(files.get("group_vars/all.yml")!.content)).toMatchObject({ stacklab_node_check_only: true });
  });

  it("points a custom app's APP_DIR at the release's custom/ folder", async () => {
    const { files, pkg: p } = await project({ file: join(CUSTOM, "stack.yaml") });
    expect(p.contents).toContain("custom/server.js");
    const env = [...files.values()].find((f) => f.path.endsWith("/etc/stacklab/app.env"))!.content;
    expect(env).toMatch(new RegExp(`^APP_DIR=${APP_RELEASE_ROOT}/current/custom$`, "m"));
    expect(env).not.toContain(CUSTOM);
  });

  it.skipIf(!haveAnsible)(
    "installs the package with the real ansible-playbook, and a second run changes nothing",
    async () => {
      const { files, pkg: p } = await project({ blueprint: "1-distributed_web_infrastructure" });
      const dir = tmp("role");
      const root = join(dir, "opt", "stacklab-app");
      const role = join(dir, "roles", PACKAGE_ROLE);
      mkdirSync(join(role, "tasks"), { recursive: true });
      mkdirSync(join(role, "files"), { recursive: true });
      writeFileSync(join(role, "tasks/main.yml"), files.get(`roles/${PACKAGE_ROLE}/tasks/main.yml`)!.content);
      cpSync(p.file, join(role, "files", p.name));
      const debianNode = spawnSync("dpkg-query", ["-W", "-f=${Status}", "nodejs"], { encoding: "utf8" }).stdout.includes("ok installed");
      const vars = {
        ...(parse(files.get("group_vars/all.yml")!.content) as Record<string, unknown>),
        stacklab_app_root: root,
        stacklab_node_bin: process.execPath,
        // (this machine's nodejs package, checked only, if Node.js came from it)
        stacklab_node_package: debianNode ? "nodejs" : "",
        stacklab_node_check_only: true,
      };
      writeFileSync(join(dir, "vars.json"), JSON.stringify(vars));
      writeFileSync(
        join(dir, "play.yml"),
        stringify([
          {
            name: "The package role, then what the database agent's role records of it",
            hosts: "localhost",
            gather_facts: false,
            tasks: [{ name: "Install", "ansible.builtin.include_role": { name: PACKAGE_ROLE } }, packagedProgramTask("db-agent")],
            handlers: [{ name: "Restart db-agent on its new release", "ansible.builtin.debug": { msg: "restart" } }],
          },
          {
            // (design 1's servers: the database agent's play, then the app's; the package is checked once)
            name: "A later play's program on the same host",
            hosts: "localhost",
            gather_facts: false,
            tasks: [{ name: "Install", "ansible.builtin.include_role": { name: PACKAGE_ROLE } }, packagedProgramTask("app")],
            handlers: [{ name: "Restart app on its new release", "ansible.builtin.debug": { msg: "restart" } }],
          },
        ]),
      );
      const play = () =>
        spawnSync("ansible-playbook", ["-i", "localhost,", "-c", "local", "-e", `@${join(dir, "vars.json")}`, "play.yml"], {
          cwd: dir,
          encoding: "utf8",
          timeout: 240_000,
          env: { ...process.env, ANSIBLE_NOCOLOR: "1", ANSIBLE_ROLES_PATH: join(dir, "roles"), ANSIBLE_PYTHON_INTERPRETER: "/usr/bin/python3" },
        });
      const first = play();
      expect(first.status, first.stdout.slice(-3000)).toBe(0);
      expect(parseRecap(first.stdout)[0]!.changed).toBeGreaterThan(0);
      expect(readlinkSync(join(root, "current"))).toBe(join(root, p.version));
      expect(readlinkSync(join(root, "bin/node"))).toBe(process.execPath);
      expect(JSON.parse(readFileSync(join(root, "current/package.json"), "utf8"))).toMatchObject({ version: p.version });
      expect(readFileSync(join(root, "running/app"), "utf8")).toBe(`${p.version} ${process.execPath}\n`);
      expect(readFileSync(join(root, "running/db-agent"), "utf8")).toBe(`${p.version} ${process.execPath}\n`);
      // the package role's tasks ran in the first play only
      const checked = (out: string, what: string) => out.match(new RegExp(`TASK \\[${PACKAGE_ROLE} : Read the Node.js runtime's version\\][^\\n]*\\n${what}:`, "g"))?.length ?? 0;
      expect([checked(first.stdout, "ok"), checked(first.stdout, "skipping")], first.stdout).toEqual([1, 1]);
      const second = play();
      expect(second.status, second.stdout.slice(-3000)).toBe(0);
      expect(parseRecap(second.stdout)[0]!.changed, second.stdout).toBe(0);
      // a program's record already as wanted is not rewritten (no module run: the package role's scan saw it)
      expect(second.stdout).toMatch(/TASK \[Record the release app runs\][^\n]*\nskipping:/);
      expect(second.stdout).not.toContain("restart");
    },
    600_000,
  );
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** Retries until `f` gives a value (connection refused while the runner starts), at most 20 s. */
async function until<T>(f: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("the packaged runner never answered /healthz");
    await new Promise((r) => setTimeout(r, 100));
  }
}

function loaded(r: Awaited<ReturnType<typeof loadStackFile>>) {
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value;
}
