// Rootless labs (issue 17): design 3 (without sizes, should the blueprint get some: a user needs a delegated cgroup
// subtree for them, which the benchmark does not ask of the machine) brought up and down by a normal user (through its keeper) next to the same
// design brought up and down by root in the same run, run after run, and the whole path's serving speed on both
// (wrk in the user host, through `stacklab exec`, the same command for both), with rootless / root ratios.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadBlueprint } from "../blueprints/index.js";
import { buildModel } from "../model/build.js";
import { REPO_DIR } from "../runtime/repo.js";
import { hostDir, labDir } from "../runtime/paths.js";
import { siteUrl } from "../runtime/site.js";
import { failureText, LAB_PREFIX, stacklab, track, untrack, type AsUser } from "./cli.js";
import { DYNAMIC_PATH, STATIC_PATH } from "./serving.js";
import { ratio, summarize } from "./stats.js";
import type { RootlessModeResult, RootlessResult } from "./types.js";
import { parseWrk, WRK_SCRIPT, wrkArgs, wrkText, type WrkLoad } from "./wrk.js";

/** The root lab and the user's lab (in the user's own state root: the names never meet, but stay apart anyway). */
export const ROOTLESS_LABS = { root: `${LAB_PREFIX}rr`, rootless: `${LAB_PREFIX}ru` } as const;

/** The normal user the group runs as: STACKLAB_BENCH_USER, with subordinate ids (`stacklab doctor` as that user says). */
export function benchUser(): AsUser {
  const name = process.env.STACKLAB_BENCH_USER;
  if (!name)
    throw new Error("set STACKLAB_BENCH_USER to a normal user with subordinate ids (an administrator gives them once: `stacklab doctor` as that user prints the command) who can read this checkout");
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`STACKLAB_BENCH_USER: no user ${name} on this machine`);
  const f = line.split(":");
  if (Number(f[2]) === 0) throw new Error(`STACKLAB_BENCH_USER: ${name} is root; give a normal user`);
  const user = { name, home: f[5]! };
  const bin = join(REPO_DIR, "bin", "stacklab.js");
  if (spawnSync("runuser", ["-u", name, "--", "test", "-r", bin]).status !== 0) throw new Error(`${name} cannot read ${bin}: the checkout must be readable by that user`);
  return user;
}

/** The user's state root as its commands pick it (no XDG_STATE_HOME in the clean environment they get). */
function userStateRoot(u: AsUser): string {
  return join(u.home, ".local", "state", "stacklab");
}

const SCRIPT_IN_HOST = "/tmp/stacklab-bench-wrk.lua";

interface Mode {
  key: "root" | "rootless";
  lab: string;
  as?: AsUser;
  /** The lab's folder, and the user host's /tmp (where the wrk script goes). */
  dir: string;
  userTmp: string;
}

export interface RootlessBenchOptions {
  runs: number;
  load: WrkLoad;
  say: (m: string) => void;
}

/** Up, serving and down of design 3 as root and as the user, interleaved run by run so that noise spreads evenly. */
/** rootless / root, of each figure's median (times: above 1 is slower; serving: below 1 is slower). */
export function rootlessRatios(root: RootlessModeResult, rootless: RootlessModeResult): RootlessResult["ratios"] {
  return {
    up: ratio(rootless.up?.median, root.up?.median),
    down: ratio(rootless.down?.median, root.down?.median),
    dynamic: ratio(rootless.dynamicRps?.median, root.dynamicRps?.median),
    static: ratio(rootless.staticRps?.median, root.staticRps?.median),
  };
}

export async function benchRootless(opts: RootlessBenchOptions): Promise<RootlessResult> {
  const user = benchUser();
  const site = siteUrl(buildModel(loadBlueprint("3"))).replace(/\/$/, "");
  const modes: Mode[] = [
    { key: "root", lab: ROOTLESS_LABS.root, dir: labDir(ROOTLESS_LABS.root), userTmp: join(hostDir(ROOTLESS_LABS.root, "user"), "tmp") },
    {
      key: "rootless",
      lab: ROOTLESS_LABS.rootless,
      as: user,
      dir: join(userStateRoot(user), "labs", ROOTLESS_LABS.rootless),
      userTmp: join(userStateRoot(user), "labs", ROOTLESS_LABS.rootless, "hosts", "user", "tmp"),
    },
  ];
  const samples = new Map(modes.map((m) => [m.key, { up: [] as number[], down: [] as number[], dynamic: [] as number[], static: [] as number[], failures: [] as string[] }]));
  // What an interrupted run left (only these two exact names).
  for (const m of modes) if (existsSync(m.dir)) await stacklab(["down", "--name", m.lab], 60_000, m.as);
  for (let r = 1; r <= opts.runs; r++) {
    for (const m of modes) {
      const s = samples.get(m.key)!;
      const tag = `[${r}/${opts.runs}] ${m.key === "root" ? "root" : `rootless (${user.name})`}`;
      try {
        if (!m.as) track(m.lab);
        const up = await stacklab(["up", "--blueprint", "3", "--no-sizes", "--name", m.lab, "-d", "--json"], 180_000, m.as);
        if (up.code !== 0) throw new Error(`stacklab up failed (${failureText(up)})`);
        s.up.push(up.durationMs);
        const served: string[] = [];
        for (const [kind, path] of [
          ["dynamic", DYNAMIC_PATH],
          ["static", STATIC_PATH],
        ] as const) {
          writeFileSync(join(m.userTmp, "stacklab-bench-wrk.lua"), WRK_SCRIPT, { mode: 0o644 });
          const w = await stacklab(["exec", "--name", m.lab, "user", "--", ...wrkArgs(opts.load, `${site}${path}`, SCRIPT_IN_HOST)], (opts.load.durationS + opts.load.timeoutS + 60) * 1000, m.as);
          try {
            const run = parseWrk(w.stdout);
            s[kind].push(run.rps);
            served.push(`${kind} ${Math.round(run.rps)} req/s (p99 ${run.p99.toFixed(1)} ms, ${run.errors} errors)`);
          } catch (err) {
            s.failures.push(`${kind}: ${(err as Error).message}`);
            served.push(`${kind} failed`);
          }
        }
        const started = performance.now();
        const down = await stacklab(["down", "--name", m.lab], 60_000, m.as);
        if (down.code !== 0 || existsSync(m.dir)) throw new Error(`stacklab down failed (${failureText(down)})${existsSync(m.dir) ? `, ${m.dir} left` : ""}`);
        s.down.push(Math.round(performance.now() - started));
        untrack(m.lab);
        opts.say(`${tag}: up ${(up.durationMs / 1000).toFixed(2)} s, ${served.join(", ")}, down ${(s.down.at(-1)! / 1000).toFixed(2)} s`);
      } catch (err) {
        s.failures.push((err as Error).message);
        opts.say(`${tag}: ${(err as Error).message}`);
        if (existsSync(m.dir)) await stacklab(["down", "--name", m.lab], 60_000, m.as);
        untrack(m.lab);
      }
    }
  }
  const result = (key: Mode["key"]): RootlessModeResult => {
    const s = samples.get(key)!;
    return { up: summarize(s.up), down: summarize(s.down), dynamicRps: summarize(s.dynamic), staticRps: summarize(s.static), failures: s.failures };
  };
  const root = result("root");
  const rootless = result("rootless");
  return {
    design: "3-scale_up",
    user: user.name,
    runs: opts.runs,
    load: wrkText(opts.load),
    root,
    rootless,
    ratios: rootlessRatios(root, rootless),
  };
}
