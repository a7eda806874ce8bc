// Connection probes, run inside a lab host: a TCP connect or a UDP exchange per target, many at once, each with a timeout.
import { createSocket } from "node:dgram";
import { Socket } from "node:net";
import { networkInterfaces } from "node:os";

export interface ProbeTarget {
  address: string;
  port: number;
  transport: "tcp" | "udp";
}

/**
 * open: connected (TCP) or answered (UDP); refused: reset, or ICMP port unreachable; filtered: no answer
 * within the timeout (dropped on the way); denied: this host's own firewall refused to send; unreachable:
 * no route; silent: a UDP port that neither answered nor refused (open, or dropped: UDP cannot tell); local: the
 * address was this host's own before or after the probes (a floating IP that moved here while the audit ran), so
 * the probe never crossed a firewall between hosts.
 */
export type ProbeState = "open" | "refused" | "filtered" | "denied" | "unreachable" | "silent" | "error" | "local";

export interface ProbeResult extends ProbeTarget {
  state: ProbeState;
  detail?: string;
}

/** At most this many probes are in flight at once. */
const PARALLEL = 256;

function stateOf(code: string | undefined): ProbeState {
  switch (code) {
    case "ECONNREFUSED":
      return "refused";
    case "EPERM":
    case "EACCES":
      return "denied";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "unreachable";
    default:
      return "error";
  }
}

function probeTcp(t: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (state: ProbeState, detail?: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...t, state, ...(detail ? { detail } : {}) });
    };
    const timer = setTimeout(() => done("filtered"), timeoutMs);
    // The kernel gives a connection to one of the host's own addresses that address as its source: a floating IP
    // that the probing host held at that moment (keepalived on a busy machine may hold it for a moment while the
    // other load balancer still does) answered from the host itself, whatever the other host's firewall says.
    socket.once("connect", () => (socket.localAddress === t.address ? done("local", "open, from this host to itself: it held the address at that moment") : done("open")));
    socket.once("error", (e: NodeJS.ErrnoException) => done(stateOf(e.code), e.code));
    socket.connect(t.port, t.address);
  });
}

/** A DNS query for the root's NS records: any DNS server answers it, even with REFUSED. */
const DNS_QUERY = Buffer.from([0x53, 0x4c, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]);

function probeUdp(t: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    let finished = false;
    const done = (state: ProbeState, detail?: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.close();
      resolve({ ...t, state, ...(detail ? { detail } : {}) });
    };
    const timer = setTimeout(() => done("silent"), timeoutMs);
    socket.once("message", () => done("open"));
    // A connected UDP socket hears about ICMP errors (port unreachable) as socket errors.
    socket.once("error", (e: NodeJS.ErrnoException) => done(stateOf(e.code), e.code));
    socket.connect(t.port, t.address, () => {
      // An error (no route) may have ended the probe before the connect callback runs.
      if (finished) return;
      try {
        socket.remoteAddress();
      } catch {
        // The connect failed without an error event: the kernel had no route for it.
        done("unreachable", "no route");
        return;
      }
      try {
        socket.send(t.port === 53 ? DNS_QUERY : Buffer.alloc(0), (e) => {
          if (e) done(stateOf((e as NodeJS.ErrnoException).code), (e as NodeJS.ErrnoException).code);
        });
      } catch (e) {
        done(stateOf((e as NodeJS.ErrnoException).code), (e as NodeJS.ErrnoException).code);
      }
    });
  });
}

/** Probes every target (at most PARALLEL at a time) and returns the results in the targets' order. */
export async function probeAll(targets: ProbeTarget[], timeoutMs: number, ownAddresses: () => string[] = localAddresses): Promise<ProbeResult[]> {
  const before = ownAddresses();
  const results: ProbeResult[] = new Array<ProbeResult>(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      const t = targets[i]!;
      results[i] = await (t.transport === "udp" ? probeUdp(t, timeoutMs) : probeTcp(t, timeoutMs));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, targets.length) }, worker));
  const own = new Set([...before, ...ownAddresses()]);
  return results.map((r) => (own.has(r.address) ? { ...r, state: "local", detail: `${r.state}, to an address this host held itself` } : r));
}

/** This host's own addresses now (a floating IP included while it holds it). */
function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .map((i) => i?.address ?? "");
}
