// The proxies' health check: one short question per connection, one line of answer.
import type { Socket } from "node:net";

/** The longest question a check may send, newline included ("write\n" and "replica\n" are 6 and 8 bytes). */
export const MAX_CHECK_LINE = 64;

/**
 * Reads one line from `sock` and answers it with `answer(line)`. A line longer than MAX_CHECK_LINE (or that many
 * bytes without a newline), or no line within `timeoutMs`, closes the connection unanswered: at most
 * MAX_CHECK_LINE bytes are ever held per connection, whoever connects.
 */
export function answerOneLine(sock: Socket, answer: (line: string) => string, timeoutMs = 500): void {
  let buf: Buffer = Buffer.alloc(0);
  let done = false;
  sock.setTimeout(timeoutMs, () => sock.destroy());
  sock.on("error", () => undefined);
  sock.on("data", (d: Buffer) => {
    if (done) return;
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    const nl = buf.indexOf(0x0a);
    if (nl < 0 ? buf.length >= MAX_CHECK_LINE : nl >= MAX_CHECK_LINE) {
      done = true;
      sock.destroy();
      return;
    }
    if (nl < 0) return;
    done = true;
    sock.end(`${answer(buf.subarray(0, nl).toString("utf8").trim())}\n`);
  });
}
