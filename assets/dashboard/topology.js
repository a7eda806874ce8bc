/* global document, window */
// Draws the lab's topology as inline SVG: hosts in columns by tier, coloured by health, the entry address
// pointing at whoever holds it now, and the database primary marked. Only textContent is used for data.
(function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";
  const WIDTH = 1100;
  const BOX_W = 128;
  const GAP = 30;
  const TOP = 30;

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (parent) parent.appendChild(e);
    return e;
  }

  function text(parent, x, y, content, cls, anchor) {
    const t = el("text", { x, y, class: cls || "", "text-anchor": anchor || "start" }, parent);
    t.textContent = content;
    return t;
  }

  const SHORT = { "failover-controller": "failover controller", "db-agent": "db agent", "db-proxy": "db proxy", keepalived: "keepalived (VRRP)" };
  const RANK = { ok: 0, unknown: 1, failing: 3, stopped: 3, down: 4 };

  /** Services as lines: the exporters of a host folded into one line with the worst health among them. */
  function serviceLines(services) {
    const lines = [];
    const exporters = services.filter((s) => s.kind.endsWith("-exporter"));
    for (const s of services) if (!s.kind.endsWith("-exporter")) lines.push({ label: SHORT[s.kind] || s.kind, health: s.health, detail: s.detail });
    if (exporters.length) {
      const worst = exporters.reduce((a, b) => ((RANK[b.health] || 0) > (RANK[a.health] || 0) ? b : a));
      const bad = exporters.filter((s) => s.health !== "ok").map((s) => s.kind);
      lines.push({
        label: bad.length && worst.health !== "down" ? `${bad.join(", ")}` : `${exporters.length} exporter${exporters.length > 1 ? "s" : ""}`,
        health: worst.health,
        detail: exporters.map((s) => s.kind).join(", "),
      });
    }
    return lines;
  }

  function statusWords(host) {
    if (!host) return "…";
    if (host.health === "down") return host.faults.length ? `DOWN (${host.faults[0]})` : "DOWN";
    if (host.health === "paused") return "PAUSED (frozen)";
    if (host.health === "degraded") {
      const failing = host.services.filter((s) => s.health === "failing" || s.health === "stopped").map((s) => `${s.kind} ${s.health}`);
      return [...host.faults, ...failing][0] || "degraded";
    }
    return "healthy";
  }

  function clip(s, n) {
    return s.length > n ? `${s.slice(0, n - 1)}…` : s;
  }

  /** Draws (replacing what was there) the topology into `svg`. */
  function draw(svg, topo, state, selected, onSelect) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const live = new Map((state.hosts || []).map((h) => [h.name, h]));
    const hasEntry = Boolean(topo.entry);
    const colOf = (c) => (hasEntry && c > 0 ? c + 1 : c);
    const ncols = topo.columns.length + (hasEntry ? 1 : 0);
    const colW = (WIDTH - 20) / ncols;
    const colX = (c) => 10 + colOf(c) * colW + (colW - BOX_W) / 2;

    // sizes and column heights
    const boxes = new Map();
    const colHeights = new Array(ncols).fill(0);
    const lineSets = new Map();
    for (const h of topo.hosts) {
      const v = live.get(h.name);
      const lines = serviceLines(v ? v.services : h.services.map((k) => ({ kind: k, health: "unknown", detail: "" })));
      lineSets.set(h.name, lines);
      const height = 50 + 13 * lines.length + 16;
      boxes.set(h.name, { h: height });
    }
    const perCol = new Map();
    for (const h of topo.hosts) {
      const c = colOf(h.column);
      if (!perCol.has(c)) perCol.set(c, []);
      perCol.get(c).push(h);
    }
    for (const [c, hosts] of perCol) colHeights[c] = hosts.reduce((sum, h) => sum + boxes.get(h.name).h, 0) + GAP * (hosts.length - 1);
    const inner = Math.max(...colHeights, 120);
    const height = TOP + inner + 30;
    svg.setAttribute("viewBox", `0 0 ${WIDTH} ${height}`);
    for (const [c, hosts] of perCol) {
      let y = TOP + (inner - colHeights[c]) / 2 + 8;
      for (const h of hosts) {
        const b = boxes.get(h.name);
        Object.assign(b, { x: colX(h.column), y, w: BOX_W });
        y += b.h + GAP;
      }
    }

    // column titles
    topo.columns.forEach((title, c) => text(svg, 10 + colOf(c) * colW + colW / 2, 16, title, "col-title", "middle"));
    if (hasEntry) text(svg, 10 + colW + colW / 2, 16, "entry", "col-title", "middle");

    const defs = el("defs", {}, svg);
    const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
    el("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrowhead" }, marker);

    const isDown = (name) => (live.get(name) || {}).health === "down";
    const mid = (b) => b.y + b.h / 2;

    // links between hosts
    const links = el("g", {}, svg);
    for (const l of topo.links) {
      const a = boxes.get(l.from);
      const b = boxes.get(l.to);
      if (!a || !b) continue;
      const cls = `link ${l.kind}${isDown(l.from) || isDown(l.to) ? " broken" : ""}`;
      if (Math.abs(a.x - b.x) < 1) {
        // same column: only replication is drawn, straight down or up from the live primary to the replica
        if (l.kind !== "replication") continue;
        const primary = (state.database && state.database.primary) || l.from;
        const [src, dst] = primary === l.to ? [b, a] : [a, b];
        const x = a.x + a.w / 2;
        const y1 = src.y < dst.y ? src.y + src.h : src.y;
        const y2 = src.y < dst.y ? dst.y - 9 : dst.y + dst.h + 2;
        el("line", { x1: x, y1, x2: x, y2, class: cls, "marker-end": "url(#arrow)" }, links);
        text(links, x - 8, (y1 + y2) / 2 + 4, "replication", "link-label", "end");
      } else {
        const [left, right] = a.x < b.x ? [a, b] : [b, a];
        el("line", { x1: left.x + left.w, y1: mid(left), x2: right.x, y2: mid(right), class: cls }, links);
      }
    }

    // entry address
    if (hasEntry) {
      const e = topo.entry;
      const le = state.entry || { holder: null };
      const holders = e.holders.map((n) => boxes.get(n)).filter(Boolean);
      const cy = holders.length ? holders.reduce((s, b) => s + mid(b), 0) / holders.length : TOP + inner / 2;
      const ew = Math.min(colW - 16, 176);
      const ex = 10 + colW + (colW - ew) / 2;
      const g = el("g", { class: `entry${le.holder ? "" : " lost"}` }, svg);
      el("rect", { x: ex, y: cy - 34, width: ew, height: 68, rx: 14 }, g);
      text(g, ex + ew / 2, cy - 16, clip(e.fqdn, 22), "", "middle");
      text(g, ex + ew / 2, cy + 2, e.address, "addr", "middle");
      text(g, ex + ew / 2, cy + 20, le.holder ? `${e.kind === "floating" ? "floating IP" : "address"} on ${le.holder}` : "held by nobody!", "", "middle");
      const user = topo.hosts.find((h) => h.roles.includes("user"));
      const ub = user && boxes.get(user.name);
      if (ub) el("path", { d: `M ${ub.x + ub.w} ${mid(ub)} L ${ex - 2} ${cy}`, class: "entry-arrow", "marker-end": "url(#arrow)" }, svg);
      for (const name of e.holders) {
        const b = boxes.get(name);
        if (!b) continue;
        const active = le.holder === name;
        el("path", { d: `M ${ex + ew} ${cy} L ${b.x - 2} ${mid(b)}`, class: `entry-arrow${active ? "" : " standby"}`, "marker-end": active ? "url(#arrow)" : "" }, svg);
      }
    }

    // hosts
    for (const h of topo.hosts) {
      const b = boxes.get(h.name);
      const v = live.get(h.name);
      const health = v ? v.health : "unknown";
      const g = el("g", { class: `host ${health} ${h.kind}${selected === h.name ? " selected" : ""}`, "data-host": h.name, tabindex: 0 }, svg);
      g.addEventListener("click", () => onSelect(h.name));
      const title = el("title", {}, g);
      title.textContent = `${h.name} (${h.roles.join(", ")}): ${statusWords(v)}`;
      el("rect", { class: "box", x: b.x, y: b.y, width: b.w, height: b.h, rx: 8 }, g);
      if (selected === h.name) el("rect", { class: "ring", x: b.x - 5, y: b.y - 5, width: b.w + 10, height: b.h + 10, rx: 11 }, g);
      text(g, b.x + 10, b.y + 19, h.name, "name");
      text(g, b.x + 10, b.y + 33, h.addresses[0] || "", "addr");
      lineSets.get(h.name).forEach((line, i) => {
        const y = b.y + 48 + i * 13;
        el("circle", { cx: b.x + 14, cy: y - 3.5, r: 3.8, class: `svc-dot ${line.health}` }, g);
        text(g, b.x + 22, y, clip(line.label, 20), `svc ${line.health}`);
      });
      text(g, b.x + 10, b.y + b.h - 8, clip(statusWords(v), 22), "status");
      // badges: floating IP holder, database role
      const badges = [];
      if (v && v.holds.length && state.entry && state.entry.kind === "floating") badges.push({ cls: "vip", label: "VIP" });
      if (v && v.db === "primary") badges.push({ cls: "primary", label: "PRIMARY" });
      else if (v && v.db === "replica") badges.push({ cls: "replica", label: "replica" });
      let bx = b.x + b.w - 6;
      for (const badge of badges) {
        const w = badge.label.length * 6.6 + 10;
        bx -= w;
        const bg = el("g", { class: `badge ${badge.cls}` }, g);
        el("rect", { x: bx, y: b.y - 8, width: w, height: 15, rx: 4 }, bg);
        text(bg, bx + w / 2, b.y + 3, badge.label, "", "middle");
        bx -= 4;
      }
      if (h.roles.includes("monitor")) text(svg, b.x + b.w / 2, b.y + b.h + 14, "scrapes every server", "note", "middle");
    }
  }

  window.StacklabTopology = { draw, statusWords };
})();
