// Readiness timeouts grow with the machine's load (a bound on a failure, never a pause), within 1x to 4x.
import { describe, expect, it } from "vitest";
import { loadFactor, pacing } from "../../src/runtime/wait.js";

describe("readiness on a busy machine", () => {
  it("keeps the plain timeouts while a core is free, and grows them with the load per core up to 4x", () => {
    expect(loadFactor(0, 2)).toBe(1);
    expect(loadFactor(2, 2)).toBe(1);
    expect(loadFactor(5, 2)).toBe(2.5);
    expect(loadFactor(10, 2)).toBe(4);
    expect(loadFactor(100, 2)).toBe(4);
    // A machine that reports no cores counts as one.
    expect(loadFactor(3, 0)).toBe(3);
  });

  it("paces a big lab's probes and timeouts by its number of services", () => {
    expect(pacing(31)).toEqual({ maxIntervalMs: 124, timeoutFactor: 1 });
    expect(pacing(148)).toEqual({ maxIntervalMs: 592, timeoutFactor: 3.7 });
  });
});
