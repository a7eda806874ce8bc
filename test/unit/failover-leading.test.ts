// The CLI's way to the leading failover controller: the freshest leader marker first, and past a controller that
// answers it stands by (under load a marker can be seconds old while another controller took the lead).
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/build.js";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { callLeadingController, controllersByLead, hostPath, leadingController } from "../../src/failover/lab.js";
import { HttpError, jsonServer } from "../../src/failover/http.js";
import { FAILOVER_PATHS } from "../../src/render/config/failover.js";
import { procRecord, type LabState } from "../../src/runtime/state.js";

const LAB = "leadtest";
const model = buildModel(loadBlueprint("3-scale_up"));
const saved = process.env.STACKLAB_HOME;
let home = "";
const servers: Server[] = [];

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "stacklab-leading-"));
  process.env.STACKLAB_HOME = home;
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  if (saved === undefined) delete process.env.STACKLAB_HOME;
  else process.env.STACKLAB_HOME = saved;
  rmSync(home, { recursive: true, force: true });
});

/** The leader marker of `host`, last touched `ageMs` ago. */
function marker(host: string, ageMs: number): void {
  const f = hostPath(LAB, host, FAILOVER_PATHS.controllerLeading);
  mkdirSync(dirname(f), { recursive: true });
  writeFileSync(f, `${host}\n`);
  const t = (Date.now() - ageMs) / 1000;
  utimesSync(f, t, t);
}

/** A controller's API on its host's socket: a standby refuses (409), a leader answers. */
async function controller(host: string, leads: boolean): Promise<void> {
  const f = hostPath(LAB, host, FAILOVER_PATHS.controllerSocket);
  mkdirSync(dirname(f), { recursive: true });
  const s = jsonServer(
    async () => {
      if (!leads) throw new HttpError(409, `the failover controller on ${host} stands by: another controller holds the etcd leader key; ask that one`);
      return { status: 200, body: { answeredBy: host } };
    },
    { token: "t", unix: true },
  );
  await new Promise<void>((r) => s.listen(f, r));
  servers.push(s);
}

describe("the leading failover controller, as the CLI finds it", () => {
  const [c1, c2, c3] = model.database.controllers as [string, string, string];
  // every host of the lab "up": this test process stands for their init
  const state = { name: LAB, hosts: model.hosts.map((h) => ({ name: h.name, init: procRecord(process.pid) })) } as unknown as LabState;

  it("orders the controllers by the freshness of their leader marker, the design's order without one", () => {
    expect(controllersByLead(LAB, model)).toEqual([c1, c2, c3]);
    marker(c3, 6000);
    marker(c2, 9000);
    // no fresh marker: the newest one (the last to lead) still comes first
    expect(controllersByLead(LAB, model)).toEqual([c3, c2, c1]);
    marker(c2, 100);
    expect(leadingController(LAB, model)).toBe(c2);
  });

  it("asks the next controller when the one its marker names stands by, and throws the refusal when none leads", async () => {
    marker(c1, 50);
    marker(c2, 2000);
    await controller(c1, false);
    await controller(c2, false);
    await expect(callLeadingController(state, model, "GET", "/state", undefined, 2000)).rejects.toThrow(/stands by/);
    await controller(c3, true);
    expect(await callLeadingController<{ answeredBy: string }>(state, model, "GET", "/state", undefined, 2000)).toEqual({ answeredBy: c3 });
  });

  it("gives null when no controller host is up (the CLI then acts itself)", async () => {
    const down = { ...state, hosts: state.hosts.map((h) => ({ ...h, init: undefined })) } as LabState;
    expect(await callLeadingController(down, model, "GET", "/state", undefined, 2000)).toBeNull();
  });
});
