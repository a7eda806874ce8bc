// The journey's second half: web server to application to database, and the response back to the browser.
import { PORTS, type Host } from "../model/index.js";
import { addressOf, names, type Facts } from "./facts.js";
import { addr, type Cast, type HopInput } from "./journey-cast.js";

/** Inside the design: web server to application server, application server to database. */
export function inside(f: Facts, c: Cast): HopInput[] {
  const hops: HopInput[] = [];
  const webApp = f.flow("web-app");
  const appPort = webApp?.port ?? PORTS.app;
  const same = c.web === c.app;
  const dest = same
    ? `the application server on the same machine, port ${appPort}; the request never leaves ${c.web.name}`
    : (f.withRole("app").length > 1 ? `one of the application servers (${names(f.withRole("app"))}), here ${c.app.name}` : `the application server ${c.app.name}`) +
      ` at ${addr(c.web, c.app).toAddress}, port ${appPort}${webApp?.encrypted ? ", over HTTPS" : ", in plain HTTP"}`;
  hops.push({
    from: c.web.name,
    ...addr(c.web, c.app),
    to: c.app.name,
    transport: "tcp",
    protocol: webApp?.encrypted ? "HTTPS" : "HTTP",
    port: appPort,
    encrypted: webApp?.encrypted ?? false,
    what:
      `nginx on ${c.web.name} looks at the path to decide who answers. A static file (a style sheet, a script, an image) it would read from its own disk and send straight back, and the trip would end here. ` +
      `"/" is a dynamic page, built for each request, so nginx acts as a reverse proxy and passes the request to ${dest}.`,
  });
  if (!c.reader || !c.primary) return hops;
  const appDb = f.flow("app-db");
  const protocol = appDb?.encrypted ? "MySQL over TLS" : "MySQL";
  const port = appDb?.port ?? PORTS.mysql;
  const demo = f.model.app.type === "demo";
  const where = (h: Host) => `${h.name} (${h === c.app ? "the same machine" : addr(c.app, h).toAddress})`;
  const routing =
    c.reader !== c.primary
      ? `A read like this can go to the replica ${where(c.reader)}, which keeps the primary free for writes; ` +
        `${demo ? "a write (someone signing the guestbook)" : "a write"} would go to the primary ${where(c.primary)} instead, and reach the replica a moment later through replication.`
      : `Reads and writes all go to the one database, MariaDB on ${where(c.primary)}${c.primary === c.app ? ", so the query never touches the network" : ""}.`;
  hops.push({
    from: c.app.name,
    ...addr(c.app, c.reader),
    to: c.reader.name,
    transport: "tcp",
    protocol,
    port,
    encrypted: appDb?.encrypted ?? false,
    what:
      `The application on ${c.app.name} runs the code for the page. ${demo ? "To show the guestbook it needs the stored entries" : "It needs data"}, so it sends a SELECT query over the MySQL protocol to port ${port}` +
      `${appDb?.encrypted ? ", inside TLS" : ""}. ${routing}`,
  });
  return hops;
}

/** The response retracing the path back to the browser. */
export function back(f: Facts, c: Cast): HopInput[] {
  const hops: HopInput[] = [];
  const appDb = f.flow("app-db");
  const webApp = f.flow("web-app");
  if (c.reader) {
    hops.push({
      from: c.reader.name,
      ...addr(c.reader, c.app),
      to: c.app.name,
      transport: "tcp",
      protocol: appDb?.encrypted ? "MySQL over TLS" : "MySQL",
      port: appDb?.port ?? PORTS.mysql,
      encrypted: appDb?.encrypted ?? false,
      what: `MariaDB on ${c.reader.name} finds the rows and sends them back over the same connection.`,
    });
  }
  hops.push({
    from: c.app.name,
    ...addr(c.app, c.web),
    to: c.web.name,
    transport: "tcp",
    protocol: webApp?.encrypted ? "HTTPS" : "HTTP",
    port: webApp?.port ?? PORTS.app,
    encrypted: webApp?.encrypted ?? false,
    what: `The application ${c.reader ? "fills its page template with the rows and " : "runs the code for the page and "}returns the finished HTML to nginx as an HTTP response, "200 OK".`,
  });
  const mode = f.model.tls.mode;
  const https = f.flow("user-https");
  if (c.lb) {
    const lbWeb = f.flow("lb-web");
    const how =
      mode === "reencrypt"
        ? ", encrypted on the TLS connection the load balancer opened"
        : mode === "passthrough"
          ? `, encrypting it with the session keys it agreed with the browser`
          : ", in plain HTTP";
    hops.push({
      from: c.web.name,
      ...addr(c.web, c.lb),
      to: c.lb.name,
      transport: "tcp",
      protocol: lbWeb?.protocol === "https" ? (mode === "passthrough" ? "TCP" : "HTTPS") : "HTTP",
      port: lbWeb?.port ?? PORTS.http,
      encrypted: lbWeb?.encrypted ?? false,
      what: `nginx on ${c.web.name} sends the response back to ${c.lb.name}${how}.`,
    });
  }
  const last = c.lb ?? c.web;
  const sealed = !https
    ? "as plain text"
    : mode === "passthrough" && c.lb
      ? "still sealed with the keys only the browser and the web server know"
      : "encrypted with the session keys agreed in the TLS handshake";
  hops.push({
    from: last.name,
    fromAddress: f.entry.address,
    to: c.user.name,
    toAddress: addressOf(c.user),
    transport: "tcp",
    protocol: https ? "HTTPS" : "HTTP",
    port: https?.port ?? f.flow("user-http")?.port ?? PORTS.http,
    encrypted: Boolean(https),
    what:
      `${last.name} sends the response to the browser from ${f.entry.address}, ${sealed}. The browser ${https ? "decrypts it and " : ""}draws the page, then asks for the style sheets, scripts and images the page refers to, ` +
      `over the same connection: each is a static file that nginx on ${f.withRole("web").length === 1 ? c.web.name : "the web servers"} answers itself, without the application.`,
  });
  return hops;
}
