// Entry point run inside a lab host by `stacklab audit`: reads {timeoutMs, targets} as JSON on stdin, prints the results as JSON.
import { probeAll, type ProbeTarget } from "./probe-net.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const input = JSON.parse(await readStdin()) as { timeoutMs: number; targets: ProbeTarget[] };
process.stdout.write(`${JSON.stringify(await probeAll(input.targets, input.timeoutMs))}\n`);
