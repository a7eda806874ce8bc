// foobar.com guestbook: asks /api/whoami a few times to show how requests spread over the servers.
// Served by nginx from /var/www/foobar/static. Builds the list with textContent only.
/* global document, fetch */
(() => {
  "use strict";
  const button = document.getElementById("ask");
  const list = document.getElementById("answers");
  if (!button || !list) return;
  button.addEventListener("click", async () => {
    const times = Number(button.getAttribute("data-times")) || 10;
    button.disabled = true;
    list.textContent = "";
    const counts = new Map();
    for (let i = 0; i < times; i++) {
      const item = document.createElement("li");
      try {
        const res = await fetch("/api/whoami", { cache: "no-store" });
        const who = await res.json();
        const path = [who.lb || "-", who.web || "-", `${who.app}/${who.pid}`].join(" > ");
        counts.set(path, (counts.get(path) || 0) + 1);
        item.textContent = path;
      } catch (e) {
        item.textContent = `failed: ${e}`;
      }
      list.appendChild(item);
    }
    const summary = document.createElement("li");
    summary.textContent = `${counts.size} different paths in ${times} requests`;
    list.appendChild(summary);
    button.disabled = false;
  });
})();
