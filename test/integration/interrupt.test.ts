// Interrupting `up` at any point, then `clean` (or Ctrl-C alone), leaves nothing of the lab behind.
import { spawn } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BIN, cli, isRoot, leftovers } from "./helpers.js";

/** Starts `up` in the foreground, sends a signal after `afterMs` (or once it is up), and waits for it to end. */
function upThenSignal(lab: string, signal: NodeJS.Signals, afterMs: number | "up"): Promise<{ code: number | null; output: string }> {
  cli(["down", "--name", lab]);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, "up", "--blueprint", "1", "--name", lab], { env: { ...process.env, NO_COLOR: "1" } });
    let output = "";
    let sent = false;
    const send = () => {
      if (!sent) child.kill(signal);
      sent = true;
    };
    const onData = (d: Buffer) => {
      output += d.toString();
      if (afterMs === "up" && output.includes("is up")) send();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    if (afterMs !== "up") setTimeout(send, afterMs);
    const guard = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code, output });
    });
  });
}

/** Pids of processes living in a network namespace other than this process's own. */
function processesInOtherNetns(): Set<number> {
  const mine = readlinkSync("/proc/self/ns/net");
  const out = new Set<number>();
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      if (readlinkSync(`/proc/${entry}/ns/net`) !== mine) out.add(Number(entry));
    } catch {
      // gone, or a kernel thread
    }
  }
  return out;
}

describe.skipIf(!isRoot)("interrupting up", () => {
  for (const ms of [150, 600, 1500]) {
    it(`SIGKILL ${ms} ms into up, then clean: nothing left`, async () => {
      const lab = `tk${ms}`;
      const before = processesInOtherNetns();
      await upThenSignal(lab, "SIGKILL", ms);
      const r = cli(["clean", "--json"]);
      expect(r.code).toBe(0);
      expect(leftovers(lab)).toEqual({ namespaces: [], dir: false });
      const after = [...processesInOtherNetns()].filter((p) => !before.has(p));
      expect(after).toEqual([]);
    });
  }

  it("Ctrl-C during bring-up removes what was started", async () => {
    const r = await upThenSignal("tint", "SIGINT", 800);
    expect(r.output).toMatch(/interrupted|is up/);
    expect(leftovers("tint")).toEqual({ namespaces: [], dir: false });
  });

  it("Ctrl-C on a running foreground lab tears it down", async () => {
    const r = await upThenSignal("tfg", "SIGINT", "up");
    expect(r.output.slice(-400)).toContain("stopped");
    expect(r.code).toBe(0);
    expect(leftovers("tfg")).toEqual({ namespaces: [], dir: false });
  });
});
