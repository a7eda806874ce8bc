import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { register, type RenderResult } from "../../src/cli/commands/render.js";
import { buildModel } from "../../src/model/index.js";
import { PLACEHOLDER_SECRETS, renderHost } from "../../src/render/config/index.js";
import { runCli } from "./cli-support.js";

/** Runs `stacklab <args>` with only render registered; returns the exit code the CLI would give and the output. */
const run = (...args: string[]) => runCli([register], ...args);

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "stacklab-render-cli-"));
  dirs.push(d);
  return d;
};
afterEach(() => vi.restoreAllMocks());
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("stacklab render", () => {
  it("writes every host's files under DIR/<host>/<path> and lists them per host", async () => {
    const dir = tempDir();
    const { code, out } = await run("render", "--blueprint", "3", "-o", dir);
    expect(code).toBe(0);
    const model = buildModel(loadBlueprint("3"));
    for (const f of renderHost(model, "lb-1", PLACEHOLDER_SECRETS)) expect(readFileSync(join(dir, "lb-1", f.path), "utf8")).toBe(f.content);
    expect(readFileSync(join(dir, "web-2", "etc/nginx/nginx.conf"), "utf8")).toContain("server_name _;");
    expect(out).toMatch(/^lb-1 +lb +\/etc\/haproxy\/haproxy\.cfg, \/etc\/keepalived\/keepalived\.conf, \/etc\/nftables\.conf, \/etc\/stacklab\/failover-controller\.json$/m);
    expect(out).toMatch(/^mon-1 +monitor +.*\/etc\/stacklab\/failover-controller\.json$/m);
    expect(out).toContain("37 files for 11 hosts");
  });

  it("keeps secrets as placeholders in a file only its owner can read", async () => {
    const dir = tempDir();
    await run("render", "--blueprint", "1", "-o", dir);
    const secret = join(dir, "server-1", "etc/stacklab/secrets/db-app-password");
    expect(readFileSync(secret, "utf8")).toBe("<secret:app>");
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "server-1", "etc/mysql/my.cnf")).mode & 0o777).toBe(0o644);
  });

  it("renders one host with --host, and prints its files when no folder is given", async () => {
    const { code, out } = await run("render", "--blueprint", "0", "--host", "user");
    expect(code).toBe(0);
    expect(out).toContain("==> user:/etc/resolv.conf (mode 0644) <==\n");
    expect(out).toContain("nameserver 198.18.0.53");
    expect(out).not.toContain("nginx");
  });

  it("prints the typed result with --json", async () => {
    const dir = tempDir();
    const { code, out } = await run("render", "--blueprint", "2", "-o", dir, "--host", "lb-1", "--json");
    expect(code).toBe(0);
    const r = JSON.parse(out) as RenderResult;
    expect(r).toMatchObject({ design: "foobar", dir, secrets: "placeholder" });
    expect(r.hosts).toEqual([
      {
        host: "lb-1",
        roles: ["lb"],
        files: [
          expect.objectContaining({ path: "/etc/haproxy/haproxy.cfg", mode: "0644", written: join(dir, "lb-1", "etc/haproxy/haproxy.cfg") }),
          expect.objectContaining({ path: "/etc/nftables.conf" }),
        ],
      },
    ]);
  });

  it("exits 2 for a host the design does not have, naming the ones it has", async () => {
    const { code, out } = await run("render", "--blueprint", "0", "--host", "lb-1");
    expect(code).toBe(2);
    expect(out).toContain('no host "lb-1"');
    expect(out).toContain("server-1");
  });

  it("exits 2 for a secrets kind it does not know", async () => {
    const { code } = await run("render", "--blueprint", "0", "--secrets", "real");
    expect(code).toBe(2);
  });
});
