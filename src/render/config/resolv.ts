// The visitor's name resolution: the lab's DNS server only, and an /etc/hosts that knows nothing but localhost.
import type { Model } from "../../model/index.js";
import { header, text } from "./common.js";
import type { RenderedFile } from "./types.js";

/** Renders /etc/resolv.conf and /etc/hosts for the `user` host, so every name goes through the lab's DNS. */
export function renderResolv(model: Model): RenderedFile[] {
  const resolv = [
    header(model),
    `# The visitor asks the lab's DNS server (${model.dns.server}) for every name, as a browser would.`,
    `nameserver ${model.dns.address}`,
    "# fail fast when the DNS server is down, so experiments see the outage",
    "options timeout:1 attempts:2",
  ];
  const hosts = [header(model), "# Only localhost: the site's names must come from DNS.", "127.0.0.1 localhost", "::1 localhost ip6-localhost ip6-loopback"];
  return [
    { path: "/etc/resolv.conf", content: text(resolv) },
    { path: "/etc/hosts", content: text(hosts) },
  ];
}
