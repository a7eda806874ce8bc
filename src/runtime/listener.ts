// What the kernel shows of a host's listeners, read in process from /proc (no process started): the TCP sockets
// in LISTEN of the host's network namespace (/proc/<init>/net/tcp, tcp6) and the files inside its mount
// namespace (/proc/<init>/root/...). Readiness waits on these before running a probe command in the host.
import { readFileSync, statSync } from "node:fs";
import { isIP } from "node:net";

/** Something the kernel shows once a service listens: a TCP socket in LISTEN on address:port, or a file (a Unix socket, a pid file) inside the host. */
export interface Listener {
  tcp?: { address: string; port: number };
  /** An absolute path inside the host that must exist (and, for a regular file, not be empty). */
  file?: string;
}

/** TCP state LISTEN in /proc/net/tcp. */
const LISTEN = "0A";

/** The IPv4 address of /proc/net/tcp's hex (four bytes in the machine's order, little-endian here). */
function ipv4FromHex(hex: string): string {
  const bytes = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return (isLittleEndian ? bytes.reverse() : bytes).join(".");
}

const isLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The local addresses (as text) and ports of the sockets in LISTEN in one /proc/net/tcp{,6} table. */
export function parseListening(table: string, v6: boolean): { address: string; port: number }[] {
  const out: { address: string; port: number }[] = [];
  for (const line of table.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] !== LISTEN) continue;
    const [addr, port] = f[1]!.split(":");
    if (!addr || !port) continue;
    let address: string;
    if (!v6) address = ipv4FromHex(addr);
    else {
      // four 32-bit words, each in the machine's order
      const words = [0, 8, 16, 24].map((i) => addr.slice(i, i + 8));
      if (words[0] === "00000000" && words[1] === "00000000" && words[2] === "FFFF0000") address = `::ffff:${ipv4FromHex(words[3]!)}`;
      else if (/^0+$/.test(addr)) address = "::";
      else address = words.join("");
    }
    out.push({ address, port: parseInt(port, 16) });
  }
  return out;
}

/** Whether a listener on `local` takes connections to `wanted` (the same address, or a wildcard). */
export function covers(local: string, wanted: string): boolean {
  return local === wanted || local === "0.0.0.0" || local === "::" || local === `::ffff:${wanted}`;
}

function read(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** Whether the host whose init is `initPid` shows the listener now (reads /proc only). */
export function listenerPresent(initPid: number, l: Listener): boolean {
  if (l.tcp) {
    const { address, port } = l.tcp;
    if (!isIP(address)) return true; // a name: nothing to compare with, the probe command decides
    const sockets = [...parseListening(read(`/proc/${initPid}/net/tcp`), false), ...parseListening(read(`/proc/${initPid}/net/tcp6`), true)];
    if (!sockets.some((s) => s.port === port && covers(s.address, address))) return false;
  }
  if (l.file) {
    try {
      const st = statSync(`/proc/${initPid}/root${l.file}`);
      if (st.isFile() && st.size === 0) return false;
    } catch {
      return false;
    }
  }
  return true;
}
