// `run` with an abort signal: the command's whole process group stops (a Ctrl-C at the terminal does not reach a
// command in its own group, e.g. ansible-playbook and its workers during `stacklab rehearse`).
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/runtime/exec.js";

function alive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return false;
  try {
    // A zombie waiting for its parent counts as gone.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

describe("run with an abort signal", () => {
  it("stops the command and what it started when aborted, and says it was signalled", async () => {
    const abort = new AbortController();
    const dir = mkdtempSync(join(tmpdir(), "stacklab-exec-"));
    const pidFile = join(dir, "pid");
    try {
      // The shell starts a child in the background, writes its pid, and waits for it.
      const pending = run(["sh", "-c", `sleep 30 & echo $! > ${pidFile}.tmp && mv ${pidFile}.tmp ${pidFile}; wait`], { signal: abort.signal, check: false });
      for (let i = 0; i < 500 && !existsSync(pidFile); i++) await new Promise((res) => setTimeout(res, 10));
      const child = Number(readFileSync(pidFile, "utf8").trim());
      expect(alive(child)).toBe(true);
      abort.abort(new Error("interrupted"));
      const r = await pending;
      expect(r.signal).toBe("SIGTERM");
      // The background sleep was in the same process group: it got the signal too.
      for (let i = 0; i < 250 && alive(child); i++) await new Promise((res) => setTimeout(res, 20));
      expect(alive(child)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("does not start a command when the signal is already aborted", async () => {
    const abort = new AbortController();
    abort.abort(new Error("interrupted"));
    await expect(run(["true"], { signal: abort.signal })).rejects.toThrow("interrupted");
  });

  it("leaves a command that ends by itself alone (no signal after it finished)", async () => {
    const abort = new AbortController();
    const r = await run(["true"], { signal: abort.signal });
    abort.abort();
    expect(r.code).toBe(0);
    expect(r.signal).toBeNull();
  });
});
