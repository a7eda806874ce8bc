// The checked-in JSON Schema is what the zod schema generates, and it is good enough for editors to check a design.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { listBlueprints } from "../../src/blueprints/index.js";
import { stackJsonSchema } from "../../src/spec/json-schema.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CHECKED_IN = join(ROOT, "schema/stack.schema.json");

type Schema = Record<string, unknown> & {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
};

/** The few JSON Schema keywords the generated schema uses, checked the way an editor would: returns the errors. */
function check(schema: Schema, value: unknown, at = "$"): string[] {
  const options = schema.oneOf ?? schema.anyOf;
  if (options) {
    const passing = options.filter((o) => check(o, value, at).length === 0).length;
    return (schema.oneOf ? passing === 1 : passing > 0) ? [] : [`${at}: matches ${passing} of the options`];
  }
  const errors: string[] = [];
  const isObject = value !== null && typeof value === "object" && !Array.isArray(value);
  const types: Record<string, boolean> = {
    object: isObject,
    array: Array.isArray(value),
    string: typeof value === "string",
    number: typeof value === "number",
    integer: Number.isInteger(value),
    boolean: typeof value === "boolean",
  };
  if (schema.type && !types[schema.type]) return [`${at}: not ${schema.type}`];
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${at}: not in enum`);
  if ("const" in schema && schema.const !== value) errors.push(`${at}: not ${String(schema.const)}`);
  if (typeof schema.pattern === "string" && typeof value === "string" && !new RegExp(schema.pattern).test(value)) errors.push(`${at}: pattern`);
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) errors.push(`${at}: minimum`);
    if (typeof schema.maximum === "number" && value > schema.maximum) errors.push(`${at}: maximum`);
    if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) errors.push(`${at}: exclusiveMinimum`);
    if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) errors.push(`${at}: exclusiveMaximum`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) errors.push(`${at}: minItems`);
    if (schema.items) value.forEach((v, i) => errors.push(...check(schema.items!, v, `${at}[${i}]`)));
  }
  if (isObject) {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in obj)) errors.push(`${at}.${key}: required`);
    for (const [key, v] of Object.entries(obj)) {
      const sub = schema.properties?.[key];
      if (sub) errors.push(...check(sub, v, `${at}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${at}.${key}: not allowed`);
    }
  }
  return errors;
}

/** Every property schema in the tree, with its dotted path. */
function properties(schema: Schema, at = ""): [string, Schema][] {
  const own = Object.entries(schema.properties ?? {}).flatMap(([k, s]) => [[`${at}${k}`, s] as [string, Schema], ...properties(s, `${at}${k}.`)]);
  const nested = [...(schema.items ? properties(schema.items, `${at.replace(/\.$/, "")}[].`) : []), ...(schema.oneOf ?? schema.anyOf ?? []).flatMap((o) => properties(o, at))];
  return [...own, ...nested];
}

describe("schema/stack.schema.json", () => {
  it("is exactly what `stacklab schema` generates from the zod schema (run `npm run schema` after changing it)", () => {
    expect(readFileSync(CHECKED_IN, "utf8")).toBe(`${JSON.stringify(stackJsonSchema(), null, 2)}\n`);
  });

  const schema = JSON.parse(readFileSync(CHECKED_IN, "utf8")) as Schema;

  it("declares its dialect and id, and describes every property for editors' hover text", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toMatch(/stack\.schema\.json$/);
    const all = properties(schema);
    expect(all.length).toBeGreaterThan(40);
    expect(all.filter(([, s]) => typeof s.description !== "string" || s.description.length < 10).map(([p]) => p)).toEqual([]);
  });

  it("offers the design's choices as enums, so editors complete them", () => {
    const at = (path: string) => properties(schema).find(([p]) => p === path)?.[1];
    expect(at("loadBalancer.algorithm")?.enum).toEqual(["roundrobin", "leastconn", "source"]);
    expect(at("loadBalancer.ha")?.enum).toEqual(["single", "active-passive", "active-active"]);
    expect(at("tls.mode")?.enum).toEqual(["none", "terminate", "passthrough", "reencrypt"]);
    expect(at("firewall.policy")?.enum).toEqual(["none", "default-deny"]);
    expect(at("monitoring.system")?.enum).toEqual(["none", "prometheus"]);
    expect(at("database.replication")?.enum).toEqual(["none", "async", "semisync"]);
    expect(at("database.failover")?.enum).toEqual(["manual", "automatic"]);
    expect(at("servers[].roles")?.items?.enum).toEqual(["web", "app", "db"]);
    expect(schema.required).toEqual(["servers"]);
    expect(schema.properties?.app?.oneOf?.map((o) => o.properties?.type?.const)).toEqual(["demo", "custom"]);
  });

  it("accepts the blueprints and the valid fixtures as an editor would", () => {
    const valid = join(ROOT, "test/fixtures/valid");
    const docs = [...listBlueprints().map((b) => b.file), ...readdirSync(valid).map((f) => join(valid, f))];
    for (const file of docs) expect(check(schema, parse(readFileSync(file, "utf8"), { merge: true })), file).toEqual([]);
  });

  it("rejects, as an editor would, broken designs that are wrong in shape", () => {
    for (const name of ["unknown-root-key", "unknown-nested-keys", "bad-enums", "wrong-types", "out-of-range", "role-lb", "app-unknown-type", "missing-servers"]) {
      const doc = parse(readFileSync(join(ROOT, "test/fixtures/broken", `${name}.yaml`), "utf8"));
      expect(check(schema, doc), name).not.toEqual([]);
    }
  });
});
