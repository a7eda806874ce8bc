// Readiness reads a host's listeners from /proc in process: the LISTEN table's format, wildcards, and a live socket.
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { covers, listenerPresent, parseListening } from "../../src/runtime/listener.js";

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0C0112C6:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0
   2: 0100007F:1F91 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:2382 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1 0 100 0 0 10 0
`;

describe("listeners read from /proc", () => {
  it("reads the sockets in LISTEN, not the connected ones", () => {
    expect(parseListening(TCP, false)).toEqual([
      { address: "127.0.0.1", port: 8080 },
      { address: "198.18.1.12", port: 80 },
    ]);
    expect(parseListening(TCP6, true)).toEqual([
      { address: "::", port: 9090 },
      { address: "::ffff:127.0.0.1", port: 3000 },
    ]);
  });

  it("counts a wildcard or a mapped address as listening on the wanted one, another address not", () => {
    expect(covers("0.0.0.0", "198.18.1.12")).toBe(true);
    expect(covers("::", "127.0.0.1")).toBe(true);
    expect(covers("::ffff:127.0.0.1", "127.0.0.1")).toBe(true);
    expect(covers("198.18.1.13", "198.18.1.12")).toBe(false);
  });

  it("sees a socket of this process's namespace listen, and stop", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    expect(listenerPresent(process.pid, { tcp: { address: "127.0.0.1", port } })).toBe(true);
    await new Promise<void>((r) => server.close(() => r()));
    expect(listenerPresent(process.pid, { tcp: { address: "127.0.0.1", port } })).toBe(false);
    expect(listenerPresent(process.pid, { file: process.execPath })).toBe(true);
    expect(listenerPresent(process.pid, { file: "/no/such/file" })).toBe(false);
  });
});
