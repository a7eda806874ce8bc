// A normal user's lab commands run inside the user's keeper (src/runtime/rootless/keeper.ts): this decides, from
// the command line alone, whether a command runs here, enters the keeper, or starts the keeper first.
import { labFolders } from "../runtime/state.js";
import { stateRoot } from "../runtime/paths.js";
import { currentUser } from "../runtime/rootless/ids.js";
import { UsageError } from "../spec/errors.js";
import { color } from "../util/color.js";
import { needsKeeper } from "../runtime/rootless/mode.js";
import { requireKeeperFor, runInKeeper, runningKeeper, useKeeper } from "../runtime/rootless/keeper.js";

/** Commands that only read or write files of the design (no lab, no namespace): they run as the user, here. */
const OUTSIDE = new Set(["blueprints", "init", "validate", "plan", "explain", "diff", "diagram", "render", "schema", "doctor", "setup", "help"]);
/** Commands that start the keeper when it is not running (bring a lab up, or remove what is left of one). */
const STARTS_KEEPER = new Set(["up", "down", "clean"]);

/** How a command line runs for this process: here, or inside the keeper (starting it first or not). */
export function route(argv: string[], normalUser = needsKeeper()): "here" | "enter" | "start" {
  const verb = argv.find((a) => !a.startsWith("-"));
  // (`--help` after `--` belongs to a command run in a host: `stacklab exec user -- curl --help`.)
  const own = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
  if (!normalUser || verb === undefined || OUTSIDE.has(verb) || own.includes("--help") || own.includes("-h")) return "here";
  return STARTS_KEEPER.has(verb) || makesLabs(verb, own) ? "start" : "enter";
}

/**
 * Command lines that bring fresh labs up themselves (and take them down after, or leave one running): they start
 * the keeper like `up` does, where entering it would find none and run them outside (and be refused for want of root).
 */
function makesLabs(verb: string, own: string[]): boolean {
  const has = (...opts: string[]) => own.some((a) => opts.includes(a) || opts.some((o) => o.startsWith("--") && a.startsWith(`${o}=`)));
  switch (verb) {
    case "rehearse":
      return true;
    case "challenge": {
      // `challenge start` and `challenge reset` bring a troubleshooting challenge's lab up (a design challenge's
      // start only writes stack.yaml: it runs in the keeper all the same, as the user's own files).
      const sub = own.slice(own.indexOf("challenge") + 1).find((a) => !a.startsWith("-"));
      return sub === "start" || sub === "reset";
    }
    case "experiment":
      return has("-b", "--blueprint");
    case "saturate":
      return has("--claims");
    case "capacity":
      // On fresh sized labs, unless measuring a running one.
      return !has("--lab");
    default:
      return false;
  }
}

/**
 * Runs a normal user's lab command inside the keeper; undefined when it runs here instead (a pure command, or a
 * lab command with no keeper and no lab: it then says that no lab is running, as for root).
 */
export async function runRootless(argv: string[]): Promise<number | undefined> {
  const how = route(argv);
  if (how === "here") return undefined;
  const verb = argv.find((a) => !a.startsWith("-"))!;
  // Nothing of this user to take down: no keeper needed (and none can start where the machine does not allow it).
  if (how === "start" && (verb === "down" || verb === "clean") && !runningKeeper() && !labFolders().length) return nothingToRemove(verb, argv);
  // The use is recorded under the keeper's lock: a concurrent `down` of the user's last lab cannot stop the keeper
  // between this check and the command's own lab lock (or before its lab folder exists).
  const use = await useKeeper(verb, how === "start");
  if (!use) {
    requireKeeperFor(verb);
    return undefined;
  }
  try {
    return await runInKeeper(use.keeper, argv);
  } finally {
    // The last lab gone (or an `up` that failed and removed what it made) and no other command of the user in the
    // keeper: the keeper and its namespaces go too.
    await use.release();
  }
}

function nothingToRemove(verb: string, argv: string[]): number {
  const where = `${currentUser().name} has no lab (state under ${stateRoot()})`;
  if (verb !== "clean") throw new UsageError(`${where}; see \`stacklab status\``);
  const empty = { dryRun: argv.includes("--dry-run"), labs: [], namespaces: [], processes: [], directories: [], skipped: [] };
  process.stdout.write(argv.includes("--json") ? `${JSON.stringify(empty, null, 2)}\n` : `nothing to clean: ${where}\n`);
  return 0;
}

/**
 * The command's first stop (bin/stacklab.js), light on purpose: a normal user's lab command goes into the keeper
 * without loading the whole CLI twice. Resolves to the exit code, or undefined when the full CLI runs here.
 */
export async function rootlessEntry(argv: string[]): Promise<number | undefined> {
  try {
    return await runRootless(argv);
  } catch (err) {
    const usage = err instanceof UsageError;
    process.stderr.write(`${color("red", "error:")} ${(err as Error).message}\n`);
    return usage ? 2 : 1;
  }
}
