// `doctor` and `setup`: what this machine has and lacks for running labs, and installing what is missing.
import { existsSync } from "node:fs";
import { run } from "./exec.js";
import { SERVICES } from "./services/index.js";
import { cgroupMode } from "./cgroups.js";
import type { Requirement } from "./services/types.js";
import { rootlessChecks } from "./rootless/checks.js";
import { currentUser } from "./rootless/ids.js";
import { isRootless } from "./rootless/mode.js";
import { stateRoot } from "./paths.js";

export type { Requirement };

/** What the lab itself needs, beyond the service kinds' own programs (each ServiceDef lists those). */
const CORE: Requirement[] = [
  { binary: "ip", pkg: "iproute2", why: "network namespaces, veth links, bridges", versionArgs: ["-V"] },
  { binary: "unshare", pkg: "util-linux", why: "PID, mount and UTS namespaces for each host", versionArgs: ["--version"] },
  { binary: "nsenter", pkg: "util-linux", why: "running commands inside a host", versionArgs: ["--version"] },
  { binary: "runsvdir", pkg: "runit", why: "each host's init and service supervisor" },
  { binary: "newuidmap", pkg: "uidmap", why: "rootless labs: maps a normal user's subordinate ids into the lab's user namespace" },
  { binary: "socat", pkg: "socat", why: "publishing the site on this machine's loopback", versionArgs: ["-V"] },
  { binary: "curl", pkg: "curl", why: "the visitor's browser in the user host", versionArgs: ["--version"] },
  { binary: "openssl", pkg: "openssl", why: "TLS probes and the CA check of `audit`", versionArgs: ["version"] },
  { binary: "nft", pkg: "nftables", why: "each host's firewall, and network partitions", versionArgs: ["--version"] },
  { binary: "iptables", pkg: "iptables", why: "`fault netem` without the kernel's netem: packets queued to a delay program (NFQUEUE)", versionArgs: ["--version"] },
  { binary: "python3", pkg: "python3", why: "the delay program of `fault netem` when the kernel has no netem", versionArgs: ["--version"] },
  { binary: "wrk", pkg: "wrk", why: "`npm run bench`'s load generator", versionArgs: ["--version"] },
  { binary: "tcpdump", pkg: "tcpdump", why: "`stacklab audit`'s capture of the private network", versionArgs: ["--version"] },
  { binary: "stress-ng", pkg: "stress-ng", why: "`fault stress`: a noisy neighbour inside a host", versionArgs: ["--version"] },
];

/** Every program stacklab needs: the lab's own tools, then each service kind's (from its ServiceDef), once each. */
export const REQUIREMENTS: Requirement[] = [...new Map([...CORE, ...Object.values(SERVICES).flatMap((d) => d!.requires)].map((r) => [r.binary, r])).values()];

const PATHS = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"];

function which(binary: string): string | undefined {
  return PATHS.map((p) => `${p}/${binary}`).find((p) => existsSync(p));
}

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

/** Checks root, kernel features and every required program, with the fix for each failure. */
export async function doctor(): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const root = process.getuid?.() === 0;
  // A normal user runs labs rootless: what the machine must allow for that replaces the root check.
  if (root) checks.push({ name: "root", ok: true, detail: isRootless() ? "root of a rootless keeper's user namespace" : "running as root (labs run in the machine's namespaces)" });
  else {
    checks.push({ name: "mode", ok: true, detail: `not root: labs run rootless, in a user namespace of ${currentUser().name} (state under ${stateRoot()})` });
    checks.push(...(await rootlessChecks()));
  }
  const node = Number(process.versions.node.split(".")[0]);
  checks.push({ name: "node", ok: node >= 20, detail: `Node.js ${process.versions.node}`, ...(node >= 20 ? {} : { fix: "install Node.js 20 or newer" }) });
  for (const feature of ["net", "pid", "mnt", "uts"]) {
    const ok = existsSync(`/proc/self/ns/${feature}`);
    checks.push({ name: `kernel: ${feature} namespaces`, ok, detail: ok ? "available" : "missing", ...(ok ? {} : { fix: "use a kernel with namespaces enabled" }) });
  }
  const overlay = existsSync("/proc/filesystems") && (await run(["grep", "-qw", "overlay", "/proc/filesystems"], { check: false })).code === 0;
  checks.push({ name: "kernel: overlayfs", ok: overlay || root, detail: overlay ? "available" : "not listed yet (loaded on first use)" });
  // Server sizes (`size:` in the spec) are enforced with cgroups: say which version, or why sizes cannot run here.
  const cg = cgroupMode();
  checks.push(
    cg.version === 0
      ? {
          name: "kernel: cgroups (server sizes)",
          ok: false,
          detail: cg.why,
          fix: "mount cgroup2 with the cpu and memory controllers (or the v1 cpu, cpuacct and memory controllers); designs without sizes run without it",
        }
      : {
          name: "kernel: cgroups (server sizes)",
          ok: true,
          detail: cg.version === 2 ? `cgroup v2 (cpu.max, memory.max) under ${cg.base}` : `cgroup v1 controllers: cpu quota (${cg.cpu}), cpuacct (${cg.cpuacct}), memory limit (${cg.memory})`,
        },
  );
  for (const req of REQUIREMENTS) {
    const path = which(req.binary);
    if (!path) {
      checks.push({ name: req.binary, ok: false, detail: `missing (${req.why})`, fix: `apt-get install -y ${req.pkg}   (or: stacklab setup)` });
      continue;
    }
    let version = "";
    if (req.versionArgs) {
      const r = await run([path, ...req.versionArgs], { check: false, timeoutMs: 5000 });
      version =
        `${r.stdout}\n${r.stderr}`
          .split("\n")
          .map((l) => l.trim())
          .find((l) => /\d+\.\d+/.test(l)) ?? "";
    }
    checks.push({ name: req.binary, ok: true, detail: `${path}${version ? `: ${version.slice(0, 90)}` : ""}` });
  }
  return checks;
}

/** Debian packages that provide the missing programs (the lab's, and `extra` ones, e.g. a rehearsal's). */
export function missingPackages(extra: Requirement[] = []): string[] {
  return [...new Set([...REQUIREMENTS, ...extra].filter((r) => !which(r.binary)).map((r) => r.pkg))];
}

/** Installs the missing packages with apt-get (services stay stopped: each lab host starts its own). */
export async function setup(packages: string[], log: (line: string) => void): Promise<void> {
  if (!packages.length) return;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  log("apt-get update");
  await run(["apt-get", "update", "-qq"], { env, timeoutMs: 600_000 });
  log(`apt-get install -y --no-install-recommends ${packages.join(" ")}`);
  await run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...packages], { env, timeoutMs: 1_200_000 });
}
