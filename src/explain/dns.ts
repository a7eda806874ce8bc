// Section "What www is in DNS": the record type of the site's name, where it points, A versus CNAME.
import type { DnsRecordModel } from "../model/index.js";
import { pointsToText, type Facts } from "./facts.js";
import type { Block, Section } from "./types.js";

/** Explains the site's DNS record from model.dns.records (following CNAMEs to the address). */
export function dnsSection(f: Facts): Section {
  const { dns, domain } = f.model;
  const www = f.chain[0];
  const blocks: Block[] = [];
  if (!www) {
    blocks.push({ kind: "paragraph", text: `The zone ${domain} has no record for ${f.site}: visitors could not find the site by that name.` });
  } else if (www.type === "A") {
    blocks.push({ kind: "paragraph", text: `${f.site} is an A record ("A" for address): it maps the name straight to an IPv4 address. ${aRecordTarget(www)}` });
  } else {
    const final = f.chain.at(-1)!;
    blocks.push({
      kind: "paragraph",
      text:
        `${f.site} is a CNAME record (canonical name): an alias that holds another name instead of an address. It says "${f.site} is really ${www.values[0]}", ` +
        `so the resolver carries on with that name` +
        (final.type === "A" ? `, which is an A record for ${pointsToText(final)}. The user gets both records in one answer.` : `, which has no address record in the zone: the lookup would fail.`),
    });
  }
  if (f.siteAddresses.length > 1)
    blocks.push({
      kind: "paragraph",
      text:
        `With ${f.siteAddresses.length} addresses in the answer, resolvers hand them out in varying order and each browser tries the first it gets, so visitors are spread over them (DNS round robin). ` +
        `A browser that cannot connect to one address tries the next. DNS itself does not know whether an address works.`,
    });
  blocks.push({
    kind: "paragraph",
    text:
      `The difference between the two types: an A record holds an address and ends the lookup; a CNAME holds a name and sends the lookup on to that name. ` +
      `A CNAME is handy when several names should follow one (change the one A record and every alias follows), at the cost of an extra step. ` +
      `The bare domain ${domain} (the zone apex) cannot be a CNAME, because it must also carry the zone's own records.`,
  });
  const floating = f.model.entryPoints.some((e) => e.kind === "floating");
  blocks.push({
    kind: "paragraph",
    text:
      `The zone is served by the ${dns.server} host at ${dns.address}. Every answer carries a TTL of ${dns.ttl} seconds: resolvers and browsers may reuse it for that long, so a changed address takes up to ${dns.ttl} seconds to reach everyone.` +
      (floating ? ` That is why this design moves a floating IP between load balancers when one fails, instead of changing the DNS record: the address visitors have cached stays right.` : ""),
  });
  blocks.push({ kind: "paragraph", text: `All the records of ${domain}:` });
  blocks.push({ kind: "bullets", items: dns.records.map(recordLine) });
  return { id: "dns", title: `What ${f.site} is in DNS`, blocks };
}

function aRecordTarget(r: DnsRecordModel): string {
  return r.values.length === 1 ? `It points to ${pointsToText(r)}.` : `It lists ${r.values.length} addresses: ${pointsToText(r)}.`;
}

function recordLine(r: DnsRecordModel): string {
  return r.type === "CNAME" ? `${r.fqdn}: CNAME to ${r.values[0]} (an alias: look up ${r.values[0]} instead)` : `${r.fqdn}: A record, ${pointsToText(r)}`;
}
