// A bare host (`up --bare`): the same host and links as any lab host, with only an SSH server, for a configuration
// tool (Ansible) to provision. Debian's sshd runs inside the host under its runit, never in the machine's namespace.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Host } from "../model/types.js";
import { run } from "./exec.js";
import { SERVICE_DIR, type HostFile } from "./host.js";
import { hostNetns, labDir } from "./paths.js";
import { runScript, tcpProbe, type Probe, type Requirement } from "./services/types.js";

/** The programs a rehearsal needs on this machine (`doctor`, `setup`, `rehearse`), apart from the lab's own. */
export const REHEARSAL_REQUIREMENTS: Requirement[] = [
  { binary: "sshd", pkg: "openssh-server", why: "`up --bare`: the only server of a bare host", versionArgs: ["-V"] },
  { binary: "ssh", pkg: "openssh-client", why: "`rehearse`: Ansible's connection to the lab's hosts", versionArgs: ["-V"] },
  { binary: "ssh-keygen", pkg: "openssh-client", why: "`up --bare`: the lab's own host and client keys" },
  { binary: "ansible-playbook", pkg: "ansible", why: "`rehearse`: applies the exported Ansible project", versionArgs: ["--version"] },
  { binary: "ansible-vault", pkg: "ansible", why: "`export ansible`: the secrets of the exported project, encrypted", versionArgs: ["--version"] },
  { binary: "ansible-lint", pkg: "ansible-lint", why: "checks of the exported Ansible project", versionArgs: ["--version"] },
];

/** Where sshd listens inside a bare host: its loopback only, so the design's exposure and firewall stay what they are. */
export const SSH_ADDRESS = "127.0.0.1";
export const SSH_PORT = 22;
/** The sshd configuration inside the host (the machine's /etc/ssh/sshd_config is never used). */
export const SSHD_CONFIG = "/etc/stacklab/sshd_config";

/** The lab's SSH files on this machine: a host key shared by its hosts, the client key Ansible uses, known_hosts. */
export function sshPaths(lab: string): { dir: string; hostKey: string; clientKey: string; authorizedKeys: string; knownHosts: string } {
  const dir = join(labDir(lab), "ssh");
  return { dir, hostKey: join(dir, "ssh_host_ed25519_key"), clientKey: join(dir, "id_ed25519"), authorizedKeys: join(dir, "authorized_keys"), knownHosts: join(dir, "known_hosts") };
}

/** Generates the lab's keys once (ed25519, no passphrase, mode 0600 in the lab's folder) and its known_hosts. */
export async function labSshKeys(lab: string, hosts: Host[]): Promise<void> {
  const p = sshPaths(lab);
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  if (!existsSync(p.hostKey)) await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", `stacklab ${lab} host`, "-f", p.hostKey]);
  if (!existsSync(p.clientKey)) await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", `stacklab ${lab} ansible`, "-f", p.clientKey]);
  writeFileSync(p.authorizedKeys, readFileSync(`${p.clientKey}.pub`, "utf8"), { mode: 0o600 });
  // Ansible reaches each host by its name through the ProxyCommand: the host key is pinned under that name.
  const pub = readFileSync(`${p.hostKey}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
  writeFileSync(p.knownHosts, hosts.map((h) => `${h.name} ${pub}\n`).join(""), { mode: 0o600 });
}

/** The sshd configuration of a bare host: loopback only, the lab's keys, root by key alone. */
export function sshdConfig(lab: string): string {
  const p = sshPaths(lab);
  return [
    "# stacklab: the SSH server of a bare lab host (Ansible's way in). Loopback only: reached through the host's namespace.",
    `ListenAddress ${SSH_ADDRESS}:${SSH_PORT}`,
    `HostKey ${p.hostKey}`,
    `AuthorizedKeysFile ${p.authorizedKeys}`,
    "PermitRootLogin prohibit-password",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    "PidFile /run/sshd.pid",
    "Subsystem sftp /usr/lib/openssh/sftp-server",
    "",
  ].join("\n");
}

/** The files of a bare host: its identity and the SSH server, nothing of the design's services. */
export function bareHostFiles(lab: string, host: Host): HostFile[] {
  return [
    { path: "/etc/hostname", content: `${host.name}\n` },
    { path: "/etc/hosts", content: `127.0.0.1 localhost\n${host.interfaces.map((i) => `${i.address} ${host.name}`).join("\n")}\n` },
    { path: SSHD_CONFIG, content: sshdConfig(lab) },
    { path: `${SERVICE_DIR}/sshd/run`, content: runScript("sshd", ["mkdir -p /run/sshd && chmod 755 /run/sshd", `exec /usr/sbin/sshd -D -e -f ${SSHD_CONFIG}`]), mode: 0o755 },
  ];
}

/** The readiness probe of a bare host's SSH server. */
export function sshProbe(): Probe {
  return tcpProbe(SSH_ADDRESS, SSH_PORT);
}

/**
 * The ProxyCommand that reaches a host's sshd: socat run in the host's network namespace, connected to the host's
 * loopback. Nothing is routed or NATed between this machine and the lab.
 */
export function proxyCommand(lab: string, host: string): string {
  return `ip netns exec ${hostNetns(lab, host)} socat - TCP:${SSH_ADDRESS}:${SSH_PORT}`;
}
