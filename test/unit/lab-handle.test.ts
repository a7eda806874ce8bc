// Opening a lab (runtime/lab.ts): a good state gives its model; an unknown lab, a corrupt state file or one of another
// version gives a usage error saying what to run, and `stacklab` exits 2 with that message, never a stack trace.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { openLab } from "../../src/runtime/lab.js";
import { STATE_VERSION, type LabState } from "../../src/runtime/state.js";
import { UsageError } from "../../src/spec/errors.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
let home: string;
const saved = process.env.STACKLAB_HOME;

function goodState(name: string): LabState {
  return {
    version: STATE_VERSION,
    name,
    slot: 3,
    createdAt: "2026-01-01T00:00:00.000Z",
    status: "running",
    spec: loadBlueprint("1"),
    source: "blueprint 1",
    switchNetns: `stacklab-${name}._switch`,
    hosts: [],
    extra: [],
    published: {},
  };
}

function writeLab(name: string, text: string): void {
  mkdirSync(join(home, "labs", name), { recursive: true });
  writeFileSync(join(home, "labs", name, "state.json"), text);
}

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error("no error thrown");
}

function stacklab(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("node", [join(ROOT, "bin/stacklab.js"), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", STACKLAB_HOME: home } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "stacklab-lab-handle-"));
  process.env.STACKLAB_HOME = home;
});
afterAll(() => {
  if (saved === undefined) delete process.env.STACKLAB_HOME;
  else process.env.STACKLAB_HOME = saved;
  rmSync(home, { recursive: true, force: true });
});

describe("openLab", () => {
  it("with no lab on the machine says how to start one", () => {
    expect(usage(() => openLab())).toMatch(/no lab is running; start one with `stacklab up/);
  });

  it("opens a recorded lab with the model it runs, by name or as the only one", () => {
    writeLab("good", JSON.stringify(goodState("good")));
    const lab = openLab("good");
    expect(lab.name).toBe("good");
    expect(lab.state.source).toBe("blueprint 1");
    expect(lab.model.hosts.map((h) => h.name)).toContain("lb-1");
    expect(lab.model.hosts[0]!.interfaces[0]!.address).toMatch(/^198\.1[89]\./);
    expect(openLab().name).toBe("good");
  });

  it("names the labs and `stacklab status` for an unknown lab", () => {
    expect(usage(() => openLab("nope"))).toBe('no lab named "nope" (running: good); see `stacklab status`');
  });

  it("sends a corrupt state file to `down` or `clean`", () => {
    writeLab("broken", '{"name": "broken", "slot": ');
    const msg = usage(() => openLab("broken"));
    expect(msg).toMatch(/^lab "broken": its state file .*state\.json is corrupt/);
    expect(msg).toMatch(/take it down with `stacklab down --name broken` \(or `stacklab clean`\)/);
  });

  it("sends a state of another version (missing fields, a design that no longer builds) to `down` or `clean`", () => {
    const { hosts: _hosts, ...noHosts } = goodState("old");
    writeLab("old", JSON.stringify(noHosts));
    expect(usage(() => openLab("old"))).toMatch(/its state file .* is not a lab record; take it down with `stacklab down --name old`/);
    const { published: _published, ...noPublished } = goodState("old");
    writeLab("old", JSON.stringify(noPublished));
    expect(usage(() => openLab("old"))).toMatch(
      /its "published" is missing or not a object, so it was written by another stacklab version or damaged; run `stacklab down --name old` or `stacklab clean`$/,
    );
    writeLab("old", JSON.stringify({ ...goodState("old"), version: undefined }));
    expect(usage(() => openLab("old"))).toMatch(/recorded by an older stacklab \(state version 1, this one reads \d+\); take it down with `stacklab down --name old`/);
    writeLab("old", JSON.stringify({ ...goodState("old"), spec: { servers: "many" } }));
    expect(usage(() => openLab("old"))).toMatch(/its design no longer builds with this stacklab version .*; run `stacklab down --name old`/);
    writeLab("old", JSON.stringify({ ...goodState("other") }));
    expect(usage(() => openLab("old"))).toMatch(/not a lab record/);
  });

  it("with several labs and no name asks for one", () => {
    expect(usage(() => openLab())).toMatch(/^several labs exist \(broken, good, old\); pick one with --name$/);
  });
});

describe("a command on a lab it cannot open", () => {
  it("exits 2 with the message and no stack trace, and leaves the state file alone", async () => {
    const before = readFileSync(join(home, "labs", "broken", "state.json"), "utf8");
    for (const args of [
      ["status", "--name", "broken"],
      ["fault", "list", "--name", "broken"],
      ["status", "--name", "nope"],
    ]) {
      const r = await stacklab(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/is corrupt|no lab named "nope"/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readFileSync(join(home, "labs", "broken", "state.json"), "utf8")).toBe(before);
  });
});
