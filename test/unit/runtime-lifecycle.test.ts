// The runtime's record-keeping without root: the lock, the state file, namespace names and the start order.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isLocked, lockHolder, lockLab, LockedError, withLabLock } from "../../src/runtime/lock.js";
import { hostNetns, labOfNetns, LAB_NAME, switchNetns } from "../../src/runtime/paths.js";
import { readState, readStateRaw, StateError, STATE_VERSION, writeState, type LabState } from "../../src/runtime/state.js";
import { SERVICES, startOrder } from "../../src/runtime/services/index.js";
import { REQUIREMENTS } from "../../src/runtime/doctor.js";
import { UsageError } from "../../src/spec/errors.js";

let home: string;
const saved = process.env.STACKLAB_HOME;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "stacklab-unit-"));
  process.env.STACKLAB_HOME = home;
});
afterEach(() => {
  if (saved === undefined) delete process.env.STACKLAB_HOME;
  else process.env.STACKLAB_HOME = saved;
  rmSync(home, { recursive: true, force: true });
});

function startTime(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
}

describe("the lab lock", () => {
  it("is taken, names its holder, and is gone after release", async () => {
    const lock = await lockLab("foo", "stacklab test");
    expect(lockHolder("foo")).toMatchObject({ pid: process.pid, command: "stacklab test" });
    lock.release();
    lock.release();
    expect(lockHolder("foo")).toBeUndefined();
  });

  it("refuses a second holder while a live process holds it, naming it, and waits with waitMs", async () => {
    const child = spawn("sleep", ["30"]);
    await new Promise((r) => child.once("spawn", r));
    const holder = { pid: child.pid!, startTime: startTime(child.pid!), command: "stacklab deploy --version 2", since: "2026-12-02T00:00:00.000Z" };
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(home, "locks"), { recursive: true });
    writeFileSync(join(home, "locks", "foo.lock"), JSON.stringify(holder));
    try {
      expect(isLocked("foo")).toBe(true);
      const err = await lockLab("foo", "stacklab fault kill lb-1").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LockedError);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(`\`stacklab deploy --version 2\` (pid ${child.pid})`);
      // With a wait, the lock is taken as soon as the holder ends.
      let waited = false;
      const taking = lockLab("foo", "stacklab fault kill lb-1", { waitMs: 20_000, onWait: () => (waited = true) });
      setTimeout(() => child.kill("SIGKILL"), 300);
      const lock = await taking;
      expect(waited).toBe(true);
      expect(lockHolder("foo")?.pid).toBe(process.pid);
      lock.release();
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("takes over the lock of a dead process, and never one whose pid was reused (start time differs)", async () => {
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(home, "locks"), { recursive: true });
    // pid of this process but another start time: the record of a dead process whose pid is now ours... or anyone's.
    writeFileSync(join(home, "locks", "foo.lock"), JSON.stringify({ pid: process.pid, startTime: 1, command: "stacklab up", since: "x" }));
    expect(isLocked("foo")).toBe(false);
    await withLabLock("foo", "stacklab down", {}, async () => {
      expect(lockHolder("foo")).toMatchObject({ command: "stacklab down", pid: process.pid });
    });
    expect(existsSync(join(home, "locks", "foo.lock"))).toBe(false);
  });

  it("is re-entrant within one process (up failing calls down) and released at the last release", async () => {
    const outer = await lockLab("foo", "stacklab up");
    const inner = await lockLab("foo", "stacklab down");
    inner.release();
    expect(lockHolder("foo")?.command).toBe("stacklab up");
    outer.release();
    expect(lockHolder("foo")).toBeUndefined();
  });

  it("leaves no temporary file behind", async () => {
    for (let i = 0; i < 5; i++) (await lockLab(`l${i}`, "t")).release();
    expect(readdirSync(join(home, "locks"))).toEqual([]);
  });
});

describe("the state file", () => {
  const state = (): LabState => ({
    name: "foo",
    slot: 0,
    createdAt: "t",
    status: "running",
    spec: {} as LabState["spec"],
    source: "test",
    switchNetns: switchNetns("foo"),
    hosts: [],
    extra: [],
    published: {},
  });

  it("is written atomically with its version, through a temporary file of its own that does not stay", () => {
    writeState(state());
    writeState({ ...state(), status: "stopping" });
    expect(readState("foo")).toMatchObject({ status: "stopping", version: STATE_VERSION });
    expect(readdirSync(join(home, "labs", "foo"))).toEqual(["state.json"]);
  });

  it("refuses a corrupt file or one from another version with what to run, but `down` can still read the older one", () => {
    writeState(state());
    const file = join(home, "labs", "foo", "state.json");
    writeFileSync(file, JSON.stringify({ ...state(), version: undefined }));
    expect(() => readState("foo")).toThrow(StateError);
    expect(() => readState("foo")).toThrow(/older stacklab.*`stacklab down --name foo`/);
    expect(readStateRaw("foo")?.name).toBe("foo");
    writeFileSync(file, "{ half a reco");
    expect(() => readStateRaw("foo")).toThrow(/is corrupt/);
    expect(readState("nosuch")).toBeUndefined();
  });
});

describe("namespace names", () => {
  it("cannot collide across labs: lab foo with host bar-web-1 and lab foo-bar with host web-1", () => {
    expect(hostNetns("foo", "bar-web-1")).not.toBe(hostNetns("foo-bar", "web-1"));
    expect(switchNetns("foo")).not.toBe(hostNetns("foo", "switch"));
    expect(labOfNetns(hostNetns("foo", "bar-web-1"))).toBe("foo");
    expect(labOfNetns(hostNetns("foo-bar", "web-1"))).toBe("foo-bar");
    expect(labOfNetns(switchNetns("foo-bar"))).toBe("foo-bar");
    expect(labOfNetns("stacklab-foo-web-1")).toBeUndefined();
    expect(labOfNetns("other")).toBeUndefined();
    // Lab names never hold the separator.
    expect(LAB_NAME.test("foo.bar")).toBe(false);
  });
});

describe("service kinds", () => {
  it("derive their start order from `after`, whatever the input order", () => {
    const kinds = ["keepalived", "haproxy", "node-exporter"] as const;
    expect(startOrder([...kinds])).toEqual(["haproxy", "keepalived", "node-exporter"]);
    expect(startOrder(["nginx", "db-proxy", "app", "nginx-exporter"])).toEqual(["db-proxy", "app", "nginx", "nginx-exporter"]);
    expect(startOrder(["app", "mariadb", "nginx"])).toEqual(startOrder(["nginx", "app", "mariadb"]));
    expect(startOrder(["mariadb", "app", "nginx"]).indexOf("mariadb")).toBeLessThan(startOrder(["mariadb", "app", "nginx"]).indexOf("app"));
  });

  it("name only known kinds in `after`, have no cycle, and bring their packages into REQUIREMENTS", () => {
    const known = new Set(Object.keys(SERVICES));
    for (const def of Object.values(SERVICES)) for (const dep of def!.after) expect(known.has(dep), `${def!.kind} after ${dep}`).toBe(true);
    expect(() => startOrder([...known])).not.toThrow();
    for (const def of Object.values(SERVICES)) for (const r of def!.requires) expect(REQUIREMENTS.some((x) => x.pkg === r.pkg)).toBe(true);
  });
});
