// The guestbook's HTML pages. Every value that came from a user or a header goes through escapeHtml.
import type { ServedBy } from "./served-by.js";
import type { Entry } from "./types.js";
import { LIMITS } from "./schema.js";

/** Escapes text for HTML element content and double- or single-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function cell(value: string | null): string {
  return value === null ? '<span class="none">none</span>' : escapeHtml(value);
}

/** The "served by" box: load balancer, web, app (host and pid), database and version. */
export function servedByBox(s: ServedBy): string {
  const db = s.db === null ? null : `${s.db}${s.dbRole ? ` (${s.dbRole})` : ""}`;
  return `<section class="served-by" aria-label="Served by">
  <h2>Served by</h2>
  <dl>
    <dt>load balancer</dt><dd data-hop="lb">${cell(s.lb)}</dd>
    <dt>web server</dt><dd data-hop="web">${cell(s.web)}</dd>
    <dt>app server</dt><dd data-hop="app">${escapeHtml(s.app)} <small>pid ${s.pid}</small></dd>
    <dt>database</dt><dd data-hop="db">${cell(db)}</dd>
    <dt>version</dt><dd data-hop="version">${escapeHtml(s.version)}</dd>
  </dl>
</section>`;
}

function entryItem(e: Entry): string {
  return `<li><p class="message">${escapeHtml(e.message)}</p><p class="meta">#${e.id} by <strong>${escapeHtml(e.author)}</strong> at <time datetime="${escapeHtml(e.createdAt)}">${escapeHtml(e.createdAt)}</time> via ${escapeHtml(e.appHost)}</p></li>`;
}

/** What the home page shows. */
export interface HomePage {
  servedBy: ServedBy;
  entries: Entry[] | null;
  /** Shown above the form (a rejected submission, a database outage). */
  notice?: string;
  form?: { author: string; message: string };
}

function layout(title: string, main: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/style.css">
<script src="/static/app.js" defer></script>
</head>
<body>
<header><img src="/static/logo.svg" alt="foobar.com" width="160" height="40"><span>a guestbook that tells you who served it</span></header>
<main>
${main}
</main>
</body>
</html>
`;
}

/** The home page: the form, the latest entries and the served-by box. */
export function renderHome(page: HomePage): string {
  const form = page.form ?? { author: "", message: "" };
  const notice = page.notice ? `<p class="notice" role="alert">${escapeHtml(page.notice)}</p>` : "";
  const list =
    page.entries === null
      ? '<p class="none">The entries cannot be read right now.</p>'
      : page.entries.length === 0
        ? '<p class="none">No entries yet: be the first.</p>'
        : `<ol class="entries">${page.entries.map(entryItem).join("\n")}</ol>`;
  return layout(
    "foobar.com guestbook",
    `${servedByBox(page.servedBy)}
<section class="sign">
  <h1>Sign the guestbook</h1>
  ${notice}
  <form method="post" action="/entries">
    <label>Name <input name="author" required maxlength="${LIMITS.author}" value="${escapeHtml(form.author)}"></label>
    <label>Message <textarea name="message" required maxlength="${LIMITS.message}" rows="3">${escapeHtml(form.message)}</textarea></label>
    <button type="submit">Sign</button>
  </form>
</section>
<section class="latest">
  <h2>Latest entries</h2>
  ${list}
</section>
<section class="whoami">
  <h2>Ask again</h2>
  <p>Each request may take another path through the servers.</p>
  <button type="button" id="ask" data-times="10">Ask 10 times</button>
  <ul id="answers"></ul>
</section>`,
  );
}

/** A small error page with the served-by box. */
export function renderError(title: string, detail: string, s: ServedBy): string {
  return layout(title, `${servedByBox(s)}\n<section><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p><p><a href="/">Back to the guestbook</a></p></section>`);
}
