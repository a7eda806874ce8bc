// Reference figures measured in the same run as the labs, outside any lab: a bare host network (namespace and
// veth), MariaDB's own cold start, and the CLI's start-up. The goals of issue #18 are ratios to these.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { run } from "../runtime/exec.js";
import { chownTo } from "../runtime/host.js";
import { NETNS_PREFIX, stateRoot } from "../runtime/paths.js";
import { LAB_PREFIX, stacklab } from "./cli.js";
import { summarize } from "./stats.js";
import type { References } from "./types.js";

/** A lab name no run creates (bench labs start with `bx`): the CLI start-up reference is `down` of it. */
const NO_LAB = "bench-no-such-lab";

/** The reference "lab" name: its namespaces are named like a lab's, so `clean` recognises any left by a killed run. */
const REF_LAB = `${LAB_PREFIX}ref`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/**
 * Creates `hosts` bare hosts' networks the way any tool must (a namespace, a veth pair whose other end sits in a
 * switch namespace, an address from 198.19.255.0/24 inside the namespaces only, links up), one `ip -batch` per
 * host, then removes them. Returns ms per host for creation and for removal.
 */
export async function netnsVethOnce(hosts: number): Promise<{ create: number; remove: number }> {
  const sw = `${NETNS_PREFIX}${REF_LAB}._switch`;
  const names = Array.from({ length: hosts }, (_, i) => `${NETNS_PREFIX}${REF_LAB}.h${i}`);
  await run(["ip", "netns", "add", sw]);
  try {
    const create = await timed(async () => {
      for (const [i, ns] of names.entries()) {
        await run(["ip", "netns", "add", ns]);
        await run(["ip", "-n", sw, "-batch", "-"], { input: `link add p${i} type veth peer name eth0 netns ${ns}\nlink set p${i} up\n` });
        await run(["ip", "-n", ns, "-batch", "-"], { input: `link set lo up\naddr add 198.19.255.${i + 1}/24 dev eth0\nlink set eth0 up\n` });
      }
    });
    const remove = await timed(() => run(["ip", "-force", "-batch", "-"], { input: names.map((n) => `netns delete ${n}\n`).join(""), check: false }));
    return { create: create / hosts, remove: remove / hosts };
  } finally {
    await run(["ip", "-force", "-batch", "-"], { input: [...names, sw].map((n) => `netns delete ${n}\n`).join(""), check: false });
  }
}

/** Waits for a child to exit, at most `ms`. */
function exited(child: ReturnType<typeof spawn>, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    const t = setTimeout(r, ms);
    child.once("exit", () => {
      clearTimeout(t);
      r();
    });
  });
}

/**
 * MariaDB on its own: `mariadb-install-db` into an empty directory, then `mariadbd` (the lab's InnoDB sizes, no
 * networking, in a network namespace of its own like a lab host) until `mariadb-admin ping` answers, polled every
 * 20 ms; then stopped with SIGTERM (only this process, by its pid) and its directory removed.
 */
export async function mariadbOnce(): Promise<{ install: number; firstPing: number }> {
  const dir = join(stateRoot(), "cache", `bench-mariadb-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const d of [stateRoot(), join(stateRoot(), "cache")]) chmodSync(d, 0o755);
  const data = join(dir, "data");
  mkdirSync(data);
  chownTo(dir, "mysql");
  chownTo(data, "mysql");
  try {
    const install = await timed(() =>
      run(["mariadb-install-db", "--no-defaults", "--user=mysql", `--datadir=${data}`, "--auth-root-authentication-method=socket", "--skip-test-db", "--innodb-log-file-size=8M"], {
        timeoutMs: 60_000,
      }),
    );
    const sock = join(dir, "mysqld.sock");
    const started = performance.now();
    const child = spawn(
      "unshare",
      [
        "--net",
        "mariadbd",
        "--no-defaults",
        "--user=mysql",
        `--datadir=${data}`,
        `--socket=${sock}`,
        `--pid-file=${join(dir, "mysqld.pid")}`,
        `--log-error=${join(dir, "error.log")}`,
        "--skip-networking",
        "--innodb-buffer-pool-size=64M",
        "--innodb-log-file-size=8M",
      ],
      { stdio: "ignore" },
    );
    try {
      const deadline = started + 30_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`mariadbd exited (${child.exitCode}) before answering`);
        const r = await run(["mariadb-admin", `--socket=${sock}`, "-uroot", "--connect-timeout=1", "ping"], { check: false, timeoutMs: 3000 });
        if (r.code === 0) break;
        if (performance.now() > deadline) throw new Error("mariadbd did not answer a ping within 30 s");
        await new Promise((res) => setTimeout(res, 20));
      }
      return { install, firstPing: performance.now() - started };
    } finally {
      child.kill("SIGTERM");
      await exited(child, 10_000);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited(child, 5000);
    }
  } finally {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Every reference, `runs` times each, runs interleaved; a failing one is noted and the others still measured. */
export async function measureReferences(runs: number, say: (m: string) => void): Promise<References> {
  const v = { create: [] as number[], remove: [] as number[], install: [] as number[], ping: [] as number[], cli: [] as number[] };
  const failures: string[] = [];
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      failures.push(`${what}: ${(err as Error).message}`);
      say(`reference ${what}: ${(err as Error).message}`);
    }
  };
  for (let i = 0; i < runs; i++) {
    await attempt("namespace and veth", async () => {
      const n = await netnsVethOnce(10);
      v.create.push(Math.round(n.create * 10) / 10);
      v.remove.push(Math.round(n.remove * 10) / 10);
    });
    await attempt("MariaDB cold start", async () => {
      const m = await mariadbOnce();
      v.install.push(Math.round(m.install));
      v.ping.push(Math.round(m.firstPing));
    });
    await attempt("CLI start-up", async () => {
      // `down` of a lab that does not exist: Node, the CLI and the down verb's own modules, and nothing to remove.
      const r = await stacklab(["down", "--name", NO_LAB], 30_000);
      if (r.code !== 2 || !r.stderr.includes(`no lab named "${NO_LAB}"`)) throw new Error(`exit ${r.code}: ${r.stderr.trim().slice(-200)}`);
      v.cli.push(r.durationMs);
    });
    say(
      `references [${i + 1}/${runs}]: namespace+veth ${v.create.at(-1)?.toFixed(1) ?? "–"} ms/host, MariaDB install ${v.install.at(-1) ?? "–"} ms + first ping ${v.ping.at(-1) ?? "–"} ms, CLI start ${v.cli.at(-1) ?? "–"} ms`,
    );
  }
  return {
    netnsVethMsPerHost: summarize(v.create),
    netnsDeleteMsPerHost: summarize(v.remove),
    mariadbInstallMs: summarize(v.install),
    mariadbFirstPingMs: summarize(v.ping),
    cliStartMs: summarize(v.cli),
    failures,
  };
}
