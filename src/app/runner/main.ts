// The app-server runner: `node dist/app/runner/main.js --env /etc/stacklab/app.env`.
// SIGHUP reloads gracefully, SIGTERM/SIGINT stop gracefully; every event is one line on stdout.
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { AppConfigError, readAppConfig, readDbPassword } from "../config.js";
import { loadEnv } from "../env-file.js";
import { logEvent } from "../log.js";
import { ClusterSupervisor } from "./cluster-supervisor.js";
import { CustomSupervisor } from "./custom-supervisor.js";

const USAGE = `usage: runner [--env FILE]
  --env FILE   KEY=VALUE file with the app's settings (values in the environment win)
Signals: SIGHUP reloads without dropping requests; SIGTERM or SIGINT stops gracefully.`;

/** Reads `--env FILE` (or `--env=FILE`); exits 2 on anything else. */
function parseArgs(argv: string[]): { envFile: string | undefined } {
  let envFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === "--env" && argv[i + 1] !== undefined) {
      envFile = argv[++i];
    } else if (arg.startsWith("--env=")) {
      envFile = arg.slice("--env=".length);
    } else {
      console.error(`runner: unexpected argument ${JSON.stringify(arg)}\n${USAGE}`);
      process.exit(2);
    }
  }
  return { envFile };
}

/** Path of the foobar worker entry next to this file (.js when built, .ts when run from source). */
function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return fileURLToPath(new URL(`../foobar/worker-main${extname(here)}`, import.meta.url));
}

async function main(): Promise<void> {
  const { envFile } = parseArgs(process.argv.slice(2));
  const load = () => loadEnv(envFile, process.env);
  let config;
  try {
    config = readAppConfig(load());
  } catch (e) {
    console.error(`runner: ${e instanceof AppConfigError ? e.message : e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
  if (config.kind === "demo") {
    try {
      readDbPassword(config);
    } catch (e) {
      console.error(`runner: cannot read DB_PASSWORD_FILE: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(2);
    }
  }
  const supervisor = config.kind === "demo" ? new ClusterSupervisor(load, workerEntry()) : new CustomSupervisor(load);
  await supervisor.start();

  let stopping = false;
  process.on("SIGHUP", () => {
    logEvent("runner", "signal", { signal: "SIGHUP" });
    void supervisor.reload();
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      logEvent("runner", "signal", { signal });
      if (stopping) return;
      stopping = true;
      void supervisor.stop().then(() => process.exit(0));
    });
  }
}

main().catch((e: unknown) => {
  console.error(`runner: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
