// Where the demo app's static files live in the package (the runtime copies them to web hosts).
import { fileURLToPath } from "node:url";

/** Directory on web hosts that nginx serves at /static/ (lab contract). */
export const WEB_STATIC_DIR = "/var/www/foobar/static";

/** Files the home page links; nginx must serve each at /static/<name>. */
export const STATIC_FILES = ["style.css", "app.js", "logo.svg", "favicon.svg"] as const;

/** Absolute path of assets/foobar/static in this package (same depth from src/ and dist/). */
export function foobarStaticDir(): string {
  return fileURLToPath(new URL("../../../assets/foobar/static/", import.meta.url));
}
