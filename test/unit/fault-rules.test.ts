// Fault rules as data: the partition table each host gets, the NFQUEUE rules of the link delayer, and the
// limits on delay, jitter and loss.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel } from "../../src/model/index.js";
import { checkImpairment, FAULT_TABLE, partitionRuleset, type ActiveFault } from "../../src/runtime/faults/index.js";
import { queueRuleArgs } from "../../src/runtime/faults/delay-queue.js";
import { UsageError } from "../../src/spec/errors.js";

const d3 = buildModel(loadBlueprint("3"), { slot: 0 });
const addr = (host: string) => d3.hosts.find((h) => h.name === host)!.interfaces.map((i) => i.address);
const cut: ActiveFault = { id: "f1", kind: "partition", hosts: ["db-1"], from: ["app-1", "app-2"], at: 0 };
const nftWorks = process.getuid?.() === 0 && spawnSync("nft", ["--version"]).status === 0;

describe("partition rules", () => {
  it("drop, on the cut-off host, traffic to and from every host on the other side", () => {
    const rules = partitionRuleset(d3, [cut], "db-1");
    expect(rules).toContain(`table inet ${FAULT_TABLE} {`);
    for (const a of [...addr("app-1"), ...addr("app-2")]) expect(rules).toContain(a);
    expect(rules).toMatch(/hook input[\s\S]*ip saddr \{[^}]+\} counter drop/);
    expect(rules).toMatch(/hook output[\s\S]*ip daddr \{[^}]+\} counter drop/);
    expect(rules).not.toContain(addr("db-2")[0]!);
  });

  it("drop, on the other side, only the cut-off host's addresses", () => {
    const rules = partitionRuleset(d3, [cut], "app-1");
    expect(rules).toContain(addr("db-1")[0]!);
    expect(rules).not.toContain(addr("app-2")[0]!);
  });

  it("leave a host outside every partition without a table (and remove a stale one)", () => {
    const rules = partitionRuleset(d3, [cut], "web-1");
    expect(rules).toBe(`table inet ${FAULT_TABLE}\ndelete table inet ${FAULT_TABLE}\n`);
  });

  it("never touch the host's own firewall table", () => {
    expect(partitionRuleset(d3, [cut], "db-1")).not.toMatch(/flush ruleset|table inet filter|table inet stacklab \{/);
  });

  it.skipIf(!nftWorks)("is a ruleset nft accepts (nft -c)", () => {
    const r = spawnSync("nft", ["-c", "-f", "-"], { input: partitionRuleset(d3, [cut], "db-1"), encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("link delay and loss", () => {
  it("queue only the host's outgoing packets on the chosen link, and let traffic through if the delayer dies", () => {
    expect(queueRuleArgs("-A", "eth0")).toEqual(["iptables", "-w", "-t", "mangle", "-A", "POSTROUTING", "-o", "eth0", "-j", "NFQUEUE", "--queue-num", "7", "--queue-bypass"]);
  });

  it("refuse values that make no sense", () => {
    expect(() => checkImpairment({ delayMs: 100, jitterMs: 10, lossPct: 2 })).not.toThrow();
    expect(() => checkImpairment({ delayMs: 0, jitterMs: 0, lossPct: 0 })).toThrow(UsageError);
    expect(() => checkImpairment({ delayMs: 50, jitterMs: 60, lossPct: 0 })).toThrow(/jitter/);
    expect(() => checkImpairment({ delayMs: 20_000, jitterMs: 0, lossPct: 0 })).toThrow(/delay/);
    expect(() => checkImpairment({ delayMs: 0, jitterMs: 0, lossPct: 120 })).toThrow(/loss/);
  });
});
