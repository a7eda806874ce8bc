// Where stacklab's own files are (the compiled app, the demo's static assets).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package's root directory (this file is dist/runtime/repo.js or src/runtime/repo.ts). */
export const REPO_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
