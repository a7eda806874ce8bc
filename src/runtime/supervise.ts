// Talking to a host's runit supervisor from outside the host: its control FIFO and status file per service.
import { closeSync, constants, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { hostDir } from "./paths.js";

/** runit control characters (see runsv(8)). */
export const CONTROL = { up: "u", down: "d", once: "o", hup: "h", usr1: "1", usr2: "2", quit: "q", term: "t", kill: "k", cont: "c", pause: "p", alarm: "a" } as const;
export type Control = keyof typeof CONTROL;

/** The supervise directory of a service on a host, seen from this machine. */
export function superviseDir(lab: string, host: string, service: string): string {
  return join(hostDir(lab, host), "etc/stacklab/service", service, "supervise");
}

/** Sends a control command to a service's runsv; false when nobody supervises it (host down). Never blocks. */
export function control(lab: string, host: string, service: string, command: Control): boolean {
  const fifo = join(superviseDir(lab, host, service), "control");
  if (!existsSync(fifo)) return false;
  let fd: number;
  try {
    // Non-blocking: with no reader (runsv gone) the open fails instead of hanging.
    fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    writeSync(fd, CONTROL[command]);
    return true;
  } finally {
    closeSync(fd);
  }
}

/** What runit says of a service: "run", "down", "finish" (plus "want up"...), or "unsupervised". */
export function serviceState(lab: string, host: string, service: string): { state: string; pid: number | null } {
  const dir = superviseDir(lab, host, service);
  const stat = join(dir, "stat");
  if (!existsSync(stat)) return { state: "unsupervised", pid: null };
  const pidText = existsSync(join(dir, "pid")) ? readFileSync(join(dir, "pid"), "utf8").trim() : "";
  return { state: readFileSync(stat, "utf8").trim(), pid: pidText ? Number(pidText) : null };
}
