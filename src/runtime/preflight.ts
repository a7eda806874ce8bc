// Checks before touching the machine: root, and the programs the lab needs.
import { UsageError } from "../spec/errors.js";

/** Fails with a clear message when not root: namespaces, bridges and mounts need it. */
export function requireRoot(command: string): void {
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new UsageError(`\`stacklab ${command}\` needs root: it creates network namespaces, bridges and mounts for the lab's hosts. Run it as root, e.g. \`sudo npx stacklab ${command} ...\``);
  }
}
