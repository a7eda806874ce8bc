// One isolated host: its directory tree, its init (runsvdir as PID 1 of its own PID namespace), and entering it.
import { chmodSync, chownSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { REPO_DIR } from "./repo.js";
import { dirname, join } from "node:path";
import { run, spawnDetached, type CommandResult, type RunOptions } from "./exec.js";
import { hostDir, hostNetns, labDir } from "./paths.js";
import { procRecord, type ProcRecord } from "./state.js";
import { shellQuote } from "../render/shell.js";

/**
 * Directories of the machine a host gets its own copy of (bind-mounted over the real ones). `root` among them: a
 * host's root has a home of its own, as on a real server, so an ssh session into a host does not run this machine's
 * root dotfiles (a `pyenv rehash` in /root/.bashrc, stuck on a stale lock, held every Ansible task of a rehearsal 60 s).
 */
export const BIND_DIRS = ["opt", "root", "var/lib/etcd", "var/lib/mysql", "var/lib/nginx", "var/lib/nsd", "var/lib/prometheus", "var/log", "var/www", "run", "tmp"] as const;
/** Where runit looks for the host's services (inside the host's own /etc). */
export const SERVICE_DIR = "/etc/stacklab/service";

/** A file to place in a host, at its absolute path inside the host. */
export interface HostFile {
  path: string;
  content: string;
  mode?: number;
  owner?: string;
}

/** Creates a host's directory tree and writes its files into it (paths inside the host map to the tree). */
export function prepareHostDir(lab: string, host: string, files: HostFile[]): string {
  const root = hostDir(lab, host);
  for (const d of ["etc", ".overlay/etc", ...BIND_DIRS, "etc/stacklab/service"]) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, "tmp"), 0o1777);
  chmodSync(join(root, "root"), 0o700);
  for (const f of files) writeHostFile(root, f);
  return root;
}

/** Writes one file into a host's tree, creating its directories. */
export function writeHostFile(root: string, f: HostFile): void {
  const target = join(root, mapPath(f.path));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, f.content, { mode: f.mode ?? 0o644 });
  chmodSync(target, f.mode ?? 0o644);
  if (f.owner) chownTo(target, f.owner);
}

/** Maps a path inside the host to its place in the host's tree (all of /etc goes to the overlay's upper layer). */
export function mapPath(path: string): string {
  return path.replace(/^\/+/, "");
}

/** Changes the owner of a path to a system user (e.g. mysql). */
export function chownTo(path: string, user: string): void {
  const passwd = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`));
  if (!passwd) throw new Error(`system user ${user} does not exist; is its package installed? (stacklab doctor)`);
  const [, , uid, gid] = passwd.split(":");
  chownSync(path, Number(uid), Number(gid));
}

/** The shell script that becomes the host: private mounts at the standard paths, hostname, then runsvdir as init. */
export function initScript(lab: string, host: string, visible: string[] = visiblePaths(lab)): string {
  const root = hostDir(lab, host);
  // Folders of this machine the host's services run from (stacklab itself, a custom app): if one lies under
  // a folder the host gets its own copy of (e.g. a clone in /tmp), it is bound again on top, so it stays visible.
  const hidden = visible.filter((p) => BIND_DIRS.some((d) => p === `/${d}` || p.startsWith(`/${d}/`)));
  const stash = (i: number) => `"$R/.visible/${i}"`;
  // Usually every mount is one line of the host's fstab and one `mount -a` makes them all (one process instead of
  // one per mount: a host's boot starts about a dozen fewer). A folder to keep visible, or a tree whose path an
  // fstab cannot hold as it is, takes the mounts one command each, in the same order.
  const oneByOne = hidden.length > 0 || !FSTAB_SAFE.test(root);
  return [
    "#!/bin/sh",
    `# stacklab host init: lab ${lab}, host ${host}. Runs as PID 1 of the host's PID namespace.`,
    "set -e",
    `R=${shellQuote(root)}`,
    ...(oneByOne
      ? [
          // /etc: the machine's /etc with the host's own files layered on top, so Debian's defaults stay visible.
          'mount -t overlay stacklab-etc -o "lowerdir=/etc,upperdir=$R/etc,workdir=$R/.overlay/etc" /etc',
          ...hidden.map((p, i) => `mkdir -p ${stash(i)} && mount --bind ${shellQuote(p)} ${stash(i)}`),
          // (a folder whose package is not installed has nothing to hide, so it is skipped)
          ...BIND_DIRS.map((d) => `if [ -d /${d} ]; then mount --bind "$R/${d}" /${d}; fi`),
          ...hidden.map((p, i) => `mkdir -p ${shellQuote(p)} && mount --bind ${stash(i)} ${shellQuote(p)}`),
          // runit's control FIFOs must be the same inodes inside and outside the host (an overlay gives its own),
          // so that stacklab can send `sv`-style commands from this machine: the service folder is bound, not overlaid.
          `mount --bind "$R/etc/stacklab/service" ${SERVICE_DIR}`,
        ]
      : ['mount -a --fstab "$R/fstab"']),
    // hostname and sysctls by writing /proc/sys (shell built-ins, no process; the UTS and network namespace's own).
    // Rootless, /proc/sys/kernel/hostname belongs to the machine's root (nobody in the user namespace): the
    // sethostname(2) of `hostname` is allowed there, a write of the file is not.
    `{ printf '%s' ${shellQuote(host)} > /proc/sys/kernel/hostname; } 2>/dev/null || hostname ${shellQuote(host)}`,
    ...Object.entries(HOST_SYSCTLS).map(([k, v]) => `{ echo ${v} > /proc/sys/${k.replaceAll(".", "/")}; } 2>/dev/null || true`),
    // The host's firewall loads at boot, before any service starts, as nftables.service does on Debian.
    "if [ -f /etc/nftables.conf ]; then nft -f /etc/nftables.conf; fi",
    `exec runsvdir -P ${SERVICE_DIR}`,
    "",
  ].join("\n");
}

/** Per-namespace sysctls every host sets at boot: IPv6 off, binding to a floating address it does not hold yet, short FIN_WAIT. */
const HOST_SYSCTLS = {
  "net.ipv6.conf.all.disable_ipv6": 1,
  "net.ipv6.conf.default.disable_ipv6": 1,
  "net.ipv4.ip_nonlocal_bind": 1,
  "net.ipv4.tcp_fin_timeout": 5,
} as const;

/** A host tree's path an fstab line (and an overlay's options) holds as it is: no blank, comma, backslash or quote. */
const FSTAB_SAFE = /^\/[A-Za-z0-9._/+@:=-]*$/;

/**
 * The host's mounts, one fstab line each, in order, for the init's `mount -a`: /etc as an overlay (the machine's
 * /etc below, the host's files on top, so Debian's defaults stay visible), the host's own copy of each folder of
 * BIND_DIRS that exists on this machine (a folder whose package is not installed has nothing to hide), and runit's
 * service folder bound over the overlay (its control FIFOs must be the same inodes inside and outside the host, so
 * that stacklab can send `sv`-style commands from this machine).
 */
export function hostFstab(lab: string, host: string): string {
  const root = hostDir(lab, host);
  return [
    `stacklab-etc /etc overlay lowerdir=/etc,upperdir=${root}/etc,workdir=${root}/.overlay/etc 0 0`,
    ...BIND_DIRS.filter((d) => existsSync(`/${d}`)).map((d) => `${root}/${d} /${d} none bind 0 0`),
    `${root}/etc/stacklab/service ${SERVICE_DIR} none bind 0 0`,
    "",
  ].join("\n");
}

/** Folders every host of a lab must see as they are on this machine: stacklab's own, plus those recorded at `up`. */
export function visiblePaths(lab: string): string[] {
  const file = join(labDir(lab), "visible.json");
  const extra = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as string[]) : [];
  // (and the Node runtime's folder: a Node.js unpacked under /opt stays visible behind the host's own /opt)
  return [...new Set([REPO_DIR, dirname(realpathSync(process.execPath)), ...extra])];
}

/** Records more folders the lab's hosts must see (a custom app's directory). */
export function keepVisible(lab: string, paths: string[]): void {
  writeFileSync(join(labDir(lab), "visible.json"), JSON.stringify(paths));
}

/**
 * The environment variable that marks every process stacklab starts for a lab, from a host's launcher down to
 * each of its services (they inherit it), and the loopback relays: the path of what owns it, under the lab's
 * folder (`<state root>/labs/<lab>/hosts/<host>`). `clean` finds a lab's processes by this mark even when their
 * namespace is already gone or their pid was never recorded (an `up` killed while it launched hosts).
 */
export const MARK_ENV = "STACKLAB_OWNER";

/** The environment of a process owned by `owner` (a path under a lab's folder). */
export function markedEnv(owner: string): NodeJS.ProcessEnv {
  return { ...process.env, [MARK_ENV]: owner };
}

/**
 * Starts a host: its init runs detached, in the host's network namespace and fresh PID, UTS and mount namespaces.
 * `--kill-child`: the init dies with its launcher, so killing either ends the whole host.
 */
export async function launchHost(lab: string, host: string, opts: { cgroupProcs?: string[]; cgroupNamespace?: boolean } = {}): Promise<{ launcher: ProcRecord; init: ProcRecord }> {
  const root = hostDir(lab, host);
  writeFileSync(join(root, "fstab"), hostFstab(lab, host));
  writeFileSync(join(root, "init.sh"), initScript(lab, host), { mode: 0o755 });
  const log = openSync(join(root, "init.log"), "a");
  const argv = [
    "ip",
    "netns",
    "exec",
    hostNetns(lab, host),
    "unshare",
    "--pid",
    "--fork",
    "--kill-child",
    "--mount",
    "--uts",
    "--mount-proc",
    // Rootless, a host mounts its cgroups only in a cgroup namespace of its own (rooted at its cgroup).
    ...(opts.cgroupNamespace ? ["--cgroup"] : []),
    "--propagation",
    "private",
    "--",
    "/bin/sh",
    join(root, "init.sh"),
  ];
  // A sized host: the launcher first moves itself into the host's cgroups, so every process of the host is in them.
  const env = markedEnv(hostDir(lab, host));
  if (opts.cgroupProcs?.length) env.STACKLAB_CGROUPS = opts.cgroupProcs.join(" ");
  const pid = spawnDetached(opts.cgroupProcs?.length ? ["/bin/sh", "-c", 'for f in $STACKLAB_CGROUPS; do echo $$ > "$f" || exit 1; done; exec "$@"', "stacklab-launch", ...argv] : argv, log, env);
  closeSync(log);
  const launcher = procRecord(pid);
  // (a bound, not an expectation: a 50-host lab launches 50 hosts at once, and on a busy machine the slowest
  // launcher took over 3 s to fork its init)
  const initPid = await waitForChild(pid, 15_000);
  return { launcher, init: procRecord(initPid) };
}

async function waitForChild(pid: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
      if (children) return Number(children.split(" ")[0]);
    } catch {
      throw new Error(`host launcher ${pid} exited early`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`host init did not start within ${timeoutMs} ms`);
}

/** Arguments that enter a host's namespaces (network, mount, UTS, PID) through its init. */
export function enterArgs(initPid: number): string[] {
  return ["nsenter", "-t", String(initPid), "-n", "-m", "-u", "-p", "--"];
}

/** Runs a command inside a host and returns its record. */
export function runInHost(initPid: number, argv: string[], options?: RunOptions): Promise<CommandResult> {
  return run([...enterArgs(initPid), ...argv], options);
}
