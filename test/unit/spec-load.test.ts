// Loading designs: YAML, JSON and TypeScript go through one schema, fill the same defaults and give the same model.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel } from "../../src/model/index.js";
import { formatPath, formatProblems } from "../../src/spec/errors.js";
import { loadStackFile, loadStackYaml, validateStack } from "../../src/spec/load.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VALID = join(ROOT, "test/fixtures/valid");

function mustLoad(text: string) {
  const result = loadStackYaml(text);
  if (!result.ok) throw new Error(formatProblems(result.problems));
  return result.value;
}

describe("a minimal design", () => {
  it("is one line, and every other setting takes a sensible default", () => {
    const stack = mustLoad("servers: [{roles: [web, app, db]}]");
    expect(stack).toMatchObject({
      version: 1,
      name: "foobar",
      domain: "foobar.com",
      servers: [{ roles: ["web", "app", "db"], count: 1 }],
      database: { engine: "mariadb", replication: "async", failover: "manual" },
      app: { type: "demo", workers: 2 },
      tls: { mode: "none", internal: false },
      firewall: { policy: "none" },
      monitoring: { system: "none" },
    });
    expect(stack.loadBalancer).toBeUndefined();
    expect(stack.dns.records.map((r) => `${r.name} ${r.type} ${r.target}`)).toEqual(["www A entry", "@ A entry"]);
    expect(buildModel(stack).hosts.map((h) => h.name)).toEqual(["user", "dns", "server-1"]);
  });

  it("gets two load balancers when it asks for a floating IP without a count", () => {
    const stack = mustLoad("loadBalancer: {ha: active-passive}\nservers: [{roles: [web, app, db], count: 2}]");
    expect(stack.loadBalancer).toMatchObject({ count: 2, ha: "active-passive", algorithm: "roundrobin", healthCheck: { intervalMs: 500, fall: 2, rise: 2 } });
    expect(mustLoad("loadBalancer: {}\nservers: [{roles: [web, app, db]}]").loadBalancer?.count).toBe(1);
  });

  it("keeps the editor's $schema hint out of the design", () => {
    const withHint = mustLoad("$schema: ../schema/stack.schema.json\nservers: [{roles: [web, app, db]}]");
    expect(withHint).not.toHaveProperty("$schema");
    expect(withHint).toEqual(mustLoad("servers: [{roles: [web, app, db]}]"));
  });
});

describe("designs in between the seeds", () => {
  const files = readdirSync(VALID).filter((f) => f.endsWith(".yaml"));

  it.each(files)("%s is valid and makes the hosts it names", async (file) => {
    const result = await loadStackFile(join(VALID, file));
    expect(result.ok ? [] : result.problems).toEqual([]);
    if (!result.ok) return;
    const wanted = /^# hosts: (.+)$/m.exec(readFileSync(join(VALID, file), "utf8"))![1]!.split(", ");
    const model = buildModel(result.value);
    expect(model.hosts.filter((h) => h.name !== "user" && h.name !== "dns").map((h) => h.name)).toEqual(wanted);
  });

  it("covers every option the seeds need, across the fixtures and blueprints", async () => {
    const stacks = [...(await Promise.all(readdirSync(VALID).map((f) => loadStackFile(join(VALID, f))))).flatMap((r) => (r.ok ? [r.value] : [])), ...["0", "1", "2", "3"].map(loadBlueprint)];
    const seen = (pick: (s: (typeof stacks)[number]) => unknown) => new Set(stacks.map(pick));
    expect(seen((s) => s.loadBalancer?.algorithm ?? "-")).toEqual(new Set(["-", "roundrobin", "leastconn", "source"]));
    expect(seen((s) => s.loadBalancer?.ha ?? "-")).toEqual(new Set(["-", "single", "active-passive", "active-active"]));
    expect(seen((s) => s.tls.mode)).toEqual(new Set(["none", "terminate", "passthrough", "reencrypt"]));
    expect(seen((s) => s.tls.internal)).toEqual(new Set([false, true]));
    expect(seen((s) => s.firewall.policy)).toEqual(new Set(["none", "default-deny"]));
    expect(seen((s) => s.monitoring.system)).toEqual(new Set(["none", "prometheus"]));
    expect(seen((s) => s.database.failover)).toEqual(new Set(["manual", "automatic"]));
    expect(seen((s) => s.app.type)).toEqual(new Set(["demo", "custom"]));
    const replication = stacks.filter((s) => buildModel(s).database.replicas.length > 0).map((s) => s.database.replication);
    expect(new Set(replication)).toEqual(new Set(["async", "semisync"]));
  });

  it("reads JSON, and places JSON problems by line and column", async () => {
    const result = await loadStackFile(join(VALID, "design.json"));
    expect(result.ok && buildModel(result.value).hosts.map((h) => h.name)).toEqual(["user", "dns", "lb-1", "server-1", "server-2", "db-1", "db-2", "mon-1"]);
    const dir = mkdtempSync(join(tmpdir(), "stacklab-spec-"));
    writeFileSync(join(dir, "bad.json"), '{\n  "servers": [{"roles": ["web", "app", "db"]}],\n  "tls": {"mode": "ssl"}\n}\n');
    writeFileSync(join(dir, "broken.json"), '{\n  "servers": [],\n}\n');
    expect(await loadStackFile(join(dir, "bad.json"))).toMatchObject({ ok: false, problems: [{ path: "tls.mode", line: 3, column: 19 }] });
    expect(await loadStackFile(join(dir, "broken.json"))).toMatchObject({ ok: false, problems: [{ path: "(json)", line: 3, column: 1 }] });
  });
});

describe("stacklab.config.ts", () => {
  it("gives exactly the model of the YAML design it mirrors (blueprint 3)", async () => {
    const result = await loadStackFile(join(ROOT, "examples/stacklab.config.ts"));
    expect(result.ok ? [] : result.problems).toEqual([]);
    if (!result.ok) return;
    const fromTs = buildModel(result.value);
    const fromYaml = buildModel(loadBlueprint("3-scale_up"));
    expect(fromTs).toEqual(fromYaml);
    expect(isDeepStrictEqual(fromTs, fromYaml)).toBe(true);
  });

  it('resolves `import { defineStack } from "stacklab"` outside any project', async () => {
    const dir = mkdtempSync(join(tmpdir(), "stacklab-config-"));
    const file = join(dir, "stacklab.config.ts");
    writeFileSync(file, 'import { defineStack } from "stacklab";\nconst n: number = 2;\nexport default defineStack({ servers: [{ roles: ["web", "app", "db"], count: n }], loadBalancer: {} });\n');
    const result = await loadStackFile(file);
    expect(result.ok && buildModel(result.value).hosts.map((h) => h.name)).toEqual(["user", "dns", "lb-1", "server-1", "server-2"]);
  });

  it("reports a missing default export, a module that throws, and wrong values by path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stacklab-config-"));
    const write = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    expect(await loadStackFile(write("none.ts", "export const stack = {};\n"))).toMatchObject({
      ok: false,
      problems: [{ path: "(module)", message: expect.stringContaining("export default defineStack") }],
    });
    expect(await loadStackFile(write("throws.ts", 'throw new Error("boom");\n'))).toMatchObject({ ok: false, problems: [{ path: "(module)", message: expect.stringContaining("boom") }] });
    const wrong = await loadStackFile(write("wrong.ts", 'export default { servers: [{ roles: ["web", "app", "db"], count: "2" }], tsl: {} };\n'));
    expect(wrong.ok ? [] : wrong.problems.map((p) => p.path)).toEqual(["servers[0].count", "tsl"]);
    const fn = await loadStackFile(write("fn.mjs", 'export default async () => ({ servers: [{ roles: ["web", "app", "db"] }] });\n'));
    expect(fn.ok).toBe(true);
  });
});

describe("problems", () => {
  it("are all reported at once: schema errors and design errors together", () => {
    const result = validateStack({ servers: [{ roles: ["web"] }, { roles: ["web"] }], loadBalancer: { ha: "active-active", count: 1 }, firewal: {} });
    expect(result.ok ? [] : result.problems.map((p) => p.path).sort()).toEqual(["firewal", "loadBalancer.count", "servers", "servers", "servers[1].name"]);
  });

  it("drop a key reported missing when an unknown key beside it is its misspelling", () => {
    const result = validateStack({ servers: [{ rols: ["web", "app", "db"] }] });
    expect(result).toEqual({ ok: false, problems: [{ path: "servers[0].rols", message: 'unknown key "rols"; did you mean "roles"?' }] });
  });

  it("name values that are not plain data", () => {
    const result = validateStack({ servers: [{ roles: ["web", "app", "db"], count: new Date() }], name: () => "x" });
    expect(result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "servers[0].count: expected plain data (a string, number, true/false, list or mapping), got a date",
      "name: expected plain data (a string, number, true/false, list or mapping), got a function",
    ]);
  });

  it("print as `file:line:col [path] message`, one per line", () => {
    const result = loadStackYaml("servers:\n  - roles: [web, app, db]\n    count: 0\nfirewall: {policy: open}\n", "stack.yaml");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatProblems(result.problems, "stack.yaml").split("\n")).toEqual([
      "stack.yaml:3:12 [servers[0].count] must be at least 1; got 0",
      'stack.yaml:4:20 [firewall.policy] must be one of "none", "default-deny"; got "open"',
    ]);
  });

  it("quote odd keys in paths so they stay readable", () => {
    expect(formatPath(["servers", 0, "roles", 1])).toBe("servers[0].roles[1]");
    expect(formatPath(["dns", "a.b"])).toBe('dns["a.b"]');
    expect(formatPath([])).toBe("(root)");
  });

  it("say when a file cannot be read, or holds several YAML documents", async () => {
    expect(await loadStackFile("/nonexistent/stack.yaml")).toMatchObject({ ok: false, problems: [{ path: "(file)", message: expect.stringContaining("no such file") }] });
    expect(loadStackYaml("servers: []\n---\nservers: []\n")).toMatchObject({ ok: false, problems: [{ path: "(yaml)", line: 2, column: 1 }] });
  });
});
