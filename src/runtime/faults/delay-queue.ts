// Link delay and loss where the kernel has no netem qdisc: the host's outgoing packets go through an
// NFQUEUE (iptables-nft, table ip mangle) to a small Python program in the host's network namespace
// that holds each verdict for the delay (order kept) and drops a share of packets.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run, spawnDetached } from "../exec.js";
import { labDir } from "../paths.js";
import { isAlive, procRecord, type ProcRecord } from "../state.js";
import type { LinkImpairment } from "./types.js";

/** The queue number the delayer binds in each host's namespace (queues are per network namespace). */
export const DELAY_QUEUE = 7;

// Speaks nfnetlink_queue directly (no library): bind, ask for metadata only, fail open when the
// queue is full, then answer each packet after its delay. Exits once `watch` is gone (heal or `down`).
const PROGRAM = String.raw`import heapq, os, random, select, socket, struct, sys, time
queue, delay, jitter, loss, watch = int(sys.argv[1]), float(sys.argv[2]) / 1000, float(sys.argv[3]) / 1000, float(sys.argv[4]) / 100, sys.argv[5]
T_CONFIG, T_VERDICT, T_PACKET = (3 << 8) | 2, (3 << 8) | 1, (3 << 8) | 0
sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
sock.bind((0, 0))
def attr(t, payload):
    return struct.pack("=HH", 4 + len(payload), t) + payload + b"\0" * ((4 - len(payload) % 4) % 4)
def send(t, attrs, flags=1):
    body = struct.pack("!BBH", 0, 0, queue) + attrs
    sock.send(struct.pack("=IHHII", 16 + len(body), t, flags, 0, 0) + body)
send(T_CONFIG, attr(1, struct.pack("!BBH", 1, 0, socket.AF_INET)), 5)
send(T_CONFIG, attr(2, struct.pack("!IB", 0, 1)) + attr(3, struct.pack("!I", 8192)) + attr(5, struct.pack("!I", 1)) + attr(4, struct.pack("!I", 1)), 5)
print("ready", flush=True)
pending, seq, last, next_watch = [], 0, 0.0, time.monotonic() + 1
while True:
    now = time.monotonic()
    while pending and pending[0][0] <= now:
        send(T_VERDICT, attr(2, struct.pack("!II", 1, heapq.heappop(pending)[2])))
    if now >= next_watch:
        next_watch = now + 1
        if not os.path.exists(watch):
            break
    ready, _, _ = select.select([sock], [], [], max(0.0, min(next_watch, pending[0][0] if pending else next_watch) - now))
    if not ready:
        continue
    try:
        data = sock.recv(1 << 16)
    except OSError:
        continue
    off = 0
    while off + 16 <= len(data):
        ln, t = struct.unpack_from("=IH", data, off)
        if ln < 16:
            break
        a = off + 20
        while t == T_PACKET and a + 4 <= off + ln:
            alen, atype = struct.unpack_from("=HH", data, a)
            if alen < 4:
                break
            if atype & 0x7FFF == 1:
                pid = struct.unpack_from("!I", data, a + 4)[0]
                if random.random() < loss:
                    send(T_VERDICT, attr(2, struct.pack("!II", 0, pid)))
                else:
                    last = max(last, time.monotonic() + max(0.0, delay + random.uniform(-jitter, jitter)))
                    seq += 1
                    heapq.heappush(pending, (last, seq, pid))
            a += (alen + 3) & ~3
        off += (ln + 3) & ~3
`;

function dir(lab: string): string {
  return join(labDir(lab), "faults");
}

/** The file whose presence keeps a host's delayer running. */
export function delayWatchFile(lab: string, host: string): string {
  return join(dir(lab), `delay-${host}.active`);
}

/** The iptables-nft rules that send a host's outgoing packets on its links to the delayer (`--queue-bypass`: if it dies, traffic flows). */
export function queueRuleArgs(action: "-A" | "-D", ifname: string): string[] {
  return ["iptables", "-w", "-t", "mangle", action, "POSTROUTING", "-o", ifname, "-j", "NFQUEUE", "--queue-num", String(DELAY_QUEUE), "--queue-bypass"];
}

/** Starts the delayer in a host's namespace, then queues the host's outgoing packets on `ifnames` to it. */
export async function startDelayQueue(lab: string, host: string, netns: string, ifnames: string[], imp: LinkImpairment): Promise<ProcRecord> {
  mkdirSync(dir(lab), { recursive: true });
  const program = join(dir(lab), "delay-queue.py");
  writeFileSync(program, PROGRAM);
  const watch = delayWatchFile(lab, host);
  writeFileSync(watch, `${JSON.stringify(imp)}\n`);
  const logFile = join(dir(lab), `delay-${host}.log`);
  const log = openSync(logFile, "w");
  const argv = ["ip", "netns", "exec", netns, "python3", program, String(DELAY_QUEUE), String(imp.delayMs), String(imp.jitterMs), String(imp.lossPct), watch];
  const pid = spawnDetached(argv, log);
  closeSync(log);
  const proc = procRecord(pid);
  const deadline = Date.now() + 3000;
  while (!readFileSync(logFile, "utf8").includes("ready")) {
    if (!isAlive(proc) || Date.now() > deadline) throw new Error(`the packet delayer for ${host} did not start: ${readFileSync(logFile, "utf8").trim() || "no output"}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const ifname of ifnames) await run(["ip", "netns", "exec", netns, ...queueRuleArgs("-A", ifname)]);
  return proc;
}

/** Removes the queue rules and stops the delayer (its watch file goes, and it is killed by its recorded pid). */
export async function stopDelayQueue(lab: string, host: string, netns: string, ifnames: string[], proc: ProcRecord | undefined): Promise<void> {
  for (const ifname of ifnames) await run(["ip", "netns", "exec", netns, ...queueRuleArgs("-D", ifname)], { check: false });
  rmSync(delayWatchFile(lab, host), { force: true });
  if (proc && isAlive(proc)) process.kill(proc.pid, "SIGKILL");
}
