#!/usr/bin/env node
// The `stacklab` command: runs the compiled CLI from dist/. A normal user's lab command first goes into the
// user's rootless keeper (dist/cli/rootless.js, small), so the whole CLI loads once, inside it.
import { rootlessEntry } from "../dist/cli/rootless.js";

const argv = process.argv.slice(2);
const rootless = await rootlessEntry(argv);
process.exitCode = rootless ?? (await (await import("../dist/cli/main.js")).main(argv));
