// Property-based tests: no input makes the loader throw or fail inside, and every valid design builds a sound lab.
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { listBlueprints } from "../../src/blueprints/index.js";
import { buildModel, inLabRange, ipToInt, labBlock } from "../../src/model/index.js";
import type { LoadResult } from "../../src/spec/errors.js";
import { loadStackYaml, validateStack } from "../../src/spec/load.js";
import type { Stack, StackInput } from "../../src/spec/schema.js";
import { keysAt } from "../../src/spec/suggest.js";
import { parse, stringify } from "yaml";

// FUZZ_RUNS=5000 for a longer hunt; the default keeps the file to a few seconds.
const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 300) };

/** A result is either a value or a non-empty list of located, worded problems; never stacklab failing inside. */
function expectWellFormed(result: LoadResult<Stack>, located: boolean): void {
  if (result.ok) {
    expect(result.value.servers.length).toBeGreaterThan(0);
    return;
  }
  expect(result.problems.length).toBeGreaterThan(0);
  for (const p of result.problems) {
    expect(typeof p.path === "string" && p.path.length > 0).toBe(true);
    expect(typeof p.message === "string" && p.message.length > 0).toBe(true);
    expect(p.message).not.toContain("internal error");
    if (located) expect((p.line ?? 0) >= 1 && (p.column ?? 0) >= 1, JSON.stringify(p)).toBe(true);
  }
}

// Pieces of YAML, so random text often parses and reaches the schema and the design checks.
const TOKENS = [
  "servers",
  "roles",
  "count",
  "name",
  "loadBalancer",
  "ha",
  "algorithm",
  "tls",
  "mode",
  "internal",
  "database",
  "primary",
  "replication",
  "failover",
  "dns",
  "records",
  "target",
  "type",
  "app",
  "firewall",
  "policy",
  "monitoring",
  "system",
  "web",
  "app",
  "db",
  "active-passive",
  "active-active",
  "single",
  "reencrypt",
  "passthrough",
  "terminate",
  "semisync",
  "automatic",
  "prometheus",
  "default-deny",
  "CNAME",
  "www",
  "@",
  "entry",
  "custom",
  "demo",
  "lb-1",
  "web-1",
  "db-1",
  "0",
  "1",
  "2",
  "-1",
  "40",
  "1.5",
  "1e9",
  "true",
  "null",
  "~",
  ".nan",
  "0x1F",
  ": ",
  ":",
  "- ",
  "-",
  "[",
  "]",
  "{",
  "}",
  ",",
  " ",
  "  ",
  "\t",
  "'",
  '"',
  "#",
  "&a ",
  "*a",
  "<<: ",
  "!!binary ",
  "!!set ",
  "!tag ",
  "|",
  ">",
  "? ",
  "---",
  "...",
  "%YAML 1.2",
  "\\",
  "\u00e9",
  "\u{1F600}",
  "\r",
];
const yamlish = fc
  .array(
    fc.tuple(fc.constantFrom("", "  ", "    ", "  - ", "- "), fc.array(fc.constantFrom(...TOKENS), { maxLength: 8 })).map(([indent, parts]) => indent + parts.join("")),
    { maxLength: 12 },
  )
  .map((lines) => lines.join("\n"));

// A generator of valid designs, from one server to tens of them with every option.
const ROLES = ["web", "app", "db"] as const;
const groupArb = fc.record({ roles: fc.subarray([...ROLES], { minLength: 1 }), count: fc.integer({ min: 1, max: 8 }), named: fc.boolean() });
const designArb = fc
  .record({
    groups: fc.array(groupArb, { minLength: 1, maxLength: 6 }),
    lb: fc.option(
      fc.record({ ha: fc.constantFrom("single", "active-passive", "active-active"), extra: fc.integer({ min: 0, max: 2 }), algorithm: fc.constantFrom("roundrobin", "leastconn", "source") }),
    ),
    tls: fc.constantFrom("none", "terminate", "passthrough", "reencrypt"),
    internal: fc.boolean(),
    firewall: fc.constantFrom("none", "default-deny"),
    monitoring: fc.constantFrom("none", "prometheus"),
    replication: fc.constantFrom("async", "semisync"),
    failover: fc.constantFrom("manual", "automatic"),
    customApp: fc.option(fc.record({ port: fc.constantFrom(3000, 5000, 8000, 8081), usesDatabase: fc.boolean() })),
    primaryPick: fc.option(fc.nat()),
    extraRecords: fc.subarray(["apex", "cname", "host"]),
    domain: fc.constantFrom("foobar.com", "example.org", "shop.co.uk"),
  })
  .map((d): StackInput => {
    const usesDb = !d.customApp || d.customApp.usesDatabase;
    let groups = d.groups.map((g) => ({ ...g, roles: usesDb ? [...g.roles] : g.roles.filter((r) => r !== "db") })).filter((g) => g.roles.length > 0);
    if (groups.length === 0) groups = [{ roles: ["web", "app"], count: 1, named: false }];
    for (const role of usesDb ? ROLES : (["web", "app"] as const)) if (!groups.some((g) => g.roles.includes(role))) groups[0]!.roles.push(role);
    const servers = groups.map((g, i) => ({ ...(g.named || groups.length > 1 ? { name: `g${i}` } : {}), roles: g.roles, count: g.count }));
    const named = servers.map((s, i) => s.name ?? (new Set(groups[i]!.roles).size === 1 ? groups[i]!.roles[0]! : "server"));
    const hostsWith = (role: string) => servers.flatMap((s, i) => (s.roles.includes(role as never) ? Array.from({ length: s.count }, (_, k) => `${named[i]}-${k + 1}`) : []));
    const webCount = hostsWith("web").length;
    const lb = d.lb ?? (webCount > 30 ? { ha: "single" as const, extra: 0, algorithm: "roundrobin" as const } : null);
    const dbHosts = hostsWith("db");
    const mode = lb ? d.tls : d.tls === "terminate" || d.tls === "reencrypt" ? "passthrough" : d.tls;
    const records: { name: string; type?: "A" | "CNAME"; target?: string }[] = [{ name: "www" }];
    if (d.extraRecords.includes("apex")) records.push({ name: "@" });
    if (d.extraRecords.includes("cname")) records.push({ name: "shop", type: "CNAME", target: `www.${d.domain}.` });
    if (d.extraRecords.includes("host")) records.push({ name: "origin", target: hostsWith("web")[0]! });
    return {
      domain: d.domain,
      servers,
      ...(lb ? { loadBalancer: { ha: lb.ha, algorithm: lb.algorithm, ...(lb.ha === "single" ? {} : { count: 2 + Math.min(lb.extra, 2) }) } } : {}),
      database: {
        replication: d.replication,
        failover: dbHosts.length > 1 ? d.failover : "manual",
        ...(d.primaryPick !== null && dbHosts.length ? { primary: dbHosts[d.primaryPick % dbHosts.length] } : {}),
      },
      app: d.customApp ? { type: "custom", command: "./serve", port: d.customApp.port, usesDatabase: d.customApp.usesDatabase } : { type: "demo" },
      tls: { mode, internal: mode !== "none" && d.internal },
      firewall: { policy: d.firewall },
      monitoring: { system: d.monitoring },
      dns: { records },
    };
  });

// Valid designs written out as YAML (block or flow style), then edited a little: they reach every check, and sometimes pass.
const editedDesign = fc.tuple(designArb, fc.boolean(), fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.constantFrom(...TOKENS)), { maxLength: 3 })).map(([design, flow, edits]) =>
  edits.reduce(
    (text, [at, insert, token]) => {
      const i = at % (text.length + 1);
      return insert ? text.slice(0, i) + token + text.slice(i) : text.slice(0, i) + text.slice(i + token.length);
    },
    stringify(design, flow ? { collectionStyle: "flow" } : {}),
  ),
);

describe("loadStackYaml on any text", () => {
  it("never throws and always returns a value or located problems (arbitrary strings)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" })), (text) => expectWellFormed(loadStackYaml(text, "f.yaml"), true)),
      RUNS,
    );
  });

  it("never throws and always returns a value or located problems (YAML-like text)", () => {
    fc.assert(
      fc.property(yamlish, (text) => expectWellFormed(loadStackYaml(text, "f.yaml"), true)),
      RUNS,
    );
  });

  it("never throws and always returns a value or located problems (valid designs, slightly edited)", () => {
    fc.assert(
      fc.property(editedDesign, (text) => expectWellFormed(loadStackYaml(text, "f.yaml"), true)),
      RUNS,
    );
  });
});

const BLUEPRINT_INPUTS = listBlueprints().map((b) => parse(readFileSync(b.file, "utf8")) as Record<string, unknown>);

type Path = (string | number)[];
/** Every path inside a plain value, the value itself first. */
function pathsOf(value: unknown, at: Path = []): Path[] {
  if (Array.isArray(value)) return [at, ...value.flatMap((v, i) => pathsOf(v, [...at, i]))];
  if (value !== null && typeof value === "object") return [at, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...at, k]))];
  return [at];
}
function getAt(value: unknown, at: Path): unknown {
  return at.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value);
}

const mutation = fc.record({
  blueprint: fc.constantFrom(...BLUEPRINT_INPUTS),
  pick: fc.nat(),
  op: fc.constantFrom("delete", "replace", "insert"),
  value: fc.anything({ maxDepth: 2 }),
  key: fc.string({ minLength: 1, maxLength: 12 }),
});

describe("validateStack on any value", () => {
  it("never throws on arbitrary JSON-like and exotic values", () => {
    const anything = fc.anything({
      maxDepth: 4,
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
    });
    fc.assert(
      fc.property(anything, (value) => expectWellFormed(validateStack(value), false)),
      RUNS,
    );
  });

  it("never throws on blueprints with a key deleted, a value replaced or a key inserted", () => {
    fc.assert(
      fc.property(mutation, ({ blueprint, pick, op, value, key }) => {
        const input = structuredClone(blueprint);
        const paths = pathsOf(input).filter((p) => p.length > 0);
        const at = paths[pick % paths.length]!;
        const parent = getAt(input, at.slice(0, -1)) as Record<string | number, unknown>;
        const last = at[at.length - 1]!;
        if (op === "delete") {
          if (Array.isArray(parent)) parent.splice(last as number, 1);
          else delete parent[last];
        } else if (op === "replace") parent[last] = value;
        const target = getAt(input, at);
        const inserted = op === "insert" && target !== null && typeof target === "object" && !Array.isArray(target) && !(key in target);
        if (inserted) (target as Record<string, unknown>)[key] = value;
        const result = validateStack(input);
        expectWellFormed(result, false);
        // A key the schema does not know is always reported, at its own path.
        if (inserted && !keysAt(at).includes(key)) {
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.problems.some((p) => p.message.startsWith(`unknown key ${JSON.stringify(key)}`))).toBe(true);
        }
      }),
      RUNS,
    );
  });
});

describe("every valid design", () => {
  it("validates, builds a model, and gets unique addresses inside its own block of 198.18.0.0/15", () => {
    fc.assert(
      fc.property(designArb, fc.integer({ min: 0, max: 127 }), (design, slot) => {
        const result = validateStack(design);
        expect(result.ok ? [] : result.problems).toEqual([]);
        if (!result.ok) return;
        const model = buildModel(result.value, { slot });
        const block = labBlock(slot);
        const inBlock = (ip: string) => ipToInt(ip) >= block.publicBase && ipToInt(ip) < block.publicBase + 1024;
        const own = model.hosts.flatMap((h) => h.interfaces.map((i) => i.address));
        const floating = model.entryPoints.filter((e) => e.kind === "floating").map((e) => e.address);
        for (const ip of [...own, ...floating, model.dns.address]) {
          expect(inLabRange(ip), ip).toBe(true);
          expect(inBlock(ip), `${ip} outside ${model.block}`).toBe(true);
        }
        expect(new Set([...own, ...floating]).size).toBe(own.length + floating.length);
        expect(new Set(model.hosts.map((h) => h.name)).size).toBe(model.hosts.length);
        for (const r of model.dns.records.filter((x) => x.type === "A"))
          expect(
            r.values.every((v) => own.includes(v) || floating.includes(v)),
            r.fqdn,
          ).toBe(true);
      }),
      RUNS,
    );
  });
});
