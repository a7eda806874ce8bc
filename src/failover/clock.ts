// The one clock of the failover machinery's timeouts, intervals and "last seen" marks.

/**
 * Milliseconds on the machine's monotonic clock (CLOCK_MONOTONIC, through process.hrtime): it never jumps when
 * the wall clock is set or slewed. Lab hosts share this machine's kernel and get no time namespace, so every
 * process of a lab reads the same clock: an agent's marks (when it last looked, when the controller last
 * called) can be compared with the controller's. Timers (setTimeout, setInterval) already run on it.
 * Wall-clock time (Date.now()) is kept for what people read: the event log, `FailoverRecord.at`, metrics.
 */
export function monoNow(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}
