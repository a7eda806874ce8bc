/* global document, window, fetch, uPlot, setTimeout, clearTimeout, setInterval */
// The dashboard page: polls /api/state, /api/series and /api/events every second and draws them;
// the fault panel POSTs to /api/fault and /api/heal. The run's token travels in an HttpOnly cookie this
// script never sees; a read-only dashboard hides the panel.
(function () {
  "use strict";
  const READ_ONLY = document.querySelector('meta[name="stacklab-read-only"]').content === "true";
  const POLL_MS = 1000;
  const KEEP_S = 300;
  const COLORS = ["#5aa9ff", "#2fbf71", "#f2a93b", "#b08cff", "#ff7eb6", "#3ddbd9", "#ff5a52", "#c9d1d9"];
  const $ = (id) => document.getElementById(id);

  const page = {
    topo: null,
    state: null,
    selected: null,
    busy: false,
    series: { times: [], lines: new Map(), panels: [], order: [] },
    charts: new Map(),
    seenEvents: new Set(),
    firstEvents: true,
    monitoring: null,
    markers: [],
  };
  const MARKER_COLORS = { fault: "#ff5a52", heal: "#2fbf71", failover: "#b08cff" };

  async function getJson(path) {
    const r = await fetch(path, { headers: { accept: "application/json" }, cache: "no-store" });
    const body = await r.json();
    if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
    return body;
  }

  async function postJson(path, value) {
    const r = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, credentials: "same-origin", body: JSON.stringify(value) });
    const body = await r.json();
    if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
    return body;
  }

  // ------------------------------------------------------------------ formatting

  function fmt(unit, v) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    if (unit === "reqps") return v >= 100 ? `${Math.round(v)}` : v >= 10 ? v.toFixed(1) : v.toFixed(2);
    if (unit === "seconds") return v >= 1 ? `${v.toFixed(2)} s` : `${(v * 1000).toFixed(v < 0.01 ? 1 : 0)} ms`;
    if (unit === "ratio") return `${(v * 100).toFixed(v < 0.01 ? 2 : 1)}%`;
    return String(v);
  }

  /** Axis labels: hours and minutes, with seconds while the chart spans less than three minutes. */
  function timeTicks(u, ticks) {
    const span = ticks.length > 1 ? ticks[ticks.length - 1] - ticks[0] : 0;
    const opts = span < 180 ? { hour12: false, hour: "2-digit", minute: "2-digit", second: "2-digit" } : { hour12: false, hour: "2-digit", minute: "2-digit" };
    return ticks.map((t) => new Date(t * 1000).toLocaleTimeString([], opts));
  }

  function clock(ms) {
    const d = new Date(ms);
    return d.toLocaleTimeString([], { hour12: false });
  }

  // ------------------------------------------------------------------ header and topology

  function drawState(s) {
    page.state = s;
    if (!page.topo) {
      page.topo = s.topology;
      $("lab-name").textContent = s.lab;
      $("design").textContent = `${s.design.name} · ${s.design.source}`;
      document.title = `${s.lab} · stacklab dashboard`;
      buildFaultPanel(s);
      if (!s.topology.entry || s.topology.entry.kind !== "floating") $("legend-vip").hidden = true;
    }
    const hl = $("headline");
    hl.className = `headline ${s.headline.level}`;
    $("headline-text").textContent = `${s.headline.level === "ok" ? "✓" : s.headline.level === "warn" ? "⚠" : "✖"} ${s.headline.text}`;
    $("headline-problems").textContent = s.headline.problems.slice(0, 6).join(" · ");
    $("updated").textContent = `updated ${clock(s.checkedAt)}`;
    window.StacklabTopology.draw($("topology"), page.topo, s, page.selected, select);
    updateFaultPanel();
    drawStats();
    drawSizes(s);
  }

  // ------------------------------------------------------------------ CPU and memory against each host's size

  function mib(bytes) {
    return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)}Gi` : `${Math.round(bytes / 1024 ** 2)}Mi`;
  }

  function bar(kind, share, label) {
    const row = document.createElement("div");
    row.className = `size-bar ${kind}`;
    const track = document.createElement("span");
    track.className = "track";
    const fill = document.createElement("span");
    const pct = share === null ? 0 : Math.max(0, Math.min(100, share * 100));
    fill.className = `fill ${pct >= 90 ? "bad" : pct >= 70 ? "warn" : "ok"}`;
    fill.style.width = `${pct}%`;
    track.appendChild(fill);
    const text = document.createElement("span");
    text.className = "size-text";
    text.textContent = label;
    row.append(track, text);
    return row;
  }

  function drawSizes(s) {
    const sized = s.hosts.filter((h) => h.size);
    $("sizes-card").hidden = sized.length === 0;
    const box = $("sizes");
    box.replaceChildren();
    for (const h of sized) {
      const z = h.size;
      const item = document.createElement("div");
      item.className = "size-host";
      item.dataset.host = h.name;
      const name = document.createElement("span");
      name.className = "size-name";
      name.textContent = h.name;
      item.appendChild(name);
      const cpu = z.cpuUse === null ? "…" : `${Math.round(z.cpuUse * 100)}%`;
      item.appendChild(bar("cpu", z.cpuUse, `cpu ${cpu} of ${z.cpu} core${z.cpu === 1 ? "" : "s"}`));
      const memShare = z.memoryBytes > 0 ? z.memoryUsed / z.memoryBytes : null;
      item.appendChild(bar("memory", memShare, `mem ${mib(z.memoryUsed)} of ${mib(z.memoryBytes)}${z.oomKills ? `, ${z.oomKills} killed out of memory` : ""}`));
      box.appendChild(item);
    }
  }

  // ------------------------------------------------------------------ fault panel

  function buildFaultPanel(s) {
    const sel = $("fault-host");
    for (const h of s.topology.hosts) {
      const o = document.createElement("option");
      o.value = h.name;
      o.textContent = h.name;
      sel.appendChild(o);
    }
    const firstLb = s.topology.hosts.find((h) => h.roles.includes("lb")) || s.topology.hosts.find((h) => h.kind === "server");
    page.selected = firstLb ? firstLb.name : s.topology.hosts[0].name;
    sel.value = page.selected;
    sel.addEventListener("change", () => select(sel.value));
    const box = $("fault-buttons");
    for (const [action, a] of Object.entries(s.actions)) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = a.label;
      b.title = a.help;
      b.dataset.action = action;
      b.addEventListener("click", () => act("/api/fault", { host: page.selected, action }, `${a.label.toLowerCase()} ${page.selected}`));
      box.appendChild(b);
    }
    $("heal-host").addEventListener("click", () => act("/api/heal", { host: page.selected }, `heal ${page.selected}`));
    $("heal-all").addEventListener("click", () => act("/api/heal", {}, "heal everything"));
  }

  function select(name) {
    page.selected = name;
    $("fault-host").value = name;
    if (page.state) window.StacklabTopology.draw($("topology"), page.topo, page.state, page.selected, select);
    updateFaultPanel();
  }

  function updateFaultPanel() {
    const h = page.state && page.state.hosts.find((x) => x.name === page.selected);
    const st = $("fault-host-state");
    st.className = `host-state ${h ? h.health : ""}`;
    st.textContent = h ? window.StacklabTopology.statusWords(h) : "";
    for (const b of document.querySelectorAll("#fault-buttons button, button.heal")) b.disabled = page.busy;
  }

  async function act(path, body, what) {
    const out = $("fault-result");
    page.busy = true;
    updateFaultPanel();
    out.className = "fault-result";
    out.textContent = `${what}…`;
    try {
      const r = await postJson(path, body);
      const lines = r.results.map((x) => `${x.message} (${x.durationMs} ms)${x.notReady && x.notReady.length ? `; not ready: ${x.notReady.join("; ")}` : ""}`);
      out.textContent = lines.join("\n") || "nothing to heal";
    } catch (err) {
      out.className = "fault-result error";
      out.textContent = err.message;
    } finally {
      page.busy = false;
      updateFaultPanel();
      poll();
    }
  }

  // ------------------------------------------------------------------ stats and charts

  function lastValue(key) {
    const l = page.series.lines.get(key);
    if (!l) return null;
    for (let i = l.values.length - 1; i >= Math.max(0, l.values.length - 5); i--) if (l.values[i] !== null) return l.values[i];
    return null;
  }

  function drawStats() {
    const box = $("stats");
    const s = page.state;
    const tiles = [];
    if (page.monitoring) {
      const qpsKey = page.series.lines.has("site") ? "site" : "web";
      tiles.push({ label: "site requests/s", value: fmt("reqps", lastValue(qpsKey)) });
      const p95 = lastValue("p95");
      tiles.push({ label: "app latency p95", value: fmt("seconds", p95), cls: p95 > 0.5 ? "bad" : p95 > 0.1 ? "warn" : "" });
      const err = page.series.lines.has("site-5xx") ? lastValue("site-5xx") : lastValue("app-5xx");
      tiles.push({ label: "error rate (5xx)", value: fmt("ratio", err), cls: err > 0.05 ? "bad" : err > 0 ? "warn" : "ok" });
    }
    if (s) {
      const up = s.hosts.filter((h) => h.health !== "down").length;
      tiles.push({ label: "hosts up", value: `${up} / ${s.hosts.length}`, cls: up === s.hosts.length ? "ok" : "bad" });
      if (s.database) tiles.push({ label: "database primary", value: s.database.primary || "none!", cls: s.database.primary ? (s.database.primary === s.database.designed ? "" : "warn") : "bad" });
    }
    box.replaceChildren(
      ...tiles.map((t) => {
        const d = document.createElement("div");
        d.className = "stat";
        const l = document.createElement("div");
        l.className = "label";
        l.textContent = t.label;
        const v = document.createElement("div");
        v.className = `value ${t.cls || ""}`;
        v.textContent = t.value;
        d.append(l, v);
        return d;
      }),
    );
  }

  function mergeSeries(answer) {
    const s = page.series;
    s.panels = answer.panels;
    s.order = answer.lines.map((l) => l.key);
    const first = answer.times.length ? answer.times[0] : Infinity;
    let keep = s.times.findIndex((t) => t >= first);
    if (keep < 0) keep = s.times.length;
    s.times = s.times.slice(0, keep).concat(answer.times);
    const incoming = new Map(answer.lines.map((l) => [l.key, l]));
    for (const [key, l] of s.lines) {
      const n = incoming.get(key);
      l.values = l.values.slice(0, keep).concat(n ? n.values : answer.times.map(() => null));
    }
    for (const l of answer.lines) if (!s.lines.has(l.key)) s.lines.set(l.key, { key: l.key, panel: l.panel, label: l.label, values: new Array(keep).fill(null).concat(l.values) });
    const cut = s.times.findIndex((t) => t > s.times[s.times.length - 1] - KEEP_S);
    if (cut > 0) {
      s.times = s.times.slice(cut);
      for (const l of s.lines.values()) l.values = l.values.slice(cut);
    }
  }

  /** The lines of one chart in the server's order (new hosts' lines do not reshuffle colours). */
  function panelLines(panelId) {
    const rank = (k) => {
      const i = page.series.order.indexOf(k);
      return i < 0 ? Infinity : i;
    };
    return [...page.series.lines.values()].filter((l) => l.panel === panelId).sort((a, b) => rank(a.key) - rank(b.key));
  }

  /** A uPlot plugin drawing a dashed vertical line at each fault, heal and failover, so dips line up with their cause. */
  function eventMarkers() {
    return {
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            const min = u.scales.x.min;
            const max = u.scales.x.max;
            ctx.save();
            ctx.lineWidth = 1.5 * window.devicePixelRatio;
            ctx.setLineDash([5 * window.devicePixelRatio, 4 * window.devicePixelRatio]);
            for (const m of page.markers) {
              if (m.t < min || m.t > max) continue;
              const x = Math.round(u.valToPos(m.t, "x", true));
              ctx.strokeStyle = MARKER_COLORS[m.kind];
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
            }
            ctx.restore();
          },
        ],
      },
    };
  }

  function noMonitoring() {
    const box = $("charts");
    const d = document.createElement("div");
    d.className = "no-monitoring";
    d.textContent = "No monitoring in this design: there is no Prometheus to chart requests, latency and errors from.";
    const p = document.createElement("p");
    p.textContent = "Add `monitoring: { system: prometheus }` to the design (designs 2 and 3 have it). The topology, the event log and the fault buttons work without it.";
    d.appendChild(p);
    box.replaceChildren(d);
  }

  function chartWidth() {
    const box = $("charts");
    return Math.max(280, Math.floor((box.clientWidth - 12) / (window.innerWidth > 1100 ? 2 : 1)) - 18);
  }

  function buildCharts() {
    const box = $("charts");
    box.replaceChildren();
    page.charts.clear();
    for (const p of page.series.panels) {
      const card = document.createElement("div");
      card.className = "chart";
      const h = document.createElement("h3");
      h.textContent = p.title;
      const help = document.createElement("div");
      help.className = "help";
      help.textContent = p.help;
      const slot = document.createElement("div");
      card.append(h, help, slot);
      box.appendChild(card);
      const lines = panelLines(p.id);
      const opts = {
        width: chartWidth(),
        height: 180,
        legend: { live: false },
        plugins: [eventMarkers()],
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, p.unit === "ratio" ? Math.max(max || 0, 0.05) : Math.max((max || 0) * 1.15, p.unit === "seconds" ? 0.01 : 1)] } },
        axes: [
          { stroke: "#8b98a9", grid: { stroke: "#222b38" }, ticks: { stroke: "#222b38" }, values: timeTicks },
          { stroke: "#8b98a9", grid: { stroke: "#222b38" }, ticks: { stroke: "#222b38" }, size: 64, values: (u, vals) => vals.map((v) => fmt(p.unit, v)) },
        ],
        series: [{}].concat(lines.map((l, i) => ({ label: l.label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: false, value: (u, v) => fmt(p.unit, v) }))),
      };
      const chart = new uPlot(opts, [page.series.times].concat(lines.map((l) => l.values)), slot);
      page.charts.set(p.id, { chart, keys: lines.map((l) => l.key) });
    }
  }

  function drawCharts(error) {
    const s = page.series;
    const need = s.panels.some((p) => {
      const c = page.charts.get(p.id);
      const keys = panelLines(p.id).map((l) => l.key);
      return !c || c.keys.join() !== keys.join();
    });
    if (need) buildCharts();
    else for (const [, c] of page.charts) c.chart.setData([s.times].concat(c.keys.map((k) => s.lines.get(k).values)));
    let note = document.querySelector(".series-error");
    const text = error
      ? `Prometheus could not be read: ${error} (showing what was read before)`
      : s.times.length
        ? ""
        : "No samples yet: Prometheus scrapes every 2 s and starts about 5 s after the lab; the charts fill in within seconds.";
    if (text) {
      if (!note) {
        note = document.createElement("div");
        note.className = "series-error";
        $("charts").prepend(note);
      }
      note.textContent = text;
    } else if (note) note.remove();
  }

  function onSeries(answer) {
    if (!answer.monitoring) {
      if (page.monitoring !== false) noMonitoring();
      $("charts-caption").hidden = true;
      page.monitoring = false;
      return;
    }
    page.monitoring = true;
    mergeSeries(answer);
    drawCharts(answer.error);
    drawStats();
  }

  // ------------------------------------------------------------------ alerts and events

  function onEvents(answer) {
    const box = $("alerts");
    if (!answer.monitoring) {
      const n = document.createElement("span");
      n.className = "none";
      n.textContent = "no monitoring, no alerts";
      box.replaceChildren(n);
      $("alerts-count").textContent = "";
    } else if (answer.alertsError) {
      const n = document.createElement("span");
      n.className = "none";
      n.textContent = `alerts unavailable: ${answer.alertsError}`;
      box.replaceChildren(n);
    } else if (!answer.alerts.length) {
      const n = document.createElement("span");
      n.className = "none";
      n.textContent = "none firing";
      box.replaceChildren(n);
      $("alerts-count").textContent = "";
    } else {
      box.replaceChildren(
        ...answer.alerts.map((a) => {
          const s = document.createElement("span");
          s.className = `alert ${a.state}`;
          s.textContent = `${a.name}${a.state === "pending" ? " (pending)" : ""}`;
          s.title = a.summary;
          return s;
        }),
      );
      $("alerts-count").textContent = `${answer.alerts.filter((a) => a.state === "firing").length} firing`;
    }
    page.markers = answer.events.filter((e) => MARKER_COLORS[e.kind]).map((e) => ({ t: e.time / 1000, kind: e.kind }));
    const list = $("events");
    const items = answer.events.slice(0, 80).map((e) => {
      const key = `${e.time}|${e.kind}|${e.message}`;
      const li = document.createElement("li");
      if (!page.firstEvents && !page.seenEvents.has(key)) li.className = "fresh";
      page.seenEvents.add(key);
      const t = document.createElement("time");
      t.textContent = clock(e.time);
      const k = document.createElement("span");
      k.className = `kind ${e.kind}`;
      k.textContent = e.kind;
      const m = document.createElement("span");
      m.className = "msg";
      m.textContent = e.message;
      if (e.source) {
        const src = document.createElement("span");
        src.className = "src";
        src.textContent = e.source;
        m.appendChild(src);
      }
      li.append(t, k, m);
      return li;
    });
    list.replaceChildren(...items);
    page.firstEvents = false;
  }

  // ------------------------------------------------------------------ polling

  let polling = false;
  async function poll() {
    if (polling) return;
    polling = true;
    const since = page.series.times.length ? page.series.times[page.series.times.length - 1] - 12 : 0;
    try {
      const [state, series, events] = await Promise.allSettled([getJson("/api/state"), getJson(`/api/series?since=${since}`), getJson("/api/events")]);
      if (state.status === "fulfilled") drawState(state.value);
      else {
        $("headline").className = "headline unknown";
        $("headline-text").textContent = `dashboard server unreachable: ${state.reason.message}`;
      }
      if (series.status === "fulfilled") onSeries(series.value);
      if (events.status === "fulfilled") onEvents(events.value);
    } finally {
      polling = false;
    }
  }

  let resizeTimer;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const [, c] of page.charts) c.chart.setSize({ width: chartWidth(), height: 180 });
    }, 150);
  });

  // a read-only dashboard (--read-only) refuses the buttons anyway; the panel is not shown
  if (READ_ONLY) $("faults-card").hidden = true;
  poll();
  setInterval(poll, POLL_MS);
})();
