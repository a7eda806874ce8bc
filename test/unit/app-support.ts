// Helpers for the app tests: a fresh JavaScript build of src/app, a runner process that can be
// watched and stopped, free ports and plain HTTP requests to 127.0.0.1.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

/** Transpiles src/app to JavaScript under node_modules/.cache (so bare imports resolve); returns the runner's path and a cleanup. */
export function buildApp(): { runner: string; dir: string; remove: () => void } {
  const cache = join(REPO, "node_modules/.cache/stacklab-app-test");
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, "build-"));
  const src = join(REPO, "src");
  // src/app, plus the one module it shares with the renderers: the lab's TLS policy.
  for (const file of [...tsFiles(join(src, "app")), join(src, "render/config/tls-policy.ts")]) {
    const out = ts.transpileModule(readFileSync(file, "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    });
    const target = join(dir, relative(src, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
  }
  return { runner: join(dir, "app/runner/main.js"), dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** A base port such that base+offset is free on 127.0.0.1 for every offset (tries random bases). */
export async function freePortBlock(offsets: number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(offsets.map((o) => portFree(base + o)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no free block of ports at offsets ${offsets.join(",")} after 50 tries`);
}

/** A finished HTTP exchange; status 0 with `error` when the request failed. */
export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  error?: string;
}

/** One HTTP request to 127.0.0.1 (a fresh connection unless an agent is given), with a timeout. */
export function http(port: number, path: string, opts: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number; agent?: Agent } = {}): Promise<HttpResult> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, method: opts.method ?? "GET", headers: opts.headers, agent: opts.agent ?? false, timeout: opts.timeoutMs ?? 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", (e) => resolve({ status: 0, headers: {}, body, error: e.message }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (e) => resolve({ status: 0, headers: {}, body: "", error: e.message }));
    req.end(opts.body);
  });
}

/** A running runner process whose stdout lines are kept for assertions. */
export interface RunnerProcess {
  proc: ChildProcess;
  lines: string[];
  /** Resolves with the first line (seen so far or later) matching re after `from`; rejects after timeoutMs with the log. */
  waitForLine(re: RegExp, timeoutMs: number, from?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after 15 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `node <runner> --env <file>` with extra environment. */
export function startRunner(runner: string, envFile: string, env: Record<string, string> = {}, cwd = REPO): RunnerProcess {
  const proc = spawn(process.execPath, [runner, "--env", envFile], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = "";
  const onData = (chunk: Buffer) => {
    partial += chunk.toString("utf8");
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
    for (const w of waiters) w();
  };
  proc.stdout?.on("data", onData);
  proc.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return {
    proc,
    lines,
    waitForLine(re, timeoutMs, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.slice(from).find((l) => re.test(l));
          if (hit === undefined) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for a runner line matching ${re}; log:\n${lines.slice(-30).join("\n")}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill("SIGTERM");
      const kill = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      const code = await exited;
      clearTimeout(kill);
      return code;
    },
  };
}

/** Pids the runner logged as started (`worker-started ... pid=N`). */
export function startedPids(lines: string[]): number[] {
  return lines.flatMap((l) => {
    const m = / worker-started .*\bpid=(\d+)/.exec(l);
    return m ? [Number(m[1])] : [];
  });
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends requests back to back (several in parallel) for durationMs, on fresh or keep-alive connections; counts 200s and keeps the rest. */
export async function hammer(port: number, path: string, durationMs: number, opts: { parallel?: number; keepAlive?: boolean } = {}): Promise<{ ok: number; failed: HttpResult[] }> {
  const end = Date.now() + durationMs;
  const agent = opts.keepAlive ? new Agent({ keepAlive: true }) : undefined;
  let ok = 0;
  const failed: HttpResult[] = [];
  await Promise.all(
    Array.from({ length: opts.parallel ?? 3 }, async () => {
      while (Date.now() < end) {
        const r = await http(port, path, { timeoutMs: 5000, agent });
        if (r.status === 200) ok += 1;
        else failed.push(r);
      }
    }),
  );
  agent?.destroy();
  return { ok, failed };
}
