// A user's own app (examples/custom-app) runs in a lab in place of the demo, from its own directory.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, inHost, isRoot, leftovers, ROOT, testLab } from "./helpers.js";

describe.skipIf(!isRoot)("custom app lab", () => {
  it("brings the example app up behind nginx and serves it by name", () => {
    const lab = testLab("tcust");
    cli(["down", "--name", lab]);
    const up = cli(["up", join(ROOT, "examples/custom-app/stack.yaml"), "--name", lab, "-d"]);
    try {
      expect(up.code, up.stderr).toBe(0);
      const page = inHost(lab, "user", ["curl", "-sf", "--max-time", "5", "http://www.foobar.com/"]);
      expect(page).toMatch(/my own app/i);
      const health = inHost(lab, "user", ["curl", "-sf", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", "http://www.foobar.com/healthz"]);
      expect(health).toBe("200");
    } finally {
      cli(["down", "--name", lab]);
      expect(leftovers(lab)).toEqual({ namespaces: [], dir: false });
    }
  });
});
