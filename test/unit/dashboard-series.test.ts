// The charts' rolling window without Prometheus, and the per-interval cache behind every look at a lab: aligned per-second arrays, recent points read again and
// replaced, NaN shown as a gap, old points dropped, and the last data kept when Prometheus fails.
import { describe, expect, it } from "vitest";
import type { PromSeries } from "../../src/monitoring/types.js";
import { SERIES_LABEL, type Panel } from "../../src/render/panels.js";
import { cached } from "../../src/dashboard/cache.js";
import { OVERLAP_S, SeriesStore, WINDOW_S, type RangeFetch } from "../../src/dashboard/series.js";

const PANELS: Panel[] = [
  { id: "qps", title: "QPS", unit: "reqps", help: "", series: [{ id: "site", label: "site", expr: "a" }] },
  { id: "host", title: "by host", unit: "reqps", help: "", series: [{ id: "web-host", label: "nginx", expr: "b", byInstance: true }] },
];

/** A fake Prometheus: every series' value at time t is given by `value(id, instance, t)`; records the ranges asked. */
function fakeFetch(value: (id: string, instance: string | undefined, t: number) => number, asked: [number, number][] = []): RangeFetch {
  return async (_expr, start, end) => {
    asked.push([start, end]);
    const points = (id: string, instance?: string) => {
      const out = [];
      for (let t = start; t <= end; t++) out.push({ time: t, value: value(id, instance, t) });
      return out;
    };
    const series: PromSeries[] = [
      { metric: { [SERIES_LABEL]: "site" }, points: points("site") },
      { metric: { [SERIES_LABEL]: "web-host", instance: "web-2" }, points: points("web-host", "web-2") },
      { metric: { [SERIES_LABEL]: "web-host", instance: "web-1" }, points: points("web-host", "web-1") },
    ];
    return series;
  };
}

describe("SeriesStore", () => {
  it("reads the whole window first, then only the seconds since with an overlap", async () => {
    const asked: [number, number][] = [];
    const store = new SeriesStore(
      PANELS,
      fakeFetch(() => 1, asked),
    );
    await store.refresh(1_000_000_000);
    await store.refresh(1_000_003_000);
    expect(asked).toEqual([
      [1_000_000 - WINDOW_S, 1_000_000],
      [1_000_000 - OVERLAP_S, 1_000_003],
    ]);
    const v = store.view();
    expect(v.times).toHaveLength(WINDOW_S);
    expect(v.times.at(-1)).toBe(1_000_003);
  });

  it("aligns every line on the same seconds, in panel order with one line per host, NaN as a gap", async () => {
    const store = new SeriesStore(
      PANELS,
      fakeFetch((id, inst, t) => (id === "site" ? (t % 2 ? NaN : t) : inst === "web-1" ? 1 : 2)),
    );
    await store.refresh(2_000_000_000);
    const v = store.view(1_999_998);
    expect(v.times).toEqual([1_999_998, 1_999_999, 2_000_000]);
    expect(v.lines).toEqual([
      { key: "site", panel: "qps", label: "site", values: [1_999_998, null, 2_000_000] },
      { key: "web-host:web-1", panel: "host", label: "web-1 (nginx)", values: [1, 1, 1] },
      { key: "web-host:web-2", panel: "host", label: "web-2 (nginx)", values: [2, 2, 2] },
    ]);
    expect(v.panels.map((p) => p.id)).toEqual(["qps", "host"]);
  });

  it("replaces recent points read again (a late scrape changes them) and drops a series that vanished there", async () => {
    let version = 1;
    const store = new SeriesStore(
      PANELS,
      fakeFetch((id, inst) => (version === 2 && inst === "web-2" ? NaN : version)),
    );
    await store.refresh(3_000_000_000);
    version = 2;
    await store.refresh(3_000_001_000);
    const v = store.view(3_000_000 - OVERLAP_S - 1);
    const site = v.lines.find((l) => l.key === "site")!.values;
    expect(site[0]).toBe(1);
    expect(site.slice(1)).toEqual(new Array(OVERLAP_S + 2).fill(2));
    expect(v.lines.find((l) => l.key === "web-host:web-2")!.values.slice(1)).toEqual(new Array(OVERLAP_S + 2).fill(null));
  });

  it("keeps the data it has and says why when Prometheus cannot be read", async () => {
    let fail = false;
    const ok = fakeFetch(() => 5);
    const store = new SeriesStore(PANELS, (...args) => (fail ? Promise.reject(new Error("mon-1 is down")) : ok(...args)));
    await store.refresh(4_000_000_000);
    fail = true;
    await store.refresh(4_000_002_000);
    const v = store.view(4_000_000);
    expect(v.error).toBe("mon-1 is down");
    expect(v.lines[0]!.values).toEqual([5]);
  });
});

describe("cached", () => {
  it("computes once per interval however many ask, and shares the answer in flight", async () => {
    let runs = 0;
    const get = cached(60_000, async () => ++runs);
    expect(await Promise.all([get(), get(), get()])).toEqual([1, 1, 1]);
    expect(await get()).toBe(1);
    expect(runs).toBe(1);
  });

  it("with `stale`, answers the last value at once while a slow computation runs, then the new one", async () => {
    let release: (v: number) => void = () => undefined;
    let calls = 0;
    const get = cached(0, () => (++calls === 1 ? Promise.resolve(1) : new Promise<number>((r) => (release = r))), { stale: true });
    expect(await get()).toBe(1);
    expect(await get()).toBe(1); // the second computation is slow: the old value comes back
    expect(await get()).toBe(1);
    expect(calls).toBe(2);
    release(2);
    await new Promise((r) => setTimeout(r, 0));
    expect(await get()).toBe(2);
  });

  it("does not keep a failure", async () => {
    let n = 0;
    const get = cached(60_000, async () => {
      if (++n === 1) throw new Error("first fails");
      return n;
    });
    await expect(get()).rejects.toThrow("first fails");
    expect(await get()).toBe(2);
  });
});
