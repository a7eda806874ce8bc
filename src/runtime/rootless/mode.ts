// Which mode stacklab runs in: as root (the machine's own namespaces), or rootless (inside the user namespace a
// normal user's keeper holds, where this process is root of that namespace only).

/**
 * Set on every stacklab process that runs inside a user's keeper: `<user>:<uid>:<keeper pid>`. Its presence is
 * what switches the few rootless-specific steps (how a network namespace is created, what `up` prints).
 */
export const ROOTLESS_ENV = "STACKLAB_ROOTLESS";

/** The rootless context of this process, when it runs inside a keeper. */
export interface RootlessContext {
  user: string;
  uid: number;
  keeperPid: number;
}

/** The keeper this process runs in, or undefined when it runs as the machine's root (or outside any keeper). */
export function rootlessContext(env: NodeJS.ProcessEnv = process.env): RootlessContext | undefined {
  const m = /^([^:]+):(\d+):(\d+)$/.exec(env[ROOTLESS_ENV] ?? "");
  return m ? { user: m[1]!, uid: Number(m[2]), keeperPid: Number(m[3]) } : undefined;
}

/** True when this process runs inside a rootless keeper. */
export function isRootless(): boolean {
  return rootlessContext() !== undefined;
}

/** True for a normal user's process outside any keeper: lab commands must enter (or start) the user's keeper. */
export function needsKeeper(): boolean {
  return typeof process.getuid === "function" && process.getuid() !== 0 && !isRootless();
}

/** One line saying which mode a lab runs in, for `up` and `status`. */
export function modeLine(stateRoot: string): string {
  const ctx = rootlessContext();
  if (!ctx) return `mode: root (state under ${stateRoot})`;
  return `mode: rootless, as ${ctx.user} (uid ${ctx.uid}) inside the user namespace held by keeper ${ctx.keeperPid} (state under ${stateRoot})`;
}
