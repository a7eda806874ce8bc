// The agents' limits on what a caller may send: the proxies' check line and the JSON API's requests. Real sockets
// on loopback (no root): an oversized or unauthenticated request must be refused and its connection closed,
// without the server holding what it sent.
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { answerOneLine, MAX_CHECK_LINE } from "../../src/failover/agent/check-line.js";
import { jsonServer, MAX_BODY_BYTES, type JsonRequest } from "../../src/failover/http.js";

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as { port: number }).port;
}

/** Connects, writes `chunks` (while the socket stays writable), and returns what came back and whether the server closed it. */
function exchange(port: number, chunks: (string | Buffer)[], opts: { waitMs?: number } = {}): Promise<{ text: string; closed: boolean; sentAll: boolean }> {
  return new Promise((resolve) => {
    const sock: Socket = connect(port, "127.0.0.1");
    let text = "";
    let sentAll = false;
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ text, closed, sentAll });
    };
    const timer = setTimeout(() => finish(false), opts.waitMs ?? 2000);
    sock.on("data", (d: Buffer) => (text += d.toString("utf8")));
    sock.on("error", () => finish(true));
    sock.on("close", () => finish(true));
    sock.on("connect", () => {
      void (async () => {
        for (const c of chunks) {
          if (sock.destroyed || sock.writableEnded) return;
          sock.write(c);
          await new Promise((r) => setTimeout(r, 20));
        }
        sentAll = true;
      })();
    });
  });
}

describe("the proxies' check line", () => {
  async function checkServer(): Promise<{ port: number; asked: string[] }> {
    const asked: string[] = [];
    // A long idle timeout: a connection closed within the test's 2 s was closed by the limit, not by the timeout.
    const port = await listen(createServer((sock) => answerOneLine(sock, (line) => (asked.push(line), line === "write" ? "up" : "down#no"), 10_000)));
    return { port, asked };
  }

  it("answers one short question", async () => {
    const { port, asked } = await checkServer();
    const r = await exchange(port, ["wri", "te\n"]);
    expect(r).toMatchObject({ text: "up\n", closed: true });
    expect(asked).toEqual(["write"]);
  });

  it(`closes the connection unanswered when a line passes ${MAX_CHECK_LINE} bytes, newline or not`, async () => {
    const { port, asked } = await checkServer();
    const noNewline = await exchange(port, ["x".repeat(40), "x".repeat(40), "x".repeat(1000)]);
    expect(noNewline).toMatchObject({ text: "", closed: true });
    const longLine = await exchange(port, [`${"w".repeat(MAX_CHECK_LINE)}\n`]);
    expect(longLine).toMatchObject({ text: "", closed: true });
    expect(asked).toEqual([]);
    // The longest accepted line: MAX_CHECK_LINE bytes with its newline.
    const edge = await exchange(port, [`${"r".repeat(MAX_CHECK_LINE - 1)}\n`]);
    expect(edge).toMatchObject({ text: "down#no\n", closed: true });
  });
});

describe("the agents' JSON API", () => {
  const TOKEN = "t0ken-for-tests";
  async function apiServer(): Promise<{ port: number; seen: JsonRequest[] }> {
    const seen: JsonRequest[] = [];
    const server = jsonServer(
      async (r) => {
        seen.push(r);
        return { status: r.trusted ? 200 : 401, body: { ok: r.trusted } };
      },
      { token: TOKEN },
    );
    return { port: await listen(server), seen };
  }
  const head = (length: number | "chunked", auth?: string) =>
    `POST /fence HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n${auth ? `authorization: Bearer ${auth}\r\n` : ""}${length === "chunked" ? "transfer-encoding: chunked" : `content-length: ${length}`}\r\n\r\n`;

  it("reads a trusted request's small body and hands it over", async () => {
    const { port, seen } = await apiServer();
    const body = JSON.stringify({ killFirst: true });
    const r = await exchange(port, [head(body.length, TOKEN) + body], { waitMs: 500 });
    expect(r.text).toMatch(/^HTTP\/1\.1 200/);
    expect(seen.map((s) => s.body)).toEqual([{ killFirst: true }]);
  });

  it("refuses a request without the token before reading its body, and closes the connection", async () => {
    const { port, seen } = await apiServer();
    // The head announces 10 000 bytes; the server answers 401 and closes before the body is sent.
    const r = await exchange(port, [head(10_000), ...Array.from({ length: 20 }, () => "x".repeat(500))]);
    expect(r.text).toMatch(/^HTTP\/1\.1 401/);
    expect(r.closed).toBe(true);
    expect(r.sentAll).toBe(false);
    expect(seen).toEqual([]);
    // A wrong token, same.
    const wrong = await exchange(port, [head(2, "nope"), "{}"]);
    expect(wrong.text).toMatch(/^HTTP\/1\.1 401/);
    expect(seen).toEqual([]);
  });

  it(`refuses a body over ${MAX_BODY_BYTES} bytes, announced or streamed, and closes the connection`, async () => {
    const { port, seen } = await apiServer();
    const announced = await exchange(port, [head(MAX_BODY_BYTES + 1, TOKEN), "x".repeat(1000)]);
    expect(announced.text).toMatch(/^HTTP\/1\.1 413/);
    expect(announced.closed).toBe(true);
    const chunk = `${(4096).toString(16)}\r\n${"x".repeat(4096)}\r\n`;
    const streamed = await exchange(port, [head("chunked", TOKEN), ...Array.from({ length: 40 }, () => chunk)]);
    expect(streamed.text).toMatch(/^HTTP\/1\.1 413/);
    expect(streamed.closed).toBe(true);
    expect(streamed.sentAll).toBe(false);
    expect(seen).toEqual([]);
  });

  it("still serves an unauthenticated request without a body to the handler, which decides (the controller's GET /state)", async () => {
    const { port, seen } = await apiServer();
    const r = await exchange(port, ["GET /state HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"]);
    expect(r.text).toMatch(/^HTTP\/1\.1 401/);
    expect(seen.map((s) => [s.path, s.trusted])).toEqual([["/state", false]]);
  });
});
