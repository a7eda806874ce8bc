// Draining app servers from nginx's upstream for a rolling deploy: the batch becomes a backup, never `down`, so
// nginx still has somewhere to send a request when it has just marked the other app server failed.
import { describe, expect, it } from "vitest";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel } from "../../src/model/index.js";
import { markDrained } from "../../src/operations/drain.js";
import { renderHost } from "../../src/render/config/index.js";

const SECRETS = { mysqlRoot: "r".repeat(20), app: "a".repeat(20), replication: "p".repeat(20), monitor: "m".repeat(20) };

function upstream(conf: string): string[] {
  const block = /upstream app \{([^}]*)\}/.exec(conf)![1]!;
  return block
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("server "));
}

function nginxConf(blueprint: string, host: string): string {
  const model = buildModel(loadBlueprint(blueprint));
  return renderHost(model, host, SECRETS).find((f) => f.path === "/etc/nginx/nginx.conf")!.content;
}

describe("draining app servers from nginx", () => {
  it("renders each app server twice on a web host of its own (design 3): a primary, and a fallback never marked failed", () => {
    const lines = upstream(nginxConf("3", "web-1"));
    const [a1, a2] = lines.map((l) => /server (\S+):/.exec(l)![1]!);
    expect(lines.map((l) => l.replace(/\d+\.\d+\.\d+\.\d+/, "ADDR"))).toEqual([
      "server ADDR:8000 max_fails=2 fail_timeout=2s;",
      "server ADDR:8000 max_fails=2 fail_timeout=2s;",
      "server ADDR:8000 backup max_fails=0;",
      "server ADDR:8000 backup max_fails=0;",
    ]);
    expect(lines.map((l) => /server (\S+):/.exec(l)![1]!)).toEqual([a1, a2, a1, a2]);
    // A web host that runs an app itself already falls back on the other app servers (design 1): no extra lines.
    expect(upstream(nginxConf("1", "server-1")).filter((l) => l.includes("max_fails=0"))).toEqual([]);
  });

  it("makes the drained app server a backup, listed once, and keeps the other a primary (design 3)", () => {
    const conf = nginxConf("3", "web-1");
    const [a1, a2] = upstream(conf).map((l) => /server (\S+):/.exec(l)![1]!);
    const drained = upstream(markDrained(conf, [a1!]));
    expect(drained).toEqual([`server ${a1}:8000 backup max_fails=0;`, `server ${a2}:8000 max_fails=2 fail_timeout=2s;`, `server ${a2}:8000 backup max_fails=0;`]);
    expect(drained.join("\n")).not.toMatch(/\bdown\b/);
    // A second drain (another host taken into maintenance meanwhile) keeps the first drained: both are backups.
    const both = upstream(markDrained(markDrained(conf, [a1!]), [a2!]));
    expect(both).toEqual([`server ${a1}:8000 backup max_fails=0;`, `server ${a2}:8000 backup max_fails=0;`]);
  });

  it("promotes the other app servers when a web host's own app is drained (design 1: its own app first, the others backups)", () => {
    const conf = nginxConf("1", "server-1");
    const lines = upstream(conf);
    expect(lines.filter((l) => l.endsWith(" backup;"))).toHaveLength(1);
    const own = /server (\S+):/.exec(lines.find((l) => !l.endsWith(" backup;"))!)![1]!;
    const drained = upstream(markDrained(conf, [own]));
    // Exactly one primary is left, and it is not the drained one.
    const primaries = drained.filter((l) => !/\bbackup\b/.test(l));
    expect(primaries).toHaveLength(1);
    expect(primaries[0]).not.toContain(own);
  });

  it("leaves every line outside the app upstream as it was", () => {
    const conf = nginxConf("3", "web-1");
    const a1 = /server (\S+):/.exec(upstream(conf)[0]!)![1]!;
    const strip = (c: string) => c.replace(/upstream app \{[^}]*\}/, "");
    expect(strip(markDrained(conf, [a1]))).toBe(strip(conf));
  });
});
