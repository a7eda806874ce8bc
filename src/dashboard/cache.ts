// A value computed at most once per interval, however many pages ask: callers share the answer in flight.

/**
 * A function whose result is reused for `ttlMs` after it settles, and shared while it is being computed.
 * With `stale`, callers get the last good value at once while a newer one is being computed (a slow probe
 * of a frozen host then does not hold up the whole page).
 */
export function cached<T>(ttlMs: number, compute: () => Promise<T>, opts: { stale?: boolean } = {}): () => Promise<T> {
  let settledAt = -Infinity;
  let inFlight: Promise<T> | undefined;
  let last: { value: T } | undefined;
  return () => {
    if (last && Date.now() - settledAt < ttlMs) return Promise.resolve(last.value);
    if (inFlight) return opts.stale && last ? Promise.resolve(last.value) : inFlight;
    const p = compute();
    inFlight = p;
    p.then(
      (value) => {
        last = { value };
        settledAt = Date.now();
        inFlight = undefined;
      },
      () => {
        // a failure is not kept: the next call tries again
        inFlight = undefined;
      },
    );
    return opts.stale && last ? Promise.resolve(last.value) : p;
  };
}
