// Where stacklab's own files are (the compiled app, the demo's static assets).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package's root directory (this file is dist/runtime/repo.js or src/runtime/repo.ts). */
export const REPO_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The Node runtime and entry point of one of stacklab's own programs run inside a host (the app runner, the
 * failover agent and controller): this checkout's, or those of a packaged release (`export ansible`: RELEASE holds
 * `current/`, the release, and `bin/node`, the Node runtime).
 */
export function ownProgram(entry: string, release?: string): [node: string, main: string] {
  return release ? [`${release}/bin/node`, `${release}/current/${entry}`] : [process.execPath, join(REPO_DIR, entry)];
}
