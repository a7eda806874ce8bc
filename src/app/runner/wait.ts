// Waiting for an event with a deadline whose failure says what was awaited and for how long.
import type { EventEmitter } from "node:events";

/** Resolves on the emitter's next `event`; rejects after timeoutMs naming `what` was awaited. */
export function waitFor(emitter: EventEmitter, event: string, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onEvent = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(
      () => {
        emitter.off(event, onEvent);
        reject(new Error(`timed out after ${Math.max(0, Math.round(timeoutMs))} ms waiting for ${what}`));
      },
      Math.max(0, timeoutMs),
    );
    emitter.once(event, onEvent);
  });
}

/** Resolves after ms milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
