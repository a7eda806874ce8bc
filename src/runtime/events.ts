// The lab's event log: faults, failovers, deploys and alerts, one JSON line each, with the time they happened.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { labDir } from "./paths.js";

/** What kind of thing happened. */
export type EventKind = "lab" | "fault" | "heal" | "failover" | "deploy" | "scale" | "alert" | "experiment" | "maintenance";

export interface LabEvent {
  /** Milliseconds since the epoch. */
  time: number;
  kind: EventKind;
  /** What happened, in words ("killed lb-1", "promoted db-2"). */
  message: string;
  host?: string;
  /** Who recorded it (the CLI, the failover controller on mon-1, ...). */
  source?: string;
  data?: Record<string, unknown>;
}

/** Where a lab's event log lives; also readable and writable from inside its hosts (the path is not overlaid). */
export function eventsFile(lab: string): string {
  return join(labDir(lab), "events.jsonl");
}

/**
 * The variable naming a file descriptor open (O_APPEND) on the lab's event log. Services that drop root get it
 * from their run script, which opens the log as root: they can add events without any right on the lab's folder.
 */
export const EVENTS_FD_ENV = "STACKLAB_EVENTS_FD";

/** Appends an event (one line, so concurrent writers never interleave within an event). */
export function recordEvent(lab: string, event: Omit<LabEvent, "time"> & { time?: number }): LabEvent {
  const full: LabEvent = { time: event.time ?? Date.now(), ...event };
  const fd = Number(process.env[EVENTS_FD_ENV]);
  appendFileSync(Number.isInteger(fd) && fd > 2 ? fd : eventsFile(lab), `${JSON.stringify(full)}\n`);
  return full;
}

/** Reads a lab's events, oldest first, optionally only those at or after `since` (ms since the epoch). */
export function readEvents(lab: string, since = 0): LabEvent[] {
  const file = eventsFile(lab);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LabEvent];
      } catch {
        return [];
      }
    })
    .filter((e) => e.time >= since)
    .sort((a, b) => a.time - b.time);
}
