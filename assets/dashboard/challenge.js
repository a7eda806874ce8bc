/* global document, fetch, setInterval */
// The challenge card: the learner's current challenge (`stacklab challenge start`) and what its last
// `stacklab challenge check` found, polled from /api/challenge every few seconds. Hidden when none is started.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  function draw(c) {
    const card = $("challenge-card");
    card.hidden = !c;
    if (!c) return;
    $("challenge-state").textContent = c.solved ? "solved" : c.lastCheck ? "not yet" : "started";
    const parts = [el("div", "challenge-title", c.title), el("div", "challenge-goal", c.goal)];
    if (!c.lastCheck) parts.push(el("div", "challenge-none", "not checked yet: stacklab challenge check"));
    else {
      const list = el("ul", "challenge-checks");
      for (const k of c.lastCheck.checks) {
        const li = el("li", k.passed ? "pass" : "fail");
        li.append(el("span", "mark", k.passed ? "PASS" : "FAIL"), el("span", "says", k.says));
        const lines = el("ul", "lines");
        for (const l of k.lines) lines.append(el("li", l.passed ? "pass" : "fail", l.text));
        li.append(lines);
        list.append(li);
      }
      parts.push(list, el("div", "challenge-when", `checked on lab ${c.lastCheck.lab} at ${new Date(c.lastCheck.at).toLocaleTimeString()}`));
    }
    $("challenge").replaceChildren(...parts);
  }

  async function poll() {
    try {
      const r = await fetch("/api/challenge", { headers: { accept: "application/json" }, cache: "no-store" });
      if (r.ok) draw((await r.json()).challenge);
    } catch {
      // the main poll reports an unreachable server
    }
  }
  poll();
  setInterval(poll, 3000);
})();
