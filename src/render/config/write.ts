// Writes rendered files under a root folder, keeping their absolute paths and modes (the one side effect here).
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { RenderedFile } from "./types.js";

/** Mode of a rendered file that does not set one. */
export const DEFAULT_MODE = 0o644;

/** Writes each file at root + its path (root/etc/nginx/nginx.conf), creating folders; returns the paths written. */
export function writeRendered(root: string, files: readonly RenderedFile[]): string[] {
  return files.map((f) => {
    const target = join(root, f.path.replace(/^\/+/, ""));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.content);
    chmodSync(target, f.mode ?? DEFAULT_MODE);
    return target;
  });
}
