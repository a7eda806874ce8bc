// Removing a lab's folder without making the user wait for the disk.
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { spawnDetached } from "./exec.js";
import { stateRoot } from "./paths.js";

/** Where folders being removed in the background wait (inside the state root: the same filesystem, so a rename moves them). */
export function trashDir(): string {
  return join(stateRoot(), "trash");
}

/**
 * Removes a folder at once as far as stacklab is concerned: it is renamed into the trash (one metadata operation,
 * after which its name is free) and a detached `rm -rf` deletes it there. Deleting a lab's ~1300 files (a
 * database's data directory among them) took 1-2 s on a busy disk; nothing of the lab runs any more by then, so
 * nothing waits for it. When the rename fails (the trash on another filesystem), the folder is removed in place.
 * `clean` empties whatever a background removal left (a machine rebooted mid-way).
 */
export function discardFolder(dir: string): void {
  if (!existsSync(dir)) return;
  const target = join(trashDir(), `${basename(dir)}.${process.pid}.${Date.now()}`);
  try {
    mkdirSync(trashDir(), { recursive: true, mode: 0o700 });
    renameSync(dir, target);
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const devNull = openSync("/dev/null", "w");
  try {
    spawnDetached(["rm", "-rf", "--one-file-system", "--", target], devNull);
  } catch {
    rmSync(target, { recursive: true, force: true });
  } finally {
    closeSync(devNull);
  }
}
