// Rootless server sizes: where a user's labs put their cgroups (the subtree an administrator delegated), the one
// command that delegates it, and the check `doctor` and `up` make of it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { delegation, delegationMissing, hostCgroups, labCgroupRoots, modeFor, type Hierarchies } from "../../src/runtime/cgroups.js";
import { requireSizesDelegated, SIZES_CHECK, sizesCheck } from "../../src/runtime/rootless/checks.js";

const V1: Hierarchies = {
  version: 1,
  cpu: { mount: "/sys/fs/cgroup/cpu", own: "/" },
  cpuacct: { mount: "/sys/fs/cgroup/cpuacct", own: "/" },
  memory: { mount: "/sys/fs/cgroup/memory", own: "/process_api/81d2" },
};
const V1_JOINED: Hierarchies = {
  version: 1,
  cpu: { mount: "/sys/fs/cgroup/cpu,cpuacct", own: "/a" },
  cpuacct: { mount: "/sys/fs/cgroup/cpu,cpuacct", own: "/a" },
  memory: { mount: "/sys/fs/cgroup/memory", own: "/a" },
};
const V2: Hierarchies = { version: 2, mount: "/sys/fs/cgroup", own: "/user.slice/session-1.scope" };

describe("cgroup folders of root's labs and of a user's rootless labs", () => {
  it("root: under stacklab's own cgroup in each hierarchy (a nested memory cgroup kept)", () => {
    const mode = modeFor(V1);
    expect(hostCgroups("lab", "web-1", mode)).toEqual([
      "/sys/fs/cgroup/cpu/stacklab/lab/web-1",
      "/sys/fs/cgroup/cpuacct/stacklab/lab/web-1",
      "/sys/fs/cgroup/memory/process_api/81d2/stacklab/lab/web-1",
    ]);
    expect(modeFor(V2)).toEqual({
      version: 2,
      base: "/sys/fs/cgroup/user.slice/session-1.scope/stacklab",
      enable: ["/sys/fs/cgroup/user.slice/session-1.scope", "/sys/fs/cgroup/user.slice/session-1.scope/stacklab"],
    });
  });

  it("rootless: under the user's delegated subtree at each hierarchy's top, whatever cgroup the command runs in", () => {
    const mode = modeFor(V1, "alice");
    expect(hostCgroups("lab", "web-1", mode)).toEqual([
      "/sys/fs/cgroup/cpu/stacklab-users/alice/lab/web-1",
      "/sys/fs/cgroup/cpuacct/stacklab-users/alice/lab/web-1",
      "/sys/fs/cgroup/memory/stacklab-users/alice/lab/web-1",
    ]);
    expect(labCgroupRoots("lab", modeFor(V1_JOINED, "alice"))).toEqual(["/sys/fs/cgroup/cpu,cpuacct/stacklab-users/alice/lab", "/sys/fs/cgroup/memory/stacklab-users/alice/lab"]);
    // v2: the delegated folder hands the controllers down itself (its parents are the administrator's).
    expect(modeFor(V2, "alice")).toEqual({ version: 2, base: "/sys/fs/cgroup/stacklab-users/alice", enable: ["/sys/fs/cgroup/stacklab-users/alice"], delegatedTo: "alice" });
    expect(modeFor({ version: 0, why: "none" }, "alice")).toEqual({ version: 0, why: "none" });
  });
});

describe("the administrator's one command", () => {
  it("v1: makes the user's folder in each hierarchy and gives it to the user; rmdir takes it back", () => {
    const d = delegation("alice", V1)!;
    expect(d.folders).toEqual(["/sys/fs/cgroup/cpu/stacklab-users/alice", "/sys/fs/cgroup/cpuacct/stacklab-users/alice", "/sys/fs/cgroup/memory/stacklab-users/alice"]);
    expect(d.grant).toBe(`mkdir -p ${d.folders.join(" ")} && chown alice: ${d.folders.join(" ")}`);
    expect(d.revoke).toBe(`rmdir ${d.folders.join(" ")}`);
    // A co-mounted cpu,cpuacct hierarchy is named once.
    expect(delegation("alice", V1_JOINED)!.folders).toHaveLength(2);
  });

  it("v2: enables cpu and memory down to the user's folder and gives it the files systemd's Delegate= gives", () => {
    const d = delegation("alice", V2)!;
    expect(d.grant).toBe(
      "sh -c 'mkdir -p /sys/fs/cgroup/stacklab-users/alice && echo +cpu +memory > /sys/fs/cgroup/cgroup.subtree_control && echo +cpu +memory > /sys/fs/cgroup/stacklab-users/cgroup.subtree_control && echo +cpu +memory > /sys/fs/cgroup/stacklab-users/alice/cgroup.subtree_control && chown alice: /sys/fs/cgroup/stacklab-users/alice /sys/fs/cgroup/stacklab-users/alice/cgroup.procs /sys/fs/cgroup/stacklab-users/alice/cgroup.subtree_control /sys/fs/cgroup/stacklab-users/alice/cgroup.threads'",
    );
  });

  it("none where the machine has no cgroups", () => {
    expect(delegation("alice", { version: 0, why: "none" })).toBeUndefined();
  });
});

describe("the delegation check (doctor, and up of a sized design)", () => {
  const top = mkdtempSync(join(tmpdir(), "stacklab-cg-"));
  afterAll(() => rmSync(top, { recursive: true, force: true }));
  const fake = (name: string, version: 1 | 2): Hierarchies => {
    const at = (c: string) => ({ mount: join(top, name, c), own: "/" });
    for (const c of ["cpu", "cpuacct", "memory", ""]) mkdirSync(join(top, name, c), { recursive: true });
    return version === 1 ? { version: 1, cpu: at("cpu"), cpuacct: at("cpuacct"), memory: at("memory") } : { version: 2, mount: join(top, name), own: "/" };
  };

  it("missing: says which folder, and the fix is the administrator's command; `up` refuses with the same command", () => {
    const h = fake("missing", 1);
    const c = sizesCheck("alice", h);
    expect(c).toMatchObject({ name: SIZES_CHECK, ok: false, fix: delegation("alice", h)!.grant });
    expect(c.detail).toContain(`${join(top, "missing", "cpu", "stacklab-users", "alice")} does not exist`);
    expect(() => requireSizesDelegated("alice", h)).toThrow(`an administrator runs once: ${delegation("alice", h)!.grant}`);
  });

  it("granted (v1): passes, naming the folders", () => {
    const h = fake("granted", 1);
    for (const f of delegation("alice", h)!.folders) mkdirSync(f, { recursive: true });
    const c = sizesCheck("alice", h);
    expect(c.ok, c.detail).toBe(true);
    expect(c.detail).toContain("cgroup v1 subtree delegated to alice");
    expect(() => requireSizesDelegated("alice", h)).not.toThrow();
  });

  it("v2: a folder that does not hand cpu and memory down is not delegated yet", () => {
    const h = fake("v2", 2);
    const d = delegation("alice", h)!;
    mkdirSync(d.folders[0]!, { recursive: true });
    writeFileSync(join(d.folders[0]!, "cgroup.subtree_control"), "pids\n");
    expect(delegationMissing(d, h)).toContain("does not hand the cpu and memory controllers down");
    writeFileSync(join(d.folders[0]!, "cgroup.subtree_control"), "cpu memory pids\n");
    expect(delegationMissing(d, h)).toBeUndefined();
  });

  it("no cgroups at all: not ok, and nothing to delegate", () => {
    expect(sizesCheck("alice", { version: 0, why: "nothing mounted" })).toMatchObject({ ok: false, detail: expect.stringContaining("nothing mounted") });
  });
});
