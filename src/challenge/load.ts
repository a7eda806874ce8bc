// Finds and loads the built-in challenges (challenges/*.yaml at the package root), validated with every
// problem reported at once, each with its line and column.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { REPO_DIR } from "../runtime/repo.js";
import { formatPath, SpecInvalidError, UsageError, type SpecProblem } from "../spec/errors.js";
import { locate } from "../spec/locate.js";
import { ChallengeSchema, toChallenge, type Challenge } from "./schema.js";

/** Folder of the built-in challenges (shipped with the package). */
export const CHALLENGE_DIR = join(REPO_DIR, "challenges");

/** Parses and validates challenge YAML text. */
export function parseChallenge(text: string, name: string, file?: string): Challenge {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length)
    throw new SpecInvalidError(
      doc.errors.map((e) => ({ path: "(yaml)", message: e.message.split("\n")[0]! })),
      file ?? name,
    );
  const parsed = ChallengeSchema.safeParse(doc.toJS());
  if (parsed.success) return toChallenge(parsed.data, name);
  const found: SpecProblem[] = parsed.error.issues.map((i) => {
    const at = i.path.map((p) => (typeof p === "number" ? p : String(p)));
    return { path: formatPath(at), message: i.code === "invalid_union" ? "matches none of the forms this key takes (see docs/challenges.md)" : i.message, ...(locate(doc, lines, at) ?? {}) };
  });
  throw new SpecInvalidError(found, file ?? name);
}

/** Every built-in challenge, in the order learners take them. */
export function listChallenges(): Challenge[] {
  if (!existsSync(CHALLENGE_DIR)) return [];
  return readdirSync(CHALLENGE_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => parseChallenge(readFileSync(join(CHALLENGE_DIR, f), "utf8"), f.replace(/\.yaml$/, ""), join(CHALLENGE_DIR, f)))
    .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

/** A built-in challenge by name (or its number in the list). */
export function findChallenge(name: string): Challenge {
  const all = listChallenges();
  const found = /^\d+$/.test(name) ? all[Number(name) - 1] : all.find((c) => c.name === name);
  if (!found) throw new UsageError(`no challenge "${name}"; the challenges: ${all.map((c) => c.name).join(", ")} (stacklab challenge list)`);
  return found;
}
