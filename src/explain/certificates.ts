// Which hosts hold a TLS certificate in a design, and what each certificate is used for.
import type { Facts } from "./facts.js";

export interface CertificateUse {
  hosts: string[];
  /** What the certificate secures, as a phrase: "the visitors' HTTPS connections". */
  purpose: string;
  /** True for the certificate browsers see (it must be for the site's name and publicly trusted). */
  public: boolean;
}

/** Lists the certificates a design needs, by the hosts that hold them. */
export function certificateUses(f: Facts): CertificateUse[] {
  const { tls, loadBalancer } = f.model;
  const lbs = f.withRole("lb").map((h) => h.name);
  const webs = f.withRole("web").map((h) => h.name);
  const uses: CertificateUse[] = [];
  const site = "the visitors' HTTPS connections";
  if (tls.mode === "none") return uses;
  if (tls.mode === "passthrough" || !loadBalancer) uses.push({ hosts: webs, purpose: site, public: true });
  else uses.push({ hosts: lbs, purpose: site, public: true });
  if (tls.mode === "reencrypt" && loadBalancer) uses.push({ hosts: webs, purpose: "the load balancers' new TLS connections to the web servers", public: false });
  if (tls.internal) {
    uses.push({ hosts: f.withRole("app").map((h) => h.name), purpose: "HTTPS between the web servers and the application", public: false });
    const dbs = f.withRole("db").map((h) => h.name);
    if (dbs.length) uses.push({ hosts: dbs, purpose: "MySQL over TLS, for queries and replication", public: false });
  }
  return uses;
}

/** The certificate uses that concern one host. */
export function certificatesOn(f: Facts, host: string): CertificateUse[] {
  return certificateUses(f).filter((u) => u.hosts.includes(host));
}
