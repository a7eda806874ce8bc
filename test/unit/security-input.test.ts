// Issue 14, point 1: no string of a design reaches a shell, a config or an env file with another meaning than it has.
// Every string field of the schema gets hostile values; validation refuses them, or every file rendered from the
// design is read back (env files parsed, scripts run with stubbed commands) and means what it meant before.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { appEnv } from "../../src/render/config/app-env.js";
import { parseEnvFile } from "../../src/app/env-file.js";
import { buildModel } from "../../src/model/index.js";
import { PLACEHOLDER_SECRETS } from "../../src/runtime/secrets.js";
import { hostFiles } from "../../src/runtime/files.js";
import { initScript } from "../../src/runtime/host.js";
import { REPO_DIR } from "../../src/runtime/repo.js";
import { shellQuote } from "../../src/render/shell.js";
import { validateStack } from "../../src/spec/load.js";
import { StackSpec, type Stack } from "../../src/spec/schema.js";

type Path = (string | number)[];
type Def = { type?: string; shape?: Record<string, unknown>; innerType?: unknown; element?: unknown; options?: unknown[]; in?: unknown };
const defOf = (s: unknown): Def => ((s as { _zod?: { def?: Def } })._zod?.def ?? {}) as Def;

/** Every path of the schema that holds a string (array items as index 0; union options merged). */
function stringFields(schema: unknown, at: Path = []): string[] {
  const def = defOf(schema);
  switch (def.type) {
    case "string":
      return [JSON.stringify(at)];
    case "object":
      return Object.entries(def.shape ?? {}).flatMap(([k, v]) => stringFields(v, [...at, k]));
    case "array":
      return stringFields(def.element, [...at, 0]);
    case "union":
      return (def.options ?? []).flatMap((o) => stringFields(o, at));
    case "pipe":
      return stringFields(def.in, at);
    default:
      return def.innerType ? stringFields(def.innerType, at) : [];
  }
}

// Two designs that hold a value at every string field between them (the demo app's version, the custom app's fields).
const FULL = {
  $schema: "./schema/stack.schema.json",
  name: "shop",
  description: "A design used to try hostile values",
  domain: "shop.example",
  loadBalancer: { ha: "active-passive", size: { cpu: 0.25, memory: "256Mi" } },
  servers: [{ name: "node", roles: ["web", "app", "db"], count: 2, size: { cpu: 0.5, memory: "512Mi" } }],
  database: { primary: "node-1", replication: "semisync", failover: "automatic", controller: "lb-1", etcd: ["node-1", "node-2", "mon-1"] },
  dns: { records: [{ name: "www", type: "A", target: "entry" }, { name: "@" }, { name: "api", type: "CNAME", target: "www" }] },
  tls: { mode: "reencrypt", internal: true },
  firewall: { policy: "default-deny", allow: [{ name: "backups", from: "monitor", to: "db", port: 22, purpose: "nightly dumps", acceptRisk: "reviewed" }] },
  monitoring: { system: "prometheus" },
};
const DEMO = { ...FULL, app: { type: "demo", version: "1.2.3" } };
const CUSTOM = { ...FULL, app: { type: "custom", command: "node server.js --port $PORT", dir: "/tmp/app", healthPath: "/healthz" } };

const HOSTILE = [
  "'",
  '"',
  "x'; touch /tmp/se-pwned; '",
  "$(touch /tmp/se-pwned)",
  "`touch /tmp/se-pwned`",
  "a\nEVIL=1",
  "a\r\nb",
  "a\u0000b",
  "../../etc/passwd",
  "/tmp/'$(touch /x)'",
  "# comment",
  "a\\",
  "x".repeat(100_000),
];

function get(obj: unknown, path: Path): unknown {
  return path.reduce<unknown>((o, k) => (o as Record<string | number, unknown> | undefined)?.[k], obj);
}
function withValue(base: object, path: Path, value: string): object {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let node = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

const SPEC_DIR = "/tmp";
interface Rendered {
  files: Map<string, string>;
  env: Map<string, Record<string, string>>;
  expectedEnv: Map<string, Record<string, string>>;
}

/** Every file a lab of the design gets (configs, run scripts, init scripts), and each app host's intended environment. */
function renderAll(stack: Stack): Rendered {
  const model = buildModel(stack);
  const files = new Map<string, string>();
  const env = new Map<string, Record<string, string>>();
  const expectedEnv = new Map<string, Record<string, string>>();
  const visible = [REPO_DIR, ...(model.app.type === "custom" ? [resolve(SPEC_DIR, model.app.dir ?? ".")] : [])];
  for (const host of model.hosts) {
    const ctx = { lab: "sehostile", model, host, root: "/nonexistent", secrets: PLACEHOLDER_SECRETS, specDir: SPEC_DIR };
    for (const f of hostFiles(ctx, [])) {
      files.set(`${host.name}:${f.path}`, f.content);
      if (f.path === "/etc/stacklab/app.env") {
        const parsed = parseEnvFile(f.content);
        expect(parsed.problems).toEqual([]);
        env.set(host.name, parsed.values);
        const wanted = Object.fromEntries(appEnv(model, host));
        if (model.app.type === "custom") wanted.APP_DIR = resolve(SPEC_DIR, model.app.dir ?? ".");
        expectedEnv.set(host.name, wanted);
      }
    }
    files.set(`${host.name}:init.sh`, initScript("sehostile", host.name, visible));
  }
  return { files, env, expectedEnv };
}

const lineCount = (text: string) => text.split("\n").length;

describe("hostile values in every string field of the schema", () => {
  const fields = stringFields(StackSpec).map((f) => JSON.parse(f) as Path);
  const bases = [DEMO, CUSTOM];

  it("the two designs hold every string field, and render", () => {
    for (const path of fields)
      expect(
        bases.some((b) => typeof get(b, path) === "string"),
        `no design holds ${JSON.stringify(path)}`,
      ).toBe(true);
    for (const base of bases) expect(validateStack(base)).toMatchObject({ ok: true });
    expect(fields.length).toBeGreaterThanOrEqual(15);
  });

  it("are refused by validation, or change the meaning of no env file, script or config", () => {
    let accepted = 0;
    let refused = 0;
    for (const base of bases) {
      const baseline = renderAll((validateStack(base) as { value: Stack }).value);
      for (const path of fields.filter((p) => typeof get(base, p) === "string")) {
        for (const hostile of HOSTILE) {
          for (const value of [hostile, `${String(get(base, path))}${hostile}`]) {
            const result = validateStack(withValue(base, path, value));
            if (!result.ok) {
              refused++;
              for (const p of result.problems) expect(p.message).not.toContain("internal error");
              continue;
            }
            accepted++;
            const what = `${JSON.stringify(path)} = ${JSON.stringify(value.slice(0, 60))}`;
            const out = renderAll(result.value);
            // env files read back to exactly the values the design meant
            for (const [host, values] of out.env) expect(values, `${what}: app.env of ${host}`).toEqual(out.expectedEnv.get(host));
            // no file gains or loses a line (a newline that slipped through would add a directive or a command)
            expect([...out.files.keys()].sort(), what).toEqual([...baseline.files.keys()].sort());
            for (const [file, content] of out.files) expect(lineCount(content), `${what}: ${file}`).toBe(lineCount(baseline.files.get(file)!));
            // scripts: a value only ever reaches them as data, so they stay as they were
            for (const [file, content] of out.files) if (content.startsWith("#!/bin/sh")) expect(content, `${what}: ${file}`).toBe(baseline.files.get(file));
          }
        }
      }
    }
    // free text (a description, the app's command line) is accepted and exercised the render checks
    expect(accepted).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(accepted);
  });

  it("refuses the injection the review found, and a newline in a custom app's directory", () => {
    for (const dir of ["/tmp/'$(touch /x)'", "/tmp/a\nAPP_COMMAND=evil", "../outside", "/tmp/a b", "/tmp//a", "/tmp/a/"]) {
      const result = validateStack(withValue(CUSTOM, ["app", "dir"], dir));
      expect(result.ok, dir).toBe(false);
      expect(JSON.stringify(result)).toContain("app.dir");
    }
    for (const dir of [".", "./app", "app/v2", "/srv/my-app_1.0"]) expect(validateStack(withValue(CUSTOM, ["app", "dir"], dir)).ok, dir).toBe(true);
  });
});

describe("the shell-quoting helper", () => {
  const sh = (script: string, args: string[] = []) => execFileSync("/bin/sh", ["-c", script, "sh", ...args], { encoding: "utf8" });

  it("gives back every value, word for word, through a real shell", () => {
    const values = ["plain", "", "a b", "'", "''", "it's", '"$HOME"', "$(id)", "`id`", "a\nb", "a\\b", "*", "~", "-n", "#x", "a;b|c&d", "\t", "é"];
    const script = values.map((v) => `printf '%s\\0' ${shellQuote(v)}`).join("\n");
    expect(sh(script).split("\0").slice(0, -1)).toEqual(values);
  });

  it("refuses NUL, which no shell word can hold", () => {
    expect(() => shellQuote("a\u0000b")).toThrow(/NUL/);
  });

  it("keeps a hostile folder one word in a host's init script", () => {
    const hostile = "/tmp/a'$(touch /tmp/se-pwned)'b c";
    const script = initScript("sehostile", "web-1", [REPO_DIR, hostile]);
    const lines = script.split("\n").filter((l) => l.includes("mount --bind") && l.includes("/tmp/a"));
    expect(lines.length).toBe(2);
    // run those lines with mount and mkdir replaced by functions that print their arguments
    const stubs = `R=/r\nmount() { printf 'mount:%s\\n' "$@"; }\nmkdir() { printf 'mkdir:%s\\n' "$@"; }\n`;
    const out = sh(stubs + lines.join("\n")).split("\n");
    expect(out.filter((l) => l === `mount:${hostile}`).length).toBe(2);
    expect(out.filter((l) => l === `mkdir:${hostile}`).length).toBe(1);
    expect(out.some((l) => l.includes("se-pwned") && !l.endsWith(hostile))).toBe(false);
  });
});
