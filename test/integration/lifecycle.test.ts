// The runtime under interruption and concurrency: `up` killed at several points then `clean`, two `up` of one
// name, a fault during a deploy, names that cannot collide, and bad input (locked, unknown, corrupt, old labs).
// Everything here runs under a state root of its own (STACKLAB_HOME), so its `clean` never touches other labs.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, isRoot, STATE_ROOT, type CliResult, until, testLab } from "./helpers.js";

// Not under /tmp: each host gets a /tmp of its own, which would hide the lab's folder inside its hosts.
// Beside the state root the rest of the suite uses (so a second checkout running with its own STACKLAB_HOME has its own).
const HOME = `${STATE_ROOT}-test-lifecycle`;
const env = { ...process.env, NO_COLOR: "1", STACKLAB_HOME: HOME };

function cli(args: string[], timeoutMs = 120_000): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: timeoutMs, env });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function start(args: string[]): { child: ChildProcess; output: () => string; done: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { env });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const guard = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const done = new Promise<number | null>((resolve) => child.on("close", (code) => (clearTimeout(guard), resolve(code))));
  return { child, output: () => out, done };
}

function namespaces(lab: string): string[] {
  return spawnSync("ip", ["netns", "list"], { encoding: "utf8" })
    .stdout.split("\n")
    .map((l) => l.split(" ")[0]!)
    .filter((n) => n.startsWith(`stacklab-${lab}.`));
}

/** Processes carrying the mark of anything under this test's state root. */
function markedProcesses(): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      if (readFileSync(`/proc/${e}/environ`, "latin1").includes(`STACKLAB_OWNER=${HOME}/`)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

/** Everything a lab may leave: namespaces, marked processes, its folder. */
function leftovers(lab: string): { namespaces: string[]; processes: number[]; dir: boolean } {
  return { namespaces: namespaces(lab), processes: markedProcesses(), dir: existsSync(join(HOME, "labs", lab)) };
}

const NOTHING = { namespaces: [], processes: [], dir: false };

describe.skipIf(!isRoot)("the lab runtime under interruption and concurrency", () => {
  beforeAll(() => {
    cli(["clean"]);
    mkdirSync(HOME, { recursive: true });
  });
  afterAll(() => {
    cli(["clean"]);
    rmSync(HOME, { recursive: true, force: true });
  });

  // Points of `up`, by what it has printed: before any host exists, while namespaces and links are made, while
  // hosts launch, while services start.
  const points: [string, RegExp | number][] = [
    ["at once", 0],
    ["after its configuration", /configuration for/],
    ["while hosts launch", /networks:/],
    ["while services start", /hosts started/],
  ];
  for (const [when, trigger] of points) {
    it(`SIGKILL of up ${when}, then clean: no namespace, process or file left`, async () => {
      const lab = testLab("lcik");
      const up = start(["up", "--blueprint", "1", "--name", lab]);
      if (typeof trigger === "number") await new Promise((r) => setTimeout(r, trigger));
      else await until(`up to print ${trigger}`, () => trigger.test(up.output()));
      up.child.kill("SIGKILL");
      await up.done;
      const dry = cli(["clean", "--dry-run", "--json"]);
      expect(dry.code, dry.stderr).toBe(0);
      const r = cli(["clean", "--json"]);
      expect(r.code, r.stderr).toBe(0);
      expect(leftovers(lab)).toEqual(NOTHING);
      // The dry run listed what the real run then removed, each with why it is stacklab's.
      const listed = JSON.parse(dry.stdout) as { dryRun: boolean; labs: { what: string; why: string }[] };
      expect(listed.dryRun).toBe(true);
      if (typeof trigger !== "number") expect(listed.labs.map((l) => l.what)).toEqual([lab]);
    });
  }

  it("Ctrl-C during bring-up removes what was started", async () => {
    const up = start(["up", "--blueprint", "1", "--name", testLab("lcint")]);
    await until("up to start hosts", () => /networks:/.test(up.output()));
    up.child.kill("SIGINT");
    expect(await up.done).toBe(130);
    expect(up.output()).toMatch(/interrupted/);
    expect(leftovers(testLab("lcint"))).toEqual(NOTHING);
  });

  it("Ctrl-C on a running foreground lab tears it down", async () => {
    const up = start(["up", "--blueprint", "1", "--name", testLab("lcfg")]);
    await until("the lab to be up", () => /is up/.test(up.output()), 120_000);
    up.child.kill("SIGINT");
    expect(await up.done).toBe(0);
    expect(up.output().slice(-400)).toContain("stopped");
    expect(leftovers(testLab("lcfg"))).toEqual(NOTHING);
  });

  it("two `up` of one name: one lab comes up, the other command is refused and removes nothing", async () => {
    const a = start(["up", "--blueprint", "1", "--name", testLab("lctwo"), "-d"]);
    const b = start(["up", "--blueprint", "1", "--name", testLab("lctwo"), "-d"]);
    const codes = (await Promise.all([a.done, b.done])).sort();
    expect(codes).toEqual([0, 2]);
    const loser = [a, b].find((x) => !/is up/.test(x.output()))!;
    expect(loser.output()).toMatch(/busy|already exists/);
    const status = cli(["status", "--name", testLab("lctwo"), "--json"]);
    expect(status.code, status.stderr).toBe(0);
    const hosts = (JSON.parse(status.stdout) as { hosts: { name: string; up: boolean }[] }).hosts;
    expect(hosts.every((h) => h.up)).toBe(true);
    expect(cli(["down", "--name", testLab("lctwo")]).code).toBe(0);
    expect(leftovers(testLab("lctwo"))).toEqual(NOTHING);
  });

  it("refuses up front a namespace that exists already, and leaves it alone", () => {
    const lab = testLab("lcns");
    const taken = `stacklab-${lab}.user`;
    // A namespace this lab would create, made by someone else (here: this test).
    spawnSync("ip", ["netns", "add", taken]);
    try {
      const r = cli(["up", "--blueprint", "1", "--name", lab]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${taken} already exists`);
      expect(namespaces(lab)).toEqual([taken]);
      expect(existsSync(join(HOME, "labs", lab))).toBe(false);
    } finally {
      spawnSync("ip", ["netns", "delete", taken]);
    }
  });

  describe("on a running lab", () => {
    const LAB = testLab("lcrun");
    beforeAll(() => {
      const r = cli(["up", "--blueprint", "1", "--name", LAB, "-d"], 180_000);
      if (r.code !== 0) throw new Error(`up failed:\n${r.stderr}`);
    }, 200_000);
    afterAll(() => {
      expect(cli(["down", "--name", LAB]).code).toBe(0);
      expect(leftovers(LAB)).toEqual(NOTHING);
    });

    it("a fault during a deploy is refused naming the deploy; with --wait it runs after, and both are recorded", async () => {
      const deploy = start(["deploy", "--version", "v2", "--name", LAB]);
      await until("the deploy to hold the lab's lock", () => existsSync(join(HOME, "locks", `${LAB}.lock`)) && /deploy/.test(readFileSync(join(HOME, "locks", `${LAB}.lock`), "utf8")));
      const refused = cli(["fault", "kill", "server-2", "--name", LAB]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(new RegExp(`busy: \`stacklab deploy --version v2 --name ${LAB}\` \\(pid \\d+\\)`));
      const waited = start(["fault", "kill", "server-2", "--name", LAB, "--wait"]);
      expect(await deploy.done).toBe(0);
      expect(await waited.done).toBe(0);
      // The deploy wrote the lab's state back before the fault read it: the fault is on record, so heal finds it.
      expect(cli(["fault", "list", "--name", LAB]).stdout).toMatch(/server-2 down/);
      const heal = cli(["fault", "heal", "--name", LAB], 120_000);
      expect(heal.code, heal.stderr).toBe(0);
      expect(heal.stdout).toMatch(/started server-2/);
    });

    it("a lock held by a live command is respected; a dead holder's lock is taken over", async () => {
      const holder = spawn("sleep", ["60"]);
      const stat = readFileSync(`/proc/${holder.pid}/stat`, "utf8");
      const startTime = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
      const lockFile = join(HOME, "locks", `${LAB}.lock`);
      writeFileSync(lockFile, JSON.stringify({ pid: holder.pid, startTime, command: "stacklab apply (a test)", since: new Date().toISOString() }));
      try {
        const r = cli(["fault", "kill", "server-2", "--name", LAB]);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`busy: \`stacklab apply \\(a test\\)\` \\(pid ${holder.pid}\\)`));
      } finally {
        holder.kill("SIGKILL");
      }
      await until("the holder to die", () => !existsSync(`/proc/${holder.pid}`) || readFileSync(`/proc/${holder.pid}/stat`, "utf8").includes(") Z"));
      const r = cli(["fault", "pause", "server-2", "--name", LAB]);
      expect(r.code, r.stderr).toBe(0);
      expect(cli(["fault", "heal", "--name", LAB]).code).toBe(0);
      expect(existsSync(lockFile)).toBe(false);
    });

    it("bad input: an unknown lab, a corrupt or older state file: exit 2 saying what to run, nothing removed", () => {
      const unknown = cli(["fault", "kill", "server-1", "--name", "nosuchlab"]);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/no lab named "nosuchlab"/);
      const file = join(HOME, "labs", LAB, "state.json");
      const good = readFileSync(file, "utf8");
      try {
        writeFileSync(file, JSON.stringify({ ...(JSON.parse(good) as object), version: 1 }));
        const old = cli(["status", "--name", LAB]);
        expect(old.code).toBe(2);
        expect(old.stderr).toMatch(new RegExp(`recorded by an older stacklab.*stacklab down --name ${LAB}\\b`, "s"));
        writeFileSync(file, good.slice(0, 100));
        const corrupt = cli(["fault", "kill", "server-1", "--name", LAB]);
        expect(corrupt.code).toBe(2);
        expect(corrupt.stderr).toMatch(new RegExp(`state file .* is corrupt.*stacklab down --name ${LAB}\\b`, "s"));
        // Nothing of the lab was touched.
        expect(namespaces(LAB).length).toBeGreaterThan(3);
      } finally {
        writeFileSync(file, good);
      }
      expect(cli(["status", "--name", LAB]).code).toBe(0);
    });
  });

  it("down takes away a lab whose state file is corrupt", () => {
    const r = cli(["up", "--blueprint", "0", "--name", testLab("lccor"), "-d"], 180_000);
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(join(HOME, "labs", testLab("lccor"), "state.json"), "{not json");
    const down = cli(["down", "--name", testLab("lccor")]);
    expect(down.code, down.stderr).toBe(0);
    expect(leftovers(testLab("lccor"))).toEqual(NOTHING);
  });
});
