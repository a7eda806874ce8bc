// Rootless labs: a normal user (made here, with subordinate ids) brings design 3 up without root, reads the page
// from the user host and from its own loopback, crashes a load balancer, audits, and tears down with nothing left;
// `clean` after an interrupted rootless `up`; a second user sees none of it; a user without subordinate ids is told
// the administrator's command. The users made here are removed at the end, with every process they ran.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, cli, isRoot, ROOT, STATE_ROOT, testLab, until, type CliResult } from "./helpers.js";
import { freeStart, parseSubIds, SUBIDS_NEEDED } from "../../src/runtime/rootless/ids.js";
import { delegation } from "../../src/runtime/cgroups.js";

const SUFFIX = process.env.STACKLAB_TEST_LAB_SUFFIX ?? "";
/** The test's users, named so a leftover of an interrupted run is recognised (and by their comment). */
const USERS = { a: `stklab-rla${SUFFIX}`, b: `stklab-rlb${SUFFIX}` };
const COMMENT = "stacklab rootless integration test";

function sh(argv: string[]): { code: number; out: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 60_000 });
  return { code: r.status ?? -1, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

const userns = (() => {
  const read = (f: string) => (existsSync(f) ? readFileSync(f, "utf8").trim() : undefined);
  return read("/proc/sys/user/max_user_namespaces") !== "0" && read("/proc/sys/kernel/unprivileged_userns_clone") !== "0";
})();
const canRun = isRoot && userns && existsSync("/usr/bin/newuidmap") && existsSync("/usr/sbin/useradd") && existsSync("/usr/sbin/runuser");
const why = !isRoot ? "needs root to create its test users" : !userns ? "user namespaces are disabled for normal users on this machine" : "needs newuidmap (Debian uidmap), useradd and runuser";

interface TestUser {
  name: string;
  uid: number;
  home: string;
  subuid?: { start: number; count: number };
}

function passwd(name: string): TestUser | undefined {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const f = line.split(":");
  const sub = parseSubIds(readFileSync("/etc/subuid", "utf8")).find((r) => r.owner === name);
  return { name, uid: Number(f[2]), home: f[5]!, ...(sub ? { subuid: { start: sub.start, count: sub.count } } : {}) };
}

/** Every process running as the user or as one of its subordinate ids (only ever a user this test made). */
function processesOf(u: TestUser): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      const status = readFileSync(`/proc/${e}/status`, "utf8");
      // A zombie runs nothing and holds nothing but its pid until its parent (here often the machine's init) reaps it.
      if (/^State:\s+Z/m.test(status)) continue;
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (uid === u.uid || (u.subuid && uid >= u.subuid.start && uid < u.subuid.start + u.subuid.count)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

function describeProcess(pid: number): string {
  try {
    return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim().slice(0, 120)}`;
  } catch {
    return `${pid} (gone)`;
  }
}

/** Removes a user this test made (recognised by its comment): its processes first, then the user, home and ids. */
function removeUser(name: string): void {
  const u = passwd(name);
  if (!u) return;
  const gecos = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`))!
    .split(":")[4];
  if (gecos !== COMMENT) throw new Error(`user ${name} exists and was not made by this test (comment "${gecos}"); remove it or pick another STACKLAB_TEST_LAB_SUFFIX`);
  for (let i = 0; i < 20 && processesOf(u).length; i++) {
    for (const pid of processesOf(u)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    spawnSync("sleep", ["0.1"]);
  }
  if (u.subuid) sh(["usermod", "--del-subuids", `${u.subuid.start}-${u.subuid.start + u.subuid.count - 1}`, "--del-subgids", `${u.subuid.start}-${u.subuid.start + u.subuid.count - 1}`, name]);
  sh(["userdel", "-r", name]);
}

/** Makes a normal user with a home of its own and, unless told not to, a subordinate id range of its own. */
function makeUser(name: string, withSubIds: boolean): TestUser {
  removeUser(name);
  const r = sh(["useradd", "--create-home", "--shell", "/bin/sh", "--comment", COMMENT, name]);
  if (r.code !== 0) throw new Error(`useradd ${name} failed: ${r.out}`);
  const u = passwd(name)!;
  // useradd may have given it a range already (SUB_UID_COUNT in login.defs); make it exactly what this test wants.
  if (u.subuid) sh(["usermod", "--del-subuids", `${u.subuid.start}-${u.subuid.start + u.subuid.count - 1}`, "--del-subgids", `${u.subuid.start}-${u.subuid.start + u.subuid.count - 1}`, name]);
  if (withSubIds) addSubIds(u);
  return passwd(name)!;
}

/** Gives a user of this test a subordinate uid and gid range of its own, overlapping no other. */
function addSubIds(u: TestUser): void {
  const start = Math.max(freeStart(parseSubIds(readFileSync("/etc/subuid", "utf8"))), freeStart(parseSubIds(readFileSync("/etc/subgid", "utf8"))));
  const range = `${start}-${start + SUBIDS_NEEDED - 1}`;
  const m = sh(["usermod", "--add-subuids", range, "--add-subgids", range, u.name]);
  if (m.code !== 0) throw new Error(`usermod --add-subuids for ${u.name} failed: ${m.out}`);
  Object.assign(u, passwd(u.name));
}

/**
 * The checkout as the test's users see it. A clone may sit where other users cannot go (CI's may be under /root,
 * mode 700), so the test binds it on a folder of its own that anyone may traverse; the files keep
 * their own modes (a git clone's are readable by all). Not under /tmp: every lab host has a /tmp of its own.
 */
const checkout = { dir: "", bin: BIN };

function exposeCheckout(): void {
  checkout.dir = mkdtempSync("/var/tmp/stacklab-rootless-checkout-");
  chmodSync(checkout.dir, 0o755);
  const bind = sh(["mount", "--bind", ROOT, checkout.dir]);
  if (bind.code !== 0) throw new Error(`mount --bind ${ROOT} ${checkout.dir} failed: ${bind.out}`);
  checkout.bin = join(checkout.dir, "bin", "stacklab.js");
}

function unexposeCheckout(): void {
  if (!checkout.dir) return;
  // Only the mount point this test made, and only once nothing is mounted on it (never a recursive removal).
  if (sh(["umount", checkout.dir]).code === 0) rmdirSync(checkout.dir);
}

/** Runs `stacklab ARGS` as the user, with a clean environment of its own (no STACKLAB_HOME: its state goes under its home). */
function asUser(u: TestUser, args: string[], timeoutMs = 180_000): CliResult {
  const r = spawnSync("runuser", ["-u", u.name, "--", process.execPath, checkout.bin, ...args], { encoding: "utf8", timeout: timeoutMs, cwd: u.home, env: userEnv(u) });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function userEnv(u: TestUser): NodeJS.ProcessEnv {
  return { PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", HOME: u.home, USER: u.name, LOGNAME: u.name, NO_COLOR: "1", LANG: "C.UTF-8" };
}

function stateOf(u: TestUser): string {
  return join(u.home, ".local", "state", "stacklab");
}

/** What a user's labs may leave behind: its processes (the keeper, hosts, relays) and lab folders. */
function leftovers(u: TestUser): { processes: string[]; labs: string[]; keeper: boolean } {
  const labs = join(stateOf(u), "labs");
  return { processes: processesOf(u).map(describeProcess), labs: existsSync(labs) ? readdirSync(labs) : [], keeper: existsSync(join(stateOf(u), "keeper.json")) };
}
const NOTHING = { processes: [], labs: [], keeper: false };

/** Design 0 with a size on its server. */
const SIZED = ["name: sized", "domain: foobar.com", "servers:", "  - name: server", "    roles: [web, app, db]", "    size: {cpu: 0.5, memory: 512Mi}", "database:", "  replication: none", ""].join(
  "\n",
);
function sizedSpec(u: TestUser): string {
  return join(u.home, "sized.yaml");
}

function rootNamespaces(lab: string): string[] {
  return sh(["ip", "netns", "list"])
    .out.split("\n")
    .map((l) => l.split(" ")[0]!)
    .filter((n) => n.includes(`-${lab}.`));
}

/** The cgroups left in a user's delegated subtree (none once its labs are down). */
function delegatedCgroups(name: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).filter((x) => x.isDirectory())) {
      out.push(join(d, e.name));
      walk(join(d, e.name));
    }
  };
  for (const f of delegation(name)?.folders ?? []) if (existsSync(f)) walk(f);
  return out;
}

/** Takes back a user's delegated cgroup subtree (its cgroups first, deepest first: the kernel removes empty ones only). */
function revokeDelegation(name: string): void {
  const d = delegation(name);
  if (!d) return;
  for (const c of delegatedCgroups(name).reverse()) rmdirSync(c);
  for (const f of d.folders) if (existsSync(f)) rmdirSync(f);
  // The administrator's folder too, when no other user has a subtree in it (another run's user may).
  for (const f of d.folders.map((x) => join(x, ".."))) {
    try {
      rmdirSync(f);
    } catch {
      // another user's subtree is there, or it is gone already
    }
  }
}

describe.skipIf(!canRun)(`rootless labs${canRun ? "" : ` (skipped: ${why})`}`, () => {
  let a: TestUser;
  let b: TestUser;
  const lab = testLab("rl3");
  const sizedLab = testLab("rlsz");

  beforeAll(() => {
    a = makeUser(USERS.a, true);
    b = makeUser(USERS.b, false);
    exposeCheckout();
    const readable = spawnSync("runuser", ["-u", a.name, "--", "test", "-r", checkout.bin], { env: userEnv(a) });
    if (readable.status !== 0) throw new Error(`${a.name} cannot read ${checkout.bin}: the checkout's files (${ROOT}) must be readable by other users for this test`);
  });
  afterAll(() => {
    for (const u of [USERS.a, USERS.b]) removeUser(u);
    for (const u of [USERS.a, USERS.b]) revokeDelegation(u);
    unexposeCheckout();
  });

  it("a user without subordinate ids is refused before anything starts, with the administrator's one command", () => {
    const doctor = asUser(b, ["doctor", "--json"]);
    const checks = JSON.parse(doctor.stdout) as { name: string; ok: boolean; fix?: string }[];
    const ids = checks.find((c) => c.name === "rootless: subordinate ids")!;
    expect(ids.ok).toBe(false);
    expect(ids.fix).toMatch(new RegExp(`^usermod --add-subuids \\d+-\\d+ --add-subgids \\d+-\\d+ ${b.name}$`));
    const up = asUser(b, ["up", "--blueprint", "0", "--name", lab, "-d", "--no-sizes"]);
    expect(up.code, up.stderr).toBe(2);
    expect(up.stderr).toContain("does not allow it yet");
    expect(up.stderr).toContain(`an administrator runs once: usermod --add-subuids`);
    expect(leftovers(b)).toEqual(NOTHING);
  });

  it("doctor, as a user with subordinate ids: every rootless check passes, a real mapping included; server sizes wait for a delegated cgroup subtree", () => {
    const checks = JSON.parse(asUser(a, ["doctor", "--json"]).stdout) as { name: string; ok: boolean; detail: string; fix?: string }[];
    const rootless = checks.filter((c) => c.name.startsWith("rootless: "));
    expect(rootless.map((c) => c.name)).toContain("rootless: mapping works");
    expect(rootless.filter((c) => !c.ok).map((c) => c.name)).toEqual(["rootless: server sizes"]);
    expect(rootless.find((c) => c.name === "rootless: server sizes")!.fix).toBe(delegation(a.name)!.grant);
  });

  it("a sized design, as a user without a delegated cgroup subtree: refused before anything starts, with the administrator's one command", () => {
    writeFileSync(sizedSpec(a), SIZED);
    chownSync(sizedSpec(a), a.uid, a.uid);
    const up = asUser(a, ["up", sizedSpec(a), "--name", sizedLab, "-d"]);
    expect(up.code, up.stderr + up.stdout).toBe(2);
    expect(up.stderr).toContain(`a rootless lab enforces them in a cgroup subtree an administrator delegates to ${a.name} once`);
    expect(up.stderr).toContain(`an administrator runs once: ${delegation(a.name)!.grant}\n`);
    expect(up.stderr).toContain("stacklab up --no-sizes");
    // --no-sizes is the way without the administrator: the same design runs, without its sizes.
    const unsized = asUser(a, ["up", sizedSpec(a), "--name", sizedLab, "-d", "--no-sizes"]);
    expect(unsized.code, unsized.stderr).toBe(0);
    expect(asUser(a, ["down", "--name", sizedLab]).code).toBe(0);
    expect(leftovers(a)).toEqual(NOTHING);
    expect(delegation(a.name)!.folders.filter(existsSync)).toEqual([]);
  });

  it("design 3 up as a normal user: the page from the user host and from the user's loopback, lb-1 killed and the floating IP moves, audit, down leaves nothing", () => {
    const up = asUser(a, ["up", "--blueprint", "3", "--name", lab, "-d", "--no-sizes"]);
    expect(up.code, up.stderr + up.stdout).toBe(0);
    const out = up.stderr + up.stdout;
    expect(out).toMatch(new RegExp(`mode: rootless, as ${a.name} \\(uid ${a.uid}\\)`));
    expect(out).toContain(`state under ${stateOf(a)}`);
    expect(existsSync(join(stateOf(a), "labs", lab, "state.json"))).toBe(true);
    // Nothing of it in the machine's own /run/netns, nor under root's state root.
    expect(rootNamespaces(lab)).toEqual([]);
    expect(existsSync(join(STATE_ROOT, "labs", lab))).toBe(false);
    // Root's `clean` (dry run, its own state root) finds nothing of the user's lab to remove, nor to mention.
    const rootClean = cli(["clean", "--dry-run", "--json"]);
    expect(rootClean.code, rootClean.stderr).toBe(0);
    expect(rootClean.stdout).not.toContain(a.home);
    expect(rootClean.stdout).not.toContain(`-${lab}.`);

    // The page, from the user host (by name, through DNS, both load balancers' floating IP, web, app, database).
    const page = asUser(a, ["exec", "--name", lab, "user", "--", "curl", "-s", "--max-time", "5", "https://www.foobar.com/"]);
    expect(page.code, page.stderr).toBe(0);
    expect(page.stdout).toContain("<!doctype html>");
    // ... and from the user's own loopback, through the relay the user owns.
    const port = /https:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1];
    expect(port, out).toBeDefined();
    const ca = join(stateOf(a), "labs", lab, "tls", "ca.crt");
    const loop = sh(["curl", "-s", "--max-time", "5", "--resolve", `www.foobar.com:${port}:127.0.0.1`, "--cacert", ca, `https://www.foobar.com:${port}/`]);
    expect(loop.code, loop.out).toBe(0);
    expect(loop.out).toContain("<!doctype html>");
    const relay = sh(["ss", "-Hltnp", `sport = :${port}`]).out;
    const relayPid = Number(/pid=(\d+)/.exec(relay)?.[1]);
    expect(processesOf(a)).toContain(relayPid);

    // Another user sees no lab, and its `clean` leaves this one alone...
    expect(asUser(b, ["status"]).stderr).toContain("no lab is running");
    expect(asUser(b, ["clean"]).stdout).toContain(`nothing to clean: ${b.name} has no lab`);
    // ... and, given subordinate ids, runs a lab of the same name beside it (its own namespaces, its own slot 0),
    // whose `clean` removes that lab only.
    addSubIds(b);
    const upB = asUser(b, ["up", "--blueprint", "0", "--name", lab, "-d", "--no-sizes"]);
    expect(upB.code, upB.stderr).toBe(0);
    expect(asUser(b, ["exec", "--name", lab, "user", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://www.foobar.com/"]).stdout).toBe("200");
    expect(asUser(b, ["status"]).stdout).toMatch(new RegExp(`lab ${lab} \\(running\\) from blueprint 0`));
    expect(asUser(a, ["status"]).stdout).toMatch(new RegExp(`lab ${lab} \\(running\\) from blueprint 3`));
    const cleanB = asUser(b, ["clean"]);
    expect(cleanB.stdout, cleanB.stderr).toContain("removed 1 lab(s)");
    expect(leftovers(b)).toEqual(NOTHING);
    expect(
      sh(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "--resolve", `www.foobar.com:${port}:127.0.0.1`, "--cacert", ca, `https://www.foobar.com:${port}/healthz`]).out,
    ).toBe("200");

    // A load balancer crash: the floating IP moves to lb-2.
    const status = asUser(a, ["status", "--name", lab]).stdout;
    const floating = /lb-1 .*holds floating IP (\S+)/.exec(status)?.[1];
    expect(floating, status).toBeDefined();
    const kill = asUser(a, ["fault", "kill", "--name", lab, "lb-1"]);
    expect(kill.code, kill.stderr).toBe(0);
    const held = () => asUser(a, ["exec", "--name", lab, "lb-2", "--", "ip", "-br", "addr"]).stdout.includes(`${floating}/`);
    const deadline = Date.now() + 10_000;
    while (!held() && Date.now() < deadline) spawnSync("sleep", ["0.2"]);
    expect(held()).toBe(true);
    const after = asUser(a, ["exec", "--name", lab, "user", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "https://www.foobar.com/healthz"]);
    expect(after.stdout).toBe("200");

    // Healed, the whole audit passes (with lb-1 down it fails "every host is up", as for root).
    expect(asUser(a, ["fault", "heal", "--name", lab]).code).toBe(0);
    const audit = asUser(a, ["audit", "--name", lab]);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/0 failed/);

    // The lab's operations work the same: a tier scaled up (the new server joins once ready), and a planned
    // database switchover (the failover controller and agents inside the user's namespace).
    const scale = asUser(a, ["scale", "--name", lab, "app=3"]);
    expect(scale.code, scale.stderr + scale.stdout).toBe(0);
    expect(scale.stdout + scale.stderr).toContain("app-3 is up and ready");
    const failover = asUser(a, ["db", "failover", "--name", lab, "--json"]);
    expect(failover.code, failover.stderr + failover.stdout).toBe(0);
    expect(JSON.parse(failover.stdout)).toMatchObject({ result: { ok: true, from: "db-1", to: "db-2" } });
    const afterSwitch = asUser(a, ["exec", "--name", lab, "user", "--", "curl", "-s", "--max-time", "5", "https://www.foobar.com/"]);
    expect(afterSwitch.stdout).toContain("<!doctype html>");

    const down = asUser(a, ["down", "--name", lab]);
    expect(down.code, down.stderr).toBe(0);
    expect(leftovers(a)).toEqual(NOTHING);
  }, 420_000);

  it("a sized design, once the administrator ran doctor's command: its limits in the user's subtree, status reads the usage against the size, an OOM kill is reported, down leaves no cgroup", async () => {
    // A retry starts where the first attempt began: no sized lab of the user left up, and the grant made only if
    // the first attempt did not make it already (doctor then names no command).
    asUser(a, ["down", "--name", sizedLab]);
    const sizes = (JSON.parse(asUser(a, ["doctor", "--json"]).stdout) as { name: string; ok: boolean; fix?: string }[]).find((c) => c.name === "rootless: server sizes")!;
    if (!sizes.ok) {
      const grant = sh(["sh", "-c", sizes.fix!]);
      expect(grant.code, grant.out).toBe(0);
    }
    const doctor = JSON.parse(asUser(a, ["doctor", "--json"]).stdout) as { name: string; ok: boolean; detail: string }[];
    expect(doctor.find((c) => c.name === "rootless: server sizes")).toMatchObject({ ok: true });

    const up = asUser(a, ["up", sizedSpec(a), "--name", sizedLab, "-d"]);
    expect(up.code, up.stderr + up.stdout).toBe(0);
    // The limits, in the host's cgroups under the user's subtree (v1 here; v2 has one folder).
    const dirs = delegation(a.name)!.folders.map((f) => join(f, sizedLab, "server-1"));
    const file = (name: string) => dirs.map((d) => join(d, name)).find(existsSync);
    const read = (name: string) => readFileSync(file(name)!, "utf8").trim();
    if (file("cpu.max")) {
      expect(read("cpu.max")).toBe("5000 10000");
      expect(Number(read("memory.max"))).toBe(512 * 1024 ** 2);
    } else {
      expect(read("cpu.cfs_quota_us")).toBe("5000");
      expect(Number(read("memory.limit_in_bytes"))).toBe(512 * 1024 ** 2);
    }
    // Every process of the host is in them, the services running as subordinate ids (MariaDB as mysql) included.
    const procs = read("cgroup.procs").split(/\s+/).filter(Boolean).map(Number);
    const uids = procs.map((p) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1]));
    expect(uids).toContain(a.uid);
    expect(
      uids.some((u) => u > a.subuid!.start && u < a.subuid!.start + a.subuid!.count),
      uids.join(" "),
    ).toBe(true);

    // status reads the host's usage from its cgroup, against its size.
    const status = asUser(a, ["status", "--name", sizedLab, "--json"]);
    expect(status.code, status.stderr).toBe(0);
    const size = (JSON.parse(status.stdout) as { hosts: { name: string; size?: { cpu: number; memoryBytes: number; cpuSeconds: number; memoryUsed: number; oomKills: number } }[] }).hosts.find(
      (h) => h.name === "server-1",
    )!.size!;
    expect(size).toMatchObject({ cpu: 0.5, memoryBytes: 512 * 1024 ** 2, oomKills: 0 });
    expect(size.cpuSeconds).toBeGreaterThan(0);
    expect(size.memoryUsed).toBeGreaterThan(0);
    expect(size.memoryUsed).toBeLessThanOrEqual(size.memoryBytes);
    // (the kernel's counter only grows: what status read is at most what the cgroup holds now)
    if (file("cpuacct.usage")) expect(size.cpuSeconds).toBeLessThanOrEqual(Number(read("cpuacct.usage")) / 1e9);
    expect(asUser(a, ["status", "--name", sizedLab]).stdout).toMatch(/size {2}cpu \d+% of 0\.5 cores .* memory \d+Mi of 512Mi/);

    // Past its memory, the kernel kills a process of the host: status counts it, and the host's size reporter
    // (reading its cgroup from the host's own cgroup namespace) tells the lab's event log.
    const stress = asUser(a, ["fault", "stress", "server-1", "--memory", "600Mi", "--duration", "8s", "--name", sizedLab]);
    expect(stress.code, stress.stderr).toBe(0);
    const oomKills = () =>
      (JSON.parse(asUser(a, ["status", "--name", sizedLab, "--json"]).stdout) as { hosts: { name: string; size?: { oomKills: number } }[] }).hosts.find((h) => h.name === "server-1")!.size!.oomKills;
    const events = join(stateOf(a), "labs", sizedLab, "events.jsonl");
    await until("an OOM kill in the host, reported in the lab's events", () => existsSync(events) && readFileSync(events, "utf8").includes('"source":"kernel"'), 30_000, 500);
    expect(oomKills()).toBeGreaterThan(0);
    expect(asUser(a, ["fault", "heal", "--name", sizedLab]).code).toBe(0);

    const down = asUser(a, ["down", "--name", sizedLab]);
    expect(down.code, down.stderr).toBe(0);
    expect(leftovers(a)).toEqual(NOTHING);
    expect(delegatedCgroups(a.name)).toEqual([]);
    expect(delegation(a.name)!.folders.every(existsSync)).toBe(true);
  }, 120_000);

  it("clean after a rootless up killed while its hosts start: nothing of the lab, and no keeper, is left", async () => {
    const child = spawn("runuser", ["-u", a.name, "--", process.execPath, checkout.bin, "up", "--blueprint", "1", "--name", lab, "--no-sizes"], { cwd: a.home, env: userEnv(a), detached: true });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await until("the rootless up to start its hosts", () => /hosts started/.test(out) || child.exitCode !== null, 120_000);
    } finally {
      // The whole command: runuser, the CLI and the CLI inside the keeper.
      process.kill(-child.pid!, "SIGKILL");
    }
    expect(out).toContain("hosts started");
    await until("the killed up to be gone", () => child.exitCode !== null || child.signalCode !== null, 10_000);
    expect(leftovers(a).processes.length).toBeGreaterThan(1);
    expect(leftovers(a).labs).toEqual([lab]);
    const clean = asUser(a, ["clean"]);
    expect(clean.code, clean.stderr + clean.stdout).toBe(0);
    expect(clean.stdout + clean.stderr).toContain("removed 1 lab(s)");
    expect(leftovers(a)).toEqual(NOTHING);
    // The user's subtree is delegated by now (the test before): the hosts' cgroups were made there, and clean removed them.
    expect(delegatedCgroups(a.name)).toEqual([]);
  }, 240_000);
});
