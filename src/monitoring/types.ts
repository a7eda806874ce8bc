// Typed results of the lab's monitoring APIs, for the CLI, `status` and the dashboard.

/** Labels of a series, __name__ included when Prometheus returns it. */
export type Labels = Record<string, string>;

/** One sample of an instant vector. `time` is Unix seconds; `value` may be NaN or ±Infinity. */
export interface PromSample {
  metric: Labels;
  value: number;
  time: number;
}

/** One series of a range query, its points in time order. */
export interface PromSeries {
  metric: Labels;
  points: { time: number; value: number }[];
}

/** The result of an instant query, by Prometheus's result type. */
export type PromResult =
  { type: "vector"; samples: PromSample[] } | { type: "matrix"; series: PromSeries[] } | { type: "scalar"; value: number; time: number } | { type: "string"; value: string; time: number };

/** An alert of Prometheus's rules: pending (condition true, `for` not yet reached) or firing. */
export interface LabAlert {
  name: string;
  state: "pending" | "firing";
  severity: string;
  summary: string;
  description: string;
  /** The alert's labels (instance, job, ... and alertname, severity). */
  labels: Labels;
  /** When the condition became true (ISO time). */
  activeAt: string;
  value: number;
}

/** One scrape target as Prometheus sees it. */
export interface ScrapeTarget {
  job: string;
  instance: string;
  health: "up" | "down" | "unknown";
  url: string;
  lastScrape: string;
  lastError: string;
}
