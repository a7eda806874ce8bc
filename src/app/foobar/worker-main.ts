// Entry point of a foobar worker process (forked by the runner, or run alone with the env set).
import { runFoobarWorker } from "./worker.js";

runFoobarWorker(process.env).catch((e: unknown) => {
  console.error(`foobar worker ${process.pid} could not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
