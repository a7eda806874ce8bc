// Rootless mode without a machine: subordinate id ranges, the administrator's command, which commands enter the
// keeper, the state root of a normal user, the mode line, and the keeper's commands.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { freeStart, parseSubIds, rangeOf, subIdsFix } from "../../src/runtime/rootless/ids.js";
import { modeLine, rootlessContext, ROOTLESS_ENV } from "../../src/runtime/rootless/mode.js";
import { enterArgv, KEEPER_SCRIPT, keeperArgv, keeperFile, keeperUses, keeperUsesDir, runningKeeper, stopKeeperIfIdle, useKeeper } from "../../src/runtime/rootless/keeper.js";
import { isAlive, procRecord } from "../../src/runtime/state.js";
import { route } from "../../src/cli/rootless.js";
import { stateRoot } from "../../src/runtime/paths.js";

describe("subordinate ids", () => {
  const text = "# comment\nalice:100000:65536\nbob:165536:65536\n1005:300000:70000\nbroken line\ncarol:400000:1000\n";
  it("parses /etc/subuid lines and skips comments and malformed ones", () => {
    expect(parseSubIds(text)).toEqual([
      { owner: "alice", start: 100000, count: 65536 },
      { owner: "bob", start: 165536, count: 65536 },
      { owner: "1005", start: 300000, count: 70000 },
      { owner: "carol", start: 400000, count: 1000 },
    ]);
  });
  it("finds a user's range by name or by uid, and only one big enough for the system users and nobody", () => {
    const ranges = parseSubIds(text);
    expect(rangeOf(ranges, { name: "bob", id: 1001 })?.start).toBe(165536);
    expect(rangeOf(ranges, { name: "dave", id: 1005 })?.start).toBe(300000);
    expect(rangeOf(ranges, { name: "carol", id: 1006 })).toBeUndefined();
    expect(rangeOf(ranges, { name: "erin", id: 1007 })).toBeUndefined();
  });
  it("suggests a range that overlaps no existing one", () => {
    expect(freeStart([])).toBe(100000);
    expect(freeStart(parseSubIds(text))).toBe(231072); // the first gap big enough (231072-300000)
    expect(freeStart(parseSubIds("a:200000:65536\n"))).toBe(100000);
    expect(freeStart(parseSubIds("a:150000:65536\n"))).toBe(215536);
  });
  it("gives the administrator one command, uids and gids together", () => {
    expect(subIdsFix("alice", { uid: 100000, gid: 231072 })).toBe("usermod --add-subuids 100000-165535 --add-subgids 231072-296607 alice");
  });
});

describe("which commands of a normal user enter the keeper", () => {
  it("commands on paper and doctor run as the user; bring-up and cleanup start the keeper; the others enter it", () => {
    for (const argv of [["validate", "x.yaml"], ["plan", "--blueprint", "3"], ["doctor"], ["explain"], ["render", "--blueprint", "1"], ["--version"], [], ["status", "--help"]])
      expect(route(argv, true), argv.join(" ")).toBe("here");
    for (const argv of [
      ["up", "--blueprint", "3"],
      ["down", "--name", "x"],
      ["clean", "--dry-run"],
      // Commands that bring fresh labs up themselves.
      ["challenge", "start", "web-wrong-port"],
      ["challenge", "reset"],
      ["experiment", "kill-lb", "--blueprint", "1"],
      ["experiment", "--all", "-b", "0,1"],
      ["saturate", "--claims"],
      ["saturate", "--claims=surge"],
      ["capacity", "--blueprint", "0", "--rps", "100"],
      ["rehearse", "--blueprint", "0"],
    ])
      expect(route(argv, true), argv.join(" ")).toBe("start");
    for (const argv of [
      ["status"],
      ["exec", "user", "--", "curl", "-s", "x"],
      ["logs", "lb-1", "haproxy"],
      ["fault", "kill", "lb-1"],
      ["audit"],
      ["deploy", "--version", "v2"],
      ["dashboard"],
      ["experiment", "x"],
      ["challenge", "check"],
      ["saturate", "--step", "2s"],
      ["capacity", "--lab", "x", "--rps", "100"],
      ["exec", "user", "--", "curl", "--help"],
    ])
      expect(route(argv, true), argv.join(" ")).toBe("enter");
  });
  it("root (and a command already inside a keeper) runs everything here, as today", () => {
    for (const argv of [["up", "--blueprint", "3"], ["status"], ["clean"]]) expect(route(argv, false)).toBe("here");
  });
});

describe("state root and mode", () => {
  const saved = { home: process.env.STACKLAB_HOME, xdg: process.env.XDG_STATE_HOME, rootless: process.env[ROOTLESS_ENV] };
  afterEach(() => {
    vi.restoreAllMocks();
    for (const [k, v] of [
      ["STACKLAB_HOME", saved.home],
      ["XDG_STATE_HOME", saved.xdg],
      [ROOTLESS_ENV, saved.rootless],
    ] as const)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });
  it("root keeps /var/lib/stacklab; a normal user gets XDG_STATE_HOME/stacklab or ~/.local/state/stacklab; STACKLAB_HOME wins", () => {
    delete process.env.STACKLAB_HOME;
    delete process.env.XDG_STATE_HOME;
    vi.spyOn(process, "getuid").mockReturnValue(0);
    expect(stateRoot()).toBe("/var/lib/stacklab");
    vi.spyOn(process, "getuid").mockReturnValue(1000);
    expect(stateRoot()).toMatch(/\/\.local\/state\/stacklab$/);
    process.env.XDG_STATE_HOME = "/home/alice/.state";
    expect(stateRoot()).toBe("/home/alice/.state/stacklab");
    process.env.STACKLAB_HOME = "/srv/labs";
    expect(stateRoot()).toBe("/srv/labs");
  });
  it("says which mode a lab runs in", () => {
    delete process.env[ROOTLESS_ENV];
    expect(rootlessContext()).toBeUndefined();
    expect(modeLine("/var/lib/stacklab")).toBe("mode: root (state under /var/lib/stacklab)");
    process.env[ROOTLESS_ENV] = "alice:1000:4242";
    expect(rootlessContext()).toEqual({ user: "alice", uid: 1000, keeperPid: 4242 });
    expect(modeLine("/home/alice/.local/state/stacklab")).toBe("mode: rootless, as alice (uid 1000) inside the user namespace held by keeper 4242 (state under /home/alice/.local/state/stacklab)");
  });
});

describe("the keeper's commands", () => {
  it("maps the user to root and ids 1-65536 to its subordinate ids, with a private /run/netns in its own mount namespace", () => {
    const argv = keeperArgv(100000, 200000);
    expect(argv.slice(0, 8)).toEqual(["unshare", "--user", "--map-root-user", "--map-users=100000,1,65536", "--map-groups=200000,1,65536", "--mount", "--propagation", "private"]);
    expect(argv.at(-1)).toBe(KEEPER_SCRIPT);
    expect(KEEPER_SCRIPT).toContain("mount -t tmpfs -o mode=0755 stacklab-netns /run/netns");
    expect(KEEPER_SCRIPT).toContain("mount --make-shared /run/netns");
    expect(KEEPER_SCRIPT.trim().split("\n").at(-1)).toBe("exec sleep infinity");
  });
  it("enters it through its user and mount namespaces only (the network stays the machine's: the relay is on the user's loopback), in the caller's folder", () => {
    expect(enterArgv({ pid: 4242, startTime: 1 }, ["node", "bin/stacklab.js", "status"], "/home/alice/lab")).toEqual([
      "nsenter",
      "-t",
      "4242",
      "--user",
      "--mount",
      "--wd=/home/alice/lab",
      "--",
      "node",
      "bin/stacklab.js",
      "status",
    ]);
  });
});

// A stand-in keeper: a real `sleep` in a user namespace of its own (what runningKeeper() recognises), no ids mapped.
const userns = spawnSync("unshare", ["--user", "true"]).status === 0;

describe.skipIf(!userns)(`the keeper's stop, with commands of the same user in it${userns ? "" : " (skipped: user namespaces are disabled here)"}`, () => {
  const saved = process.env.STACKLAB_HOME;
  let dir = "";
  let keeperPid = 0;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "stacklab-keeper-"));
    process.env.STACKLAB_HOME = dir;
    const child = spawn("unshare", ["--user", "sleep", "120"], { stdio: "ignore" });
    keeperPid = child.pid!;
    writeFileSync(keeperFile(), JSON.stringify(procRecord(keeperPid)));
    // Recognised once `unshare` has made its user namespace and exec'd `sleep` (both are checked): wait for that.
    for (let i = 0; i < 500 && runningKeeper()?.pid !== keeperPid; i++) await new Promise((r) => setTimeout(r, 10));
    if (runningKeeper()?.pid !== keeperPid) throw new Error("the stand-in keeper did not start within 5 s");
  });
  afterAll(() => {
    try {
      process.kill(keeperPid, "SIGKILL");
    } catch {
      // stopped by the test
    }
    if (saved === undefined) delete process.env.STACKLAB_HOME;
    else process.env.STACKLAB_HOME = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it("a `down` ending while an `up` of the same user is in the keeper (no lab folder yet) leaves the keeper; the last one out stops it", async () => {
    expect(runningKeeper()?.pid).toBe(keeperPid);
    // A dead command's use (an `up` killed earlier) keeps nothing alive and is removed on the way.
    mkdirSync(keeperUsesDir(), { recursive: true });
    writeFileSync(join(keeperUsesDir(), "999999999.dead.json"), JSON.stringify({ pid: 999999999, startTime: 1 }));
    const up = await useKeeper("up", false);
    const down = await useKeeper("down", false);
    expect(up?.keeper.pid).toBe(keeperPid);
    expect(keeperUses()).toHaveLength(2);
    // `down` removed the user's last lab and ends: the `up` is still in the keeper, which must stay.
    expect(await down!.release()).toBe(false);
    expect(await stopKeeperIfIdle()).toBe(false);
    expect(runningKeeper()?.pid).toBe(keeperPid);
    // The `up` fails before making its lab folder and ends: nothing is left in the keeper, which goes.
    const keeper = up!.keeper;
    expect(await up!.release()).toBe(true);
    expect(isAlive(keeper)).toBe(false);
    expect(runningKeeper()).toBeUndefined();
    expect(keeperUses()).toEqual([]);
    // With no keeper running, a command that does not start one gets none.
    expect(await useKeeper("status", false)).toBeUndefined();
  });
});

describe.skipIf(!userns)(`the keeper's script${userns ? "" : " (skipped: user namespaces are disabled here)"}`, () => {
  /** Runs the keeper's script in a new user and mount namespace over a /run that has (or lacks) netns; its last line is swapped for a check. */
  function keeperSees(runHasNetns: boolean): string {
    const script = KEEPER_SCRIPT.replace("exec sleep infinity", "mountpoint -q /run/netns && touch /run/netns/probe && echo private /run/netns");
    // The machine's /run is replaced by an empty one first: as on a machine where no root lab ran since boot.
    const prelude = `mount -t tmpfs stacklab-test /run${runHasNetns ? " && mkdir /run/netns" : ""}`;
    const r = spawnSync("unshare", ["--user", "--map-root-user", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", `${prelude} && /bin/sh -c '${script.replaceAll("'", "'\\''")}'`], {
      encoding: "utf8",
    });
    return `${r.stdout.trim()}${r.status === 0 ? "" : ` (exit ${r.status}: ${r.stderr.trim()})`}`;
  }
  it("makes a private /run/netns mount point where the machine has one", () => {
    expect(keeperSees(true)).toBe("private /run/netns");
  });
  it("makes one too where the machine has no /run/netns yet (a fresh machine where no root lab ran)", () => {
    expect(keeperSees(false)).toBe("private /run/netns");
  });
});
