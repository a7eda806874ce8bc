// What a normal user's machine must allow for a rootless lab, each missing piece with the one command an
// administrator runs once to fix it. `doctor` prints these; `up` refuses with the same words before creating anything.
import { existsSync, readFileSync, statSync } from "node:fs";
import { UsageError } from "../../spec/errors.js";
import { delegation, delegationMissing, hierarchies, type Hierarchies } from "../cgroups.js";
import { run } from "../exec.js";
import { currentUser, SUBIDS_NEEDED, subIdsFix, userSubIds } from "./ids.js";

/** One check, as `doctor` prints it. */
export interface RootlessCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

function readSysctl(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** A setuid-root (or file-capability) helper of the `uidmap` package, or why it cannot map ids. */
function mapHelper(name: string): RootlessCheck {
  const path = `/usr/bin/${name}`;
  if (!existsSync(path)) return { name, ok: false, detail: "missing (maps the subordinate ids into the lab's user namespace)", fix: "apt-get install -y uidmap" };
  const st = statSync(path);
  const setuid = (st.mode & 0o4000) !== 0 && st.uid === 0;
  return { name, ok: true, detail: `${path}${setuid ? " (setuid root)" : " (file capabilities expected)"}` };
}

/** Every check a rootless lab needs on this machine, for the current user. */
export async function rootlessChecks(): Promise<RootlessCheck[]> {
  const user = currentUser();
  const checks: RootlessCheck[] = [];
  const max = readSysctl("/proc/sys/user/max_user_namespaces");
  const clone = readSysctl("/proc/sys/kernel/unprivileged_userns_clone");
  const apparmor = readSysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
  const userns = max !== "0" && clone !== "0" && apparmor !== "1";
  checks.push({
    name: "rootless: user namespaces",
    ok: userns,
    detail: userns ? `enabled (user.max_user_namespaces = ${max ?? "?"})` : "disabled for normal users",
    ...(userns
      ? {}
      : {
          fix: max === "0" ? "sysctl -w user.max_user_namespaces=15000" : clone === "0" ? "sysctl -w kernel.unprivileged_userns_clone=1" : "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0",
        }),
  });
  const helpers = [mapHelper("newuidmap"), mapHelper("newgidmap")];
  checks.push(...helpers.map((h) => ({ ...h, name: `rootless: ${h.name}` })));
  const ids = userSubIds(user);
  const idsOk = ids.uid !== undefined && ids.gid !== undefined;
  checks.push({
    name: "rootless: subordinate ids",
    ok: idsOk,
    detail: idsOk
      ? `${user.name}: uids ${ids.uid!.start}+${ids.uid!.count}, gids ${ids.gid!.start}+${ids.gid!.count} (the services' users map there)`
      : `${user.name} has no range of ${SUBIDS_NEEDED} ids in ${[ids.uid ? "" : "/etc/subuid", ids.gid ? "" : "/etc/subgid"].filter(Boolean).join(" nor in ")}`,
    ...(idsOk ? {} : { fix: subIdsFix(user.name, ids.suggested) }),
  });
  // The real thing, once the pieces are there: a user namespace with the whole mapping, made and left at once.
  if (userns && idsOk && helpers.every((h) => h.ok)) {
    const r = await run(["unshare", ...mapArgs(ids.uid!.start, ids.gid!.start), "true"], { check: false, timeoutMs: 10_000 });
    checks.push({
      name: "rootless: mapping works",
      ok: r.code === 0,
      detail: r.code === 0 ? `a user namespace with root -> ${user.name} and 1-${SUBIDS_NEEDED} -> the subordinate ids` : `unshare failed: ${r.stderr.trim().split("\n").pop()}`,
      ...(r.code === 0 ? {} : { fix: "check that newuidmap and newgidmap are setuid root (dpkg-reconfigure uidmap) and that /etc/subuid and /etc/subgid name this user" }),
    });
  }
  checks.push(sizesCheck(user.name));
  return checks;
}

/** The check of server sizes: only a design with `size:` needs it (an unsized lab runs without). */
export const SIZES_CHECK = "rootless: server sizes";

/**
 * Whether `user`'s rootless labs can have server sizes: the cgroup subtree an administrator delegated to the user
 * once (checked as this process can write it: as the user, or as root of the user's keeper), else the command
 * that delegates it.
 */
export function sizesCheck(user: string, h: Hierarchies = hierarchies()): RootlessCheck {
  const d = delegation(user, h);
  if (!d || h.version === 0)
    return {
      name: SIZES_CHECK,
      ok: false,
      detail: `${h.version === 0 ? h.why : "no cgroups"}: a design with \`size:\` is refused unless run with \`up --no-sizes\` (designs without sizes run)`,
      fix: "mount cgroup2 with the cpu and memory controllers (or the v1 cpu, cpuacct and memory controllers)",
    };
  const missing = delegationMissing(d, h);
  if (!missing) return { name: SIZES_CHECK, ok: true, detail: `cgroup v${h.version} subtree delegated to ${user}: ${d.folders.join(", ")}` };
  return {
    name: SIZES_CHECK,
    ok: false,
    detail: `no cgroup subtree delegated to ${user} (${missing}): a design with \`size:\` is refused unless run with \`up --no-sizes\` (designs without sizes run)`,
    fix: d.grant,
  };
}

/** Refuses a sized design for a user whose cgroup subtree is not delegated (before anything of the lab is made). */
export function requireSizesDelegated(user: string, h: Hierarchies = hierarchies()): void {
  const d = delegation(user, h);
  const missing = d && delegationMissing(d, h);
  // (No cgroups at all: refused as for root, by the caller.)
  if (!d || !missing) return;
  throw new UsageError(
    `this design gives its servers sizes: a rootless lab enforces them in a cgroup subtree an administrator delegates to ${user} once, and ${missing}\n    an administrator runs once: ${d.grant}\n(or run it without its sizes: \`stacklab up --no-sizes ...\`; or run stacklab as root)`,
  );
}

/** `unshare` options for the lab's user namespace: this user is its root, ids 1-65536 are the subordinate ids. */
export function mapArgs(subUid: number, subGid: number): string[] {
  return ["--user", "--map-root-user", `--map-users=${subUid},1,${SUBIDS_NEEDED}`, `--map-groups=${subGid},1,${SUBIDS_NEEDED}`];
}

/** Refuses, before anything is created, when this machine cannot run a rootless lab for this user; says what to fix. */
export async function requireRootlessReady(command: string): Promise<void> {
  // (Server sizes are checked by `up` for a sized design only.)
  const failed = (await rootlessChecks()).filter((c) => !c.ok && c.name !== SIZES_CHECK);
  if (!failed.length) return;
  throw new UsageError(
    `\`stacklab ${command}\` runs rootless for ${currentUser().name}, but this machine does not allow it yet:\n${failed.map((c) => `  - ${c.name.replace(/^rootless: /, "")}: ${c.detail}${c.fix ? `\n    an administrator runs once: ${c.fix}` : ""}`).join("\n")}\n(or run stacklab as root)`,
  );
}
