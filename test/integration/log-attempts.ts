// Every integration test is retried once (vitest.config.ts): a failed first attempt that the retry hides is still
// printed, with its errors, so a suite run shows what went wrong in each test that passed only on its retry.
import { logFailedAttempts } from "./helpers.js";

logFailedAttempts();
