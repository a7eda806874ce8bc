// The list of verbs. Each module registers one command (or one command group) on the program. A command line that
// names a verb loads only that verb's module (and what it imports): every command starts in about half the time
// of loading them all (`npm run bench`: CLI start-up). Help, `--version` and unknown verbs load every module.
import type { Command } from "commander";

/** A command module: the top-level verbs it registers (a unit test checks them) and how to load it. */
export interface CommandModule {
  verbs: readonly string[];
  load: () => Promise<{ register: (program: Command) => void }>;
}

/** Every command module, in the order `--help` lists them; add a verb by adding its module here. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  // a design on paper
  { verbs: ["blueprints"], load: () => import("./blueprints.js") },
  { verbs: ["init"], load: () => import("./init.js") },
  { verbs: ["validate"], load: () => import("./validate.js") },
  { verbs: ["plan"], load: () => import("./plan.js") },
  { verbs: ["explain"], load: () => import("./explain.js") },
  { verbs: ["diff"], load: () => import("./diff.js") },
  { verbs: ["diagram"], load: () => import("./diagram.js") },
  { verbs: ["render"], load: () => import("./render.js") },
  { verbs: ["schema"], load: () => import("./schema.js") },
  { verbs: ["export"], load: () => import("./export.js") },
  // a running lab
  { verbs: ["up"], load: () => import("./up.js") },
  { verbs: ["rehearse"], load: () => import("./rehearse.js") },
  { verbs: ["status"], load: () => import("./status.js") },
  { verbs: ["audit"], load: () => import("./audit.js") },
  { verbs: ["metrics"], load: () => import("./metrics.js") },
  { verbs: ["dashboard"], load: () => import("./dashboard.js") },
  { verbs: ["exec"], load: () => import("./exec.js") },
  { verbs: ["logs"], load: () => import("./logs.js") },
  { verbs: ["down"], load: () => import("./down.js") },
  { verbs: ["clean"], load: () => import("./clean.js") },
  { verbs: ["doctor", "setup"], load: () => import("./doctor.js") },
  // operating it
  { verbs: ["db"], load: () => import("./db.js") },
  { verbs: ["deploy", "reload"], load: () => import("./deploy.js") },
  { verbs: ["maintain"], load: () => import("./maintain.js") },
  { verbs: ["apply", "scale"], load: () => import("./apply.js") },
  // breaking it
  { verbs: ["fault"], load: () => import("./fault.js") },
  { verbs: ["saturate"], load: () => import("./saturate.js") },
  { verbs: ["capacity"], load: () => import("./capacity.js") },
  { verbs: ["experiment"], load: () => import("./experiment.js") },
  // learning
  { verbs: ["challenge"], load: () => import("./challenge.js") },
];

/**
 * Registers the commands a command line needs: only the module of the verb it starts with, or every module
 * (for `--help`, `help`, `--version`, no verb, or a verb that does not exist, so commander can list or suggest).
 */
export async function registerFor(program: Command, argv: readonly string[]): Promise<void> {
  const named = COMMAND_MODULES.find((m) => argv[0] !== undefined && m.verbs.includes(argv[0]));
  for (const m of named ? [named] : COMMAND_MODULES) (await m.load()).register(program);
}
