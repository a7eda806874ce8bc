// The experiment report: a typed value, printed as text or JSON and drawn as an SVG timeline.
import type { WriteCheck } from "./checkers/writes.js";
import type { DesignFacts } from "./design.js";
import type { ExpectationResult } from "./expect.js";
import type { Figures } from "./figures.js";
import type { Scenario } from "./scenario.js";

/** One step as it ran. Times are ms from the start of the load. */
export interface StepRecord {
  /** When the scenario asked for it. */
  at: number;
  text: string;
  action: string;
  hosts: string[];
  startedAt: number | null;
  endedAt: number | null;
  ok: boolean;
  error?: string;
  /** What each fault or heal did, and when it took effect. */
  results: { action: string; message: string; at: number }[];
  /** Services that did not come back after a start or heal. */
  notReady?: string[];
}

/** An event of the lab's log during the run (failovers, faults, heals), at ms from the start of the load. */
export interface ReportEvent {
  t: number;
  kind: string;
  message: string;
  host?: string;
  source?: string;
}

export interface ExperimentReport {
  scenario: { name: string; description: string; claim?: string; source: string };
  lab: string;
  design: DesignFacts;
  /** Start of the load (ISO time); every other time is in ms from it. */
  startedAt: string;
  durationMs: number;
  load: Scenario["load"];
  steps: StepRecord[];
  /** The fault window the phases are cut by: first fault, first heal after it, end of that heal. */
  /** `wholeAt`: when the database tier was first seen whole after the heal (null: not within the watch); absent when not watched. */
  timing: { faultAt: number | null; healAt: number | null; healEnd: number | null; wholeAt?: number | null };
  figures: Figures;
  /** null when the design's app is not the demo app, or it makes no writes. */
  writes: WriteCheck | null;
  /** Every metric's value, by the names expectations use. */
  metrics: Record<string, number | null>;
  expectations: (ExpectationResult & { why?: string })[];
  /** Every expectation held (and every step ran). */
  passed: boolean;
  events: ReportEvent[];
  /** Things to know when reading the figures. */
  notes: string[];
  /** Where the raw record of the run is kept (removed with the lab). */
  files: { operations: string; svg?: string };
}
