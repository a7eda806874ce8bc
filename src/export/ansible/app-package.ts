// stacklab's Node programs as a real deployment ships them: a versioned package (a .tar.gz) built from this
// repository at export time, holding the compiled app runner and demo app and, in a design with automatic database
// failover, the failover agent and controller (only the modules they import), the npm packages they need at run
// time (copied from this checkout's node_modules, the versions the lab runs), and a custom app's own folder. The
// `stacklab_package` role installs it under /opt/stacklab-app/VERSION with a `current` link; the `app`, `db_agent`
// and `failover_controller` roles run their program from it with a Node runtime from Debian's `nodejs` package
// (or a node binary the user names).
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { UsageError } from "../../spec/errors.js";
import { inPlace, scanTask } from "./state.js";
import { run } from "../../runtime/exec.js";
import { REPO_DIR } from "../../runtime/repo.js";
import { APP_MAIN } from "../../runtime/services/app.js";
import { AGENT_MAIN } from "../../runtime/services/db-agent.js";
import { CONTROLLER_MAIN } from "../../runtime/services/failover-controller.js";

/** Where the `app` role installs releases on a target (each in its own VERSION folder, `current` the one running). */
export const APP_RELEASE_ROOT = "/opt/stacklab-app";

/** The service kinds that run a program of the package, and its entry points (the app runner also forks the demo app's worker). */
export const PACKAGED_PROGRAMS = {
  app: [APP_MAIN, "dist/app/foobar/worker-main.js"],
  "db-agent": [AGENT_MAIN],
  "failover-controller": [CONTROLLER_MAIN],
} as const;
export type PackagedKind = keyof typeof PACKAGED_PROGRAMS;

/** The kinds of a list that run from the package, in PACKAGED_PROGRAMS's order. */
export function packagedKinds(kinds: Iterable<string>): PackagedKind[] {
  const have = new Set(kinds);
  return (Object.keys(PACKAGED_PROGRAMS) as PackagedKind[]).filter((k) => have.has(k));
}

export interface AppPackage {
  /** stacklab's version and a digest of the package's contents: a change to any file is a new release. */
  version: string;
  /** The .tar.gz on this machine (in `dir`, a temporary folder the caller removes). */
  file: string;
  /** Its name in the project (`roles/app/files/NAME`). */
  name: string;
  /** Every path the package holds (files only, sorted). */
  contents: string[];
  /** The Node.js major version the package needs (from stacklab's `engines`). */
  nodeMajor: number;
  dir: string;
}

/** The module specifiers of a compiled ES module: `import ... from`, `export ... from`, `import "x"` and `import("x")`. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  const shapes = [/^\s*(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']/gm, /^\s*import\s*["']([^"']+)["']/gm, /\bimport\(\s*["']([^"']+)["']\s*\)/g];
  for (const shape of shapes) for (const m of text.matchAll(shape)) out.push(m[1]!);
  return out;
}

/** The relative modules a compiled module imports (static, dynamic and re-exports), as paths. */
function relativeImports(file: string): string[] {
  const out: string[] = [];
  for (const spec of specifiers(file)) if (spec.startsWith("./") || spec.startsWith("../")) out.push(resolve(dirname(file), spec));
  return out;
}

/** The npm packages a compiled module imports by name (node: built-ins left out). */
function bareImports(file: string): string[] {
  const out = new Set<string>();
  for (const spec of specifiers(file)) {
    if (spec.startsWith("node:") || !/^(@[a-z0-9._-]+\/)?[a-z0-9][a-z0-9._-]*(\/[^\s]*)?$/.test(spec)) continue;
    out.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
  }
  return [...out];
}

/** The compiled modules the programs of these kinds reach, and the npm packages they import. */
export function appModules(repo = REPO_DIR, kinds: readonly PackagedKind[] = ["app"]): { modules: string[]; packages: string[] } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const todo = kinds.flatMap((k) => PACKAGED_PROGRAMS[k]).map((e) => join(repo, e));
  for (const e of todo) if (!existsSync(e)) throw new UsageError(`stacklab's package is built from the compiled programs: ${e} is missing (run \`npm run build\`)`);
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const p of bareImports(f)) packages.add(p);
    todo.push(...relativeImports(f).filter((r) => !seen.has(r)));
  }
  return { modules: [...seen].map((f) => relative(repo, f)).sort(), packages: [...packages].sort() };
}

/**
 * The folders of the npm packages needed at run time (those imported and, recursively, their dependencies), found
 * as Node finds them: the nearest node_modules up from the package that needs one. Paths relative to the repository.
 */
export function runtimePackages(names: string[], repo = REPO_DIR): string[] {
  const found = new Set<string>();
  const find = (name: string, from: string): string => {
    for (let dir = from; ; dir = dirname(dir)) {
      const candidate = join(dir, "node_modules", name);
      if (existsSync(join(candidate, "package.json"))) return candidate;
      if (dir === repo || dir === dirname(dir)) throw new UsageError(`the app needs the npm package ${name}, not installed in ${repo} (run \`npm ci\`)`);
    }
  };
  const visit = (name: string, from: string) => {
    const dir = find(name, from);
    const rel = relative(repo, dir);
    if (found.has(rel)) return;
    found.add(rel);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      try {
        visit(dep, dir);
      } catch (err) {
        // An optional dependency may be absent, as npm itself allows.
        if (!pkg.optionalDependencies?.[dep]) throw err;
      }
    }
  };
  for (const n of names) visit(n, repo);
  return [...found].sort();
}

/** Every file under a folder, relative to it, sorted (symbolic links followed; `skip` names folders left out). */
function listFiles(root: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (skip(r)) continue;
      const st = statSync(join(root, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile()) out.push(r);
    }
  };
  walk("");
  return out;
}

export interface AppPackageOptions {
  /** The kinds whose programs it holds (default: the app alone). */
  kinds?: readonly PackagedKind[];
  /** A custom app's folder on this machine (shipped as `custom/`). */
  customDir?: string;
  /** Folders never shipped with a custom app (e.g. the export's own output folder inside it). */
  exclude?: string[];
  repo?: string;
}

/**
 * Builds the app's package in a temporary folder: the same inputs give the same bytes (sorted entries, no times,
 * owner root), so exporting twice gives the same release and a second playbook run installs nothing.
 */
export async function buildAppPackage(opts: AppPackageOptions = {}): Promise<AppPackage> {
  const repo = opts.repo ?? REPO_DIR;
  const kinds = opts.kinds ?? ["app"];
  const { modules, packages } = appModules(repo, kinds);
  const deps = runtimePackages(packages, repo);
  const own = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string; engines?: { node?: string }; dependencies?: Record<string, string> };
  const nodeMajor = Number(/(\d+)/.exec(own.engines?.node ?? ">=20")?.[1] ?? 20);
  const dir = mkdtempSync(join(tmpdir(), "stacklab-app-package-"));
  const stage = join(dir, "stage");
  try {
    for (const m of modules) {
      mkdirSync(dirname(join(stage, m)), { recursive: true });
      cpSync(join(repo, m), join(stage, m));
    }
    for (const d of deps) cpSync(realpathSync(join(repo, d)), join(stage, d), { recursive: true, dereference: true });
    if (opts.customDir) {
      const src = realpathSync(opts.customDir);
      const excluded = (opts.exclude ?? []).map((e) => resolve(e));
      const skip = (rel: string) => rel.split("/").pop() === ".git" || excluded.includes(join(src, rel));
      for (const f of listFiles(src, skip)) {
        mkdirSync(dirname(join(stage, "custom", f)), { recursive: true });
        cpSync(join(src, f), join(stage, "custom", f), { dereference: true });
      }
    }
    const versions = Object.fromEntries(packages.map((p) => [p, (JSON.parse(readFileSync(join(repo, "node_modules", p, "package.json"), "utf8")) as { version: string }).version]));
    const manifest = {
      name: "stacklab-app",
      description: `${packageContents(kinds, Boolean(opts.customDir))}, packaged by stacklab export ansible`,
      private: true,
      type: "module",
      engines: { node: own.engines?.node ?? ">=20" },
      ...(kinds.includes("app") ? { main: APP_MAIN } : {}),
      dependencies: versions,
    };
    // The version is stacklab's and a digest of every file but the manifest (which carries the version).
    const files = listFiles(stage);
    const digest = createHash("sha256");
    for (const f of files)
      digest
        .update(`${f}\0`)
        .update(readFileSync(join(stage, f)))
        .update("\0");
    const version = `${own.version}-${digest.digest("hex").slice(0, 10)}`;
    writeFileSync(join(stage, "package.json"), `${JSON.stringify({ ...manifest, version }, null, 2)}\n`);
    const contents = [...files, "package.json"].sort();
    const tar = join(dir, "package.tar");
    await run(["tar", "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "--mode=u+rwX,go+rX,go-w", "-cf", tar, "-C", stage, "."], { timeoutMs: 120_000 });
    const name = `stacklab-app-${version}.tar.gz`;
    const file = join(dir, name);
    writeFileSync(file, gzipSync(readFileSync(tar), { level: 9 }));
    rmSync(tar);
    rmSync(stage, { recursive: true, force: true });
    return { version, file, name, contents, nodeMajor, dir };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** What a package of these kinds holds, in words. */
export function packageContents(kinds: readonly PackagedKind[], custom: boolean): string {
  const parts = kinds.map((k) =>
    k === "app" ? `stacklab's app runner and foobar demo app${custom ? ", with a custom app in custom/" : ""}` : k === "db-agent" ? "the database failover agent" : "the failover controller",
  );
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : (parts[0] ?? "nothing");
}

/** The role that installs the package and the Node runtime: a dependency of every role that runs a program of it. */
export const PACKAGE_ROLE = "stacklab_package";
/** What the package role's scan of its folders is registered as (read again by the programs' records). */
const PACKAGE_FOUND = "stacklab_package_found";
/** The package's files and folders as that scan saw them, kept for the whole run (the programs' records, later plays). */
const PACKAGE_FILES = "stacklab_package_files";

/**
 * The package role's tasks. Ansible runs a role dependency once per play and host, however many roles need it; a
 * host whose programs are in two plays (design 1's servers: the database agent, then the app) would check it all
 * again, so the tasks are a block run once per host and playbook run (a fact marks it done).
 */
export function packageRoleTasks(): Record<string, unknown>[] {
  const release = "{{ stacklab_app_root }}/{{ stacklab_app_version }}";
  const releaseExpr = "stacklab_app_root ~ '/' ~ stacklab_app_version";
  // (`expr`: the path as a Jinja expression, for the condition)
  const dir = (name: string, path: string, expr: string) => ({
    name,
    "ansible.builtin.file": { path, state: "directory", owner: "root", group: "root", mode: "0755" },
    when: `not ${inPlace(`${PACKAGE_FOUND}.files`, { path: expr, kind: "directory", mode: "'0755'", owner: "'root'", group: "'root'" })}`,
  });
  const tasks: Record<string, unknown>[] = [
    {
      name: "Install the Node.js runtime (Debian's package)",
      "ansible.builtin.apt": { name: "{{ stacklab_node_package }}", state: "present" },
      when: "stacklab_node_package | length > 0 and not (stacklab_node_check_only | bool)",
    },
    {
      // A lab host shares this machine's /usr and dpkg database: there the package must already be installed, and
      // this only checks it, never installing into the machine (dpkg's own record: apt in check mode would load its
      // whole cache for the same answer).
      name: "Check the Node.js runtime's package is installed (a rehearsal: nothing is installed)",
      "ansible.builtin.command": { argv: ["dpkg-query", "--show", "--showformat=${Status}", "{{ stacklab_node_package }}"] },
      register: "node_package",
      changed_when: false,
      failed_when: "node_package.stdout != 'install ok installed'",
      when: "stacklab_node_package | length > 0 and (stacklab_node_check_only | bool)",
    },
    {
      name: "Read the Node.js runtime's version",
      "ansible.builtin.command": { argv: ["{{ stacklab_node_bin }}", "--version"] },
      register: "node_version",
      changed_when: false,
    },
    {
      name: "Check the Node.js runtime is recent enough for stacklab's programs",
      "ansible.builtin.assert": {
        that: ["(node_version.stdout | trim)[1:].split('.')[0] | int >= stacklab_node_major"],
        fail_msg: "{{ stacklab_node_bin }} is {{ node_version.stdout }}; stacklab's programs need Node.js {{ stacklab_node_major }} or later (README.md)",
        quiet: true,
      },
    },
    // The folders, the release and the programs' records as they are, in one module run (state.ts): what is
    // already as wanted is skipped. (The links' targets are not in find's answer: the file module checks them.)
    scanTask("Read the state of the package's folders on the host", PACKAGE_FOUND, {
      paths: "{{ stacklab_app_root | dirname }}",
      depth: 3,
      patterns: `{{ [stacklab_app_root | basename, stacklab_app_version, 'bin', 'running', 'package.json', ${Object.keys(PACKAGED_PROGRAMS)
        .map((k) => `'${k}'`)
        .join(", ")}] }}`,
    }),
    dir("Create the release's folder", release, releaseExpr),
    {
      name: "Unpack the package into its release folder (once per version)",
      "ansible.builtin.unarchive": { src: "{{ stacklab_app_package }}", dest: release, owner: "root", group: "root", creates: `${release}/package.json` },
      when: `not ${inPlace(`${PACKAGE_FOUND}.files`, { path: `${releaseExpr} ~ '/package.json'`, kind: "file" })}`,
    },
    dir("Create the folder of the Node runtime link", "{{ stacklab_app_root }}/bin", "stacklab_app_root ~ '/bin'"),
    dir("Create the folder recording the release each program runs", "{{ stacklab_app_root }}/running", "stacklab_app_root ~ '/running'"),
    {
      name: "Point the package's node at the Node.js runtime",
      "ansible.builtin.file": { src: "{{ stacklab_node_bin }}", dest: "{{ stacklab_app_root }}/bin/node", state: "link", owner: "root", group: "root", force: true },
    },
    {
      name: "Make this release the current one",
      "ansible.builtin.file": { src: release, dest: "{{ stacklab_app_root }}/current", state: "link", owner: "root", group: "root", force: true },
    },
    // (a fact, not the scan's registered answer: the skipped scan of a later play would register over it)
    { name: "Note that the package is in place on this host", "ansible.builtin.set_fact": { stacklab_package_in_place: true, [PACKAGE_FILES]: `{{ ${PACKAGE_FOUND}.files }}` } },
  ];
  return [{ name: "Install stacklab's package and its Node.js runtime, once per host", when: "stacklab_package_in_place is not defined", block: tasks }];
}

/**
 * The task of a role running a program of the package: it records the release and the Node runtime the program
 * runs, and a change restarts the program. Per program, not per link: on a host running two of them, the first
 * role's play moves `current`, and the second program must still be restarted in its own play.
 */
export function packagedProgramTask(kind: PackagedKind): Record<string, unknown> {
  const content = "{{ stacklab_app_version }} {{ stacklab_node_bin }}\n";
  const dest = `{{ stacklab_app_root }}/running/${kind}`;
  return {
    name: `Record the release ${kind} runs`,
    "ansible.builtin.copy": { content, dest, owner: "root", group: "root", mode: "0644" },
    // (skipped when the package role's scan saw this very record: no module run on the host)
    when: `not ${inPlace(PACKAGE_FILES, {
      path: `stacklab_app_root ~ '/running/${kind}'`,
      kind: "file",
      mode: "'0644'",
      owner: "'root'",
      group: "'root'",
      content: "stacklab_app_version ~ ' ' ~ stacklab_node_bin ~ '\\n'",
    })}`,
    notify: `Restart ${kind} on its new release`,
  };
}

/**
 * The handler that moves a running program to a new release (a reload re-reads files, but the code is loaded once).
 * `supervised`: the condition that the program ran before this play.
 */
export function packagedProgramHandler(kind: PackagedKind, supervised: string): Record<string, unknown> {
  return {
    name: `Restart ${kind} on its new release`,
    "ansible.builtin.command": { argv: ["sv", "restart", `{{ stacklab_service_dir }}/${kind}`] },
    changed_when: true,
    when: supervised,
  };
}

/** The variables of the package (group_vars/all.yml); the user changes the Node runtime's. */
export function appPackageVars(pkg: AppPackage, lab: boolean): Record<string, unknown> {
  return {
    stacklab_app_root: APP_RELEASE_ROOT,
    stacklab_app_version: pkg.version,
    stacklab_app_package: pkg.name,
    // Debian's package by default; empty to use a Node.js installed otherwise, then name its binary.
    stacklab_node_package: "nodejs",
    stacklab_node_bin: "/usr/bin/node",
    stacklab_node_major: pkg.nodeMajor,
    stacklab_node_check_only: lab,
  };
}
