// A value computed at most once per interval, however many pages ask: callers share the answer in flight.

/** A function whose result is reused for `ttlMs` after it settles, and shared while it is being computed. */
export function cached<T>(ttlMs: number, compute: () => Promise<T>): () => Promise<T> {
  let settledAt = -Infinity;
  let inFlight = false;
  let value: Promise<T> | undefined;
  return () => {
    if (value && (inFlight || Date.now() - settledAt < ttlMs)) return value;
    inFlight = true;
    value = compute();
    value.then(
      () => {
        inFlight = false;
        settledAt = Date.now();
      },
      () => {
        // a failure is not kept: the next call tries again
        inFlight = false;
        settledAt = -Infinity;
      },
    );
    return value;
  };
}
