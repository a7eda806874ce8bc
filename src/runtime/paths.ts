// Where a lab keeps its state on this machine, and the names that mark what stacklab created.
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Root of stacklab's state (override with STACKLAB_HOME, e.g. for tests): /var/lib/stacklab for root, the user's
 * own $XDG_STATE_HOME/stacklab (default ~/.local/state/stacklab) for a normal user (a rootless lab).
 */
export function stateRoot(): string {
  if (process.env.STACKLAB_HOME !== undefined) return process.env.STACKLAB_HOME;
  if (typeof process.getuid === "function" && process.getuid() !== 0) return join(process.env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "stacklab");
  return "/var/lib/stacklab";
}

/** Directory of one lab. */
export function labDir(lab: string): string {
  return join(stateRoot(), "labs", lab);
}

/** Directory whose contents are bind-mounted into a host at the standard paths. */
export function hostDir(lab: string, host: string): string {
  return join(labDir(lab), "hosts", host);
}

/**
 * Every network namespace stacklab creates starts with this prefix: `stacklab-<lab>.<host>`. Lab and host names
 * are lowercase letters, digits and '-', so the '.' between them cannot come from either name: lab `foo` with a
 * host `bar-web-1` and lab `foo-bar` with a host `web-1` get different namespaces.
 */
export const NETNS_PREFIX = "stacklab-";

/** The namespace of a host. */
export function hostNetns(lab: string, host: string): string {
  return `${NETNS_PREFIX}${lab}.${host}`;
}

/** The namespace holding a lab's two bridges (its "switches"), so nothing of the lab lives in the root namespace ('_' is in no host name). */
export function switchNetns(lab: string): string {
  return `${NETNS_PREFIX}${lab}._switch`;
}

/** The lab a namespace name belongs to, when it follows stacklab's naming (undefined otherwise). */
export function labOfNetns(netns: string): string | undefined {
  const m = /^stacklab-([a-z][a-z0-9-]{0,15})\.(?:_switch|[a-z][a-z0-9-]*)$/.exec(netns);
  return m?.[1];
}

/** Where the per-lab locks live: outside the lab's folder, so `down` can remove the folder while holding the lock. */
export function lockDir(): string {
  return join(stateRoot(), "locks");
}

/** Bridge names inside the switch namespace. */
export const BRIDGES = { public: "br-public", private: "br-private" } as const;

/** Name, inside the switch namespace, of the bridge-side end of a host's link (at most 15 characters). */
export function switchPort(hostIndex: number, ifname: string): string {
  return `h${hostIndex}-${ifname}`;
}

/** Lab names: short, safe in interface aliases and paths. */
export const LAB_NAME = /^[a-z][a-z0-9-]{0,15}$/;
