// The one interface every service kind implements: how it runs, what it needs first, and when it is ready.
import type { Host, Model, ServiceKind } from "../../model/types.js";
import type { Secrets } from "../secrets.js";
import { EVENTS_FD_ENV, eventsFile } from "../events.js";
import type { Control } from "../supervise.js";
import { shellJoin, shellQuote } from "../../render/shell.js";
import type { Listener } from "../listener.js";

/** What a service implementation knows about where it runs. */
export interface ServiceContext {
  lab: string;
  model: Model;
  host: Host;
  /** The host's directory tree on this machine. */
  root: string;
  secrets: Secrets;
  /** Folder of the spec file, against which a custom app's `dir` is resolved. */
  specDir?: string;
  /**
   * Where a packaged release of stacklab's Node programs is installed (`export ansible`: /opt/stacklab-app, holding
   * `current/`, the release, and `bin/node`, the Node runtime): the app runner and the failover agents and
   * controllers run from there instead of this checkout.
   */
  appRelease?: string;
}

/** A readiness check: a command run inside the host that exits 0 once the service is ready. */
export interface Probe {
  /** What is awaited, in words ("TCP 198.18.1.12:80 answering"). */
  what: string;
  argv: string[];
  /**
   * What the kernel shows once the service listens (a TCP socket in LISTEN, a socket or pid file), read in process
   * from /proc: readiness waits for it without starting a process, then runs `argv` to confirm.
   */
  listener?: Listener;
  /** Run once when readiness times out: what it prints (the service's own word on why it is not ready) joins the error. */
  diagnose?: string[];
}

/** A program a service kind needs on this machine, and the Debian package that brings it (`doctor`, `setup`, CI). */
export interface Requirement {
  binary: string;
  pkg: string;
  why: string;
  versionArgs?: string[];
}

/** How a service takes a changed file without dropping connections (`apply`, `deploy`). */
export interface ReloadDef {
  /** Paths (or folder prefixes ending in /) inside the host that the service reads. */
  files: string[];
  /** runit control sent to reload (HAProxy hands its sockets over on USR2, nginx re-reads on HUP). */
  signal?: Control;
  /** The service cannot take the change without a restart, which `apply` leaves to a person. */
  restartNeeded?: boolean;
}

/**
 * A service kind, described once and completely: what it needs installed, what it starts after, how it runs,
 * how to tell it is ready, how it reloads and where it logs. The host lifecycle (src/runtime/lifecycle.ts) and
 * the operations read everything from here; adding a kind is this file plus its renderer.
 */
export interface ServiceDef {
  kind: ServiceKind;
  /** Programs and packages it needs (none for stacklab's own Node helpers). */
  requires: Requirement[];
  /** Kinds on the same host that must be ready before this one is awaited (the start order is derived from these). */
  after: ServiceKind[];
  /** The log file's name under /var/log (default: the kind). */
  log?: string;
  /** How it reloads a changed configuration; absent when it has no configuration file of its own. */
  reload?: ReloadDef;
  /** The runit `run` script: sets up and execs the server in the foreground. */
  runScript(ctx: ServiceContext): string;
  /** Work in the host's tree before the host starts (data directories, ownership). */
  prepare?(ctx: ServiceContext): Promise<void> | void;
  /** How to tell the service is ready. */
  probe(ctx: ServiceContext): Probe;
  /** How long readiness may take before `up` gives up. */
  readyTimeoutMs: number;
}

/** A run script that logs to /var/log/<name>.log and execs a command. */
export function runScript(name: string, lines: string[]): string {
  return ["#!/bin/sh", `exec >>/var/log/${name}.log 2>&1`, ...lines, ""].join("\n");
}

/** A probe that succeeds once a TCP port accepts connections. */
export function tcpProbe(address: string, port: number): Probe {
  return { what: `TCP ${address}:${port} accepting connections`, argv: ["bash", "--norc", "--noprofile", "-c", `exec 3<>/dev/tcp/${address}/${port}`], listener: { tcp: { address, port } } };
}

/** The host's address on a network (private first by default). */
export function addressOf(host: Host, network?: "public" | "private"): string {
  const iface = network ? host.interfaces.find((i) => i.network === network) : (host.interfaces.find((i) => i.network === "private") ?? host.interfaces[0]);
  return iface?.address ?? "127.0.0.1";
}

/**
 * `exec` of a command as an unprivileged user, for good: setpriv sets the user and group, only the
 * supplementary groups named (none by default), and no new privileges (no setuid binary can win root back).
 */
export function execAs(account: { user: string; group: string; groups?: string[] }, argv: string[], extra: string[] = []): string {
  const groups = account.groups?.length ? `--groups=${account.groups.join(",")}` : "--clear-groups";
  return shellJoin(["exec", "setpriv", `--reuid=${account.user}`, `--regid=${account.group}`, groups, "--no-new-privs", ...extra, ...argv]);
}

/** Run-script lines that open the lab's event log (as root, append only) on fd 3 for a service that then drops root. */
export function eventLogLines(lab: string): string[] {
  return [`exec 3>>${shellQuote(eventsFile(lab))}`, `export ${EVENTS_FD_ENV}=3`];
}

/** Run-script lines that make a private folder of the service's user (mode 700): sockets in it trust whoever connects. */
export function privateRunDir(dir: string, account: { user: string; group: string }): string[] {
  return [`mkdir -p ${shellQuote(dir)}`, `chown ${shellQuote(`${account.user}:${account.group}`)} ${shellQuote(dir)}`, `chmod 700 ${shellQuote(dir)}`];
}

/** Run-script lines that hand a root-written config file (it may hold secrets) to the service's user alone. */
export function ownConfig(path: string, account: { user: string; group: string }): string[] {
  return [`chown ${shellQuote(`${account.user}:${account.group}`)} ${shellQuote(path)}`, `chmod 600 ${shellQuote(path)}`];
}
