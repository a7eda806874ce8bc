// The integration project's global teardown: after the last file, every shared lab (shared-lab.ts) goes down and
// nothing of it may be left. STACKLAB_KEEP_LAB=1 leaves them up to look at.
import { existsSync } from "node:fs";
import { cli, isRoot, labPath, leftovers } from "./helpers.js";
import { SHARED_BLUEPRINTS, sharedLabName } from "./shared-lab.js";

export default function setup(): () => void {
  return () => {
    if (!isRoot || process.env.STACKLAB_KEEP_LAB === "1") return;
    const problems: string[] = [];
    for (const bp of SHARED_BLUEPRINTS) {
      const lab = sharedLabName(bp);
      if (!existsSync(labPath(lab))) continue;
      const r = cli(["down", "--name", lab]);
      if (r.code !== 0) problems.push(`down ${lab} exited ${r.code}: ${r.stderr.trim()}`);
      const left = leftovers(lab);
      if (left.namespaces.length || left.dir) problems.push(`${lab} left ${JSON.stringify(left)}`);
    }
    if (problems.length) throw new Error(`shared labs: ${problems.join("; ")}`);
  };
}
