// One lab per blueprint, shared by the integration files that leave a lab as they found it (after `fault heal`).
// Each file starts from a known state: before its tests, the shared lab is healed and checked against what it
// was when it came up (every host up, every service healthy, the same database primary with every replica
// streaming from it, the floating addresses on the same holders); a lab that does not return to that state within
// a bounded wait is brought up afresh. After the last file that uses it (in the order of order.ts) the lab goes
// down, and nothing of it may be left; when only some files run, the project's global teardown
// (shared-teardown.ts) takes down what is still up.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, expect } from "vitest";
import { cli, labPath, labUp, leftovers, ROOT, testLab } from "./helpers.js";
import { usedLater } from "./order.js";

/** The shared labs' names, by blueprint number (the teardown downs each of them). */
export const SHARED_BLUEPRINTS = ["0-simple_web_stack", "1-distributed_web_infrastructure", "2-secured_and_monitored_web_infrastructure", "3-scale_up"] as const;
export type SharedBlueprint = (typeof SHARED_BLUEPRINTS)[number];

export function sharedLabName(blueprint: SharedBlueprint): string {
  return testLab(`shared${blueprint.split("-")[0]}`);
}

/** What a shared lab looks like when it has just come up: compared before each file that uses it. */
interface Fingerprint {
  holders: Record<string, string[]>;
  primary: string | null;
}

interface StatusJson {
  status: string;
  hosts: { name: string; up: boolean; holds: string[]; services: { healthy: boolean }[] }[];
}

interface DbJson {
  primary: string | null;
  writable: string[];
  servers: { host: string; db: { up: boolean; replica: { io: string; sqlRunning: boolean } | null } }[];
  controller: { phase: string; primary: string } | null;
}

function readJson<T>(args: string[]): T | undefined {
  const r = cli(args);
  if (r.code !== 0) return undefined;
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    return undefined;
  }
}

/** The lab's fingerprint now, or why it cannot be taken (a host down, a service unhealthy, a replica not streaming). */
function observe(lab: string): Fingerprint | string {
  const s = readJson<StatusJson>(["status", "--name", lab, "--json"]);
  if (!s) return "no status";
  if (s.status !== "running") return `the lab is ${s.status}`;
  for (const h of s.hosts) {
    if (!h.up) return `${h.name} is down`;
    if (!h.services.every((x) => x.healthy)) return `a service of ${h.name} is not healthy`;
  }
  const holders = Object.fromEntries(s.hosts.filter((h) => h.holds.length).map((h) => [h.name, [...h.holds].sort()]));
  const db = readJson<DbJson>(["db", "status", "--name", lab, "--json"]);
  if (!db) return { holders, primary: null };
  if (db.writable.length !== 1 || db.primary !== db.writable[0]) return `writable: ${db.writable.join(", ") || "none"}`;
  for (const x of db.servers.filter((x) => x.host !== db.primary)) if (!x.db.up || x.db.replica?.io !== "Yes" || !x.db.replica.sqlRunning) return `${x.host} does not stream from ${db.primary}`;
  if (db.controller && (db.controller.phase !== "watching" || db.controller.primary !== db.primary)) return `the failover controller is ${db.controller.phase}`;
  return { holders, primary: db.primary };
}

const fingerprintFile = (lab: string) => labPath(lab, "test-fingerprint.json");
/** The checkout whose suite brought the lab up: its hosts run that checkout's code, so no other suite reuses it. */
const checkoutFile = (lab: string) => labPath(lab, "test-checkout");

/** Brings the shared lab up afresh and records its fingerprint. */
async function fresh(lab: string, blueprint: SharedBlueprint): Promise<void> {
  cli(["down", "--name", lab]);
  labUp(blueprint, lab);
  const deadline = performance.now() + 60_000;
  for (;;) {
    const f = observe(lab);
    if (typeof f !== "string") {
      writeFileSync(fingerprintFile(lab), JSON.stringify(f));
      writeFileSync(checkoutFile(lab), ROOT);
      return;
    }
    if (performance.now() > deadline) throw new Error(`the shared lab ${lab} did not settle after up: ${f}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Heals the lab and waits (bounded) until it matches its fingerprint again; returns why not, or null. */
async function restore(lab: string): Promise<string | null> {
  if (!existsSync(fingerprintFile(lab)) || !existsSync(checkoutFile(lab))) return "no fingerprint";
  if (readFileSync(checkoutFile(lab), "utf8") !== ROOT) return `brought up by another checkout (${readFileSync(checkoutFile(lab), "utf8")})`;
  const want = JSON.stringify(JSON.parse(readFileSync(fingerprintFile(lab), "utf8")));
  const heal = cli(["fault", "heal", "--name", lab], 120_000);
  if (heal.code !== 0) return `fault heal failed: ${heal.stderr.trim()}`;
  const deadline = performance.now() + 30_000;
  let why = "";
  for (;;) {
    const f = observe(lab);
    if (typeof f !== "string" && JSON.stringify(f) === want) return null;
    why = typeof f === "string" ? f : `now ${JSON.stringify(f)}, was ${want}`;
    // A settled lab with another primary stays so (nothing switches back by itself): no use waiting for it.
    if (typeof f !== "string" && f.primary !== (JSON.parse(want) as Fingerprint).primary) return why;
    if (performance.now() > deadline) return why;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The blueprint's shared lab, in the state it came up in, for the tests of the enclosing describe: healed and
 * checked, or brought up afresh; taken down after them when no later file uses it. Only for files whose tests leave the lab as `fault heal` can restore it (or
 * whose changes the check catches: the next file then gets a fresh lab). Returns the lab's name.
 */
export function useSharedLab(blueprint: SharedBlueprint): string {
  const lab = sharedLabName(blueprint);
  beforeAll(async () => {
    const why = existsSync(labPath(lab, "state.json")) ? await restore(lab) : "not up";
    if (why !== null) {
      if (why !== "not up") console.log(`shared lab ${lab}: brought up afresh (${why})`);
      await fresh(lab, blueprint);
    }
  }, 400_000);
  afterAll(() => {
    const file = expect.getState().testPath;
    if (!file) throw new Error("vitest did not say which file runs");
    if (process.env.STACKLAB_KEEP_LAB === "1" || usedLater(file, Number(blueprint[0]))) return;
    expect(cli(["down", "--name", lab]).code).toBe(0);
    expect(leftovers(lab)).toEqual({ namespaces: [], dir: false });
  }, 60_000);
  return lab;
}
