// A host's boot without root: its mounts as one fstab for one `mount -a`, in the order the init needs them, and
// readiness that starts no probe command while the kernel does not show the service listening.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIND_DIRS, hostFstab, initScript, SERVICE_DIR } from "../../src/runtime/host.js";
import { hostDir } from "../../src/runtime/paths.js";
import { observeCommands } from "../../src/runtime/exec.js";
import { NotReadyError, waitForProbe } from "../../src/runtime/wait.js";

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

describe("a host's mounts", () => {
  it("are one fstab that util-linux reads in order: /etc's overlay, the host's own folders, then runit's service folder", () => {
    const file = join(home, "fstab");
    writeFileSync(file, hostFstab("lcunit", "web-1"));
    const r = spawnSync("findmnt", ["--tab-file", file, "-n", "-o", "SOURCE,TARGET,FSTYPE,OPTIONS", "-r"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => l.split(" "));
    const root = hostDir("lcunit", "web-1");
    expect(rows[0]).toEqual(["stacklab-etc", "/etc", "overlay", `lowerdir=/etc,upperdir=${root}/etc,workdir=${root}/.overlay/etc`]);
    expect(rows.at(-1)!.slice(0, 2)).toEqual([`${root}/etc/stacklab/service`, SERVICE_DIR]);
    const binds = rows.slice(1, -1);
    expect(binds.every(([src, target, , opts]) => src === `${root}${target}` && opts === "bind")).toBe(true);
    expect(binds.map((b) => b[1])).toContain("/tmp");
    expect(binds.length).toBeLessThanOrEqual(BIND_DIRS.length);
  });

  it("are made by one mount command when nothing must stay visible, one by one when a folder must", () => {
    // (a checkout outside the hosts' own folders; one under /tmp, as a clone in /tmp, must stay visible: one by one)
    const plain = initScript("lcunit", "web-1", ["/srv/stacklab"]);
    expect(plain).toContain('mount -a --fstab "$R/fstab"');
    expect(plain).not.toMatch(/mount --bind/);
    // hostname and sysctls are written, not run
    expect(plain).not.toMatch(/^(hostname|sysctl) /m);
    expect(plain).toContain("> /proc/sys/kernel/hostname");
    const keep = initScript("lcunit", "web-1", ["/srv/stacklab", "/tmp/my-app"]);
    expect(keep).not.toContain("mount -a");
    expect(keep).toMatch(/mount -t overlay stacklab-etc/);
    expect(keep.indexOf("/tmp/my-app")).toBeLessThan(keep.indexOf('mount --bind "$R/tmp" /tmp'));
  });
});

describe("readiness with a listener", () => {
  it("starts no probe command until the kernel shows the port listening, then probes", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    let commands = 0;
    const stop = observeCommands(() => commands++);
    try {
      const waiting = waitForProbe({ host: "h", service: "s", initPid: process.pid, probe: { what: "x", argv: ["true"], listener: { tcp: { address: "127.0.0.1", port } } }, timeoutMs: 5000 });
      const outcome = waiting.then(
        () => "ready",
        (e: unknown) => (e instanceof NotReadyError ? "not ready" : String(e)),
      );
      await new Promise((r) => setTimeout(r, 400));
      expect(commands).toBe(0);
      const server = createServer();
      await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
      try {
        // (as root the probe enters this process's own namespaces and succeeds; without root it fails until the timeout)
        const deadline = Date.now() + 3000;
        while (commands === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(commands).toBeGreaterThan(0);
        expect(["ready", "not ready"]).toContain(await outcome);
      } finally {
        server.close();
      }
    } finally {
      stop();
    }
  });

  it.skipIf(process.getuid?.() !== 0)("at the timeout, adds what the service's diagnose command printed (the app's health answer) to the error", async () => {
    const e = await waitForProbe({ host: "h", service: "s", initPid: process.pid, probe: { what: "x", argv: ["false"], diagnose: ["echo", "replica: ECONNREFUSED"] }, timeoutMs: 200 }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(NotReadyError);
    expect((e as Error).message).toMatch(/^s on h was not ready after 0 s: waited for x\nits last answer:\n {2}replica: ECONNREFUSED$/);
    // Without a diagnose command (or with one that prints nothing) the error has no "last answer" line at all.
    const plain = await waitForProbe({ host: "h", service: "s", initPid: process.pid, probe: { what: "x", argv: ["false"] }, timeoutMs: 200 }).catch((x: unknown) => x);
    expect((plain as Error).message).toBe("s on h was not ready after 0 s: waited for x");
  });
});
