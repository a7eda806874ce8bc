// The journey of one request, hop by hop, from the user typing the site's name to the database and back.
import { list, type Facts } from "./facts.js";
import { back, inside } from "./journey-back.js";
import { cast, type HopInput } from "./journey-cast.js";
import { connect, lookup } from "./journey-front.js";
import type { Hop, Journey } from "./types.js";

/** Builds the hop-by-hop journey of one page view for the design. */
export function journeyOf(f: Facts): Journey {
  const c = cast(f);
  const hops: HopInput[] = [lookup(f, c), ...connect(f, c), ...inside(f, c), ...back(f, c)];
  const numbered: Hop[] = hops.map((h, i) => ({ step: i + 1, ...h, sameHost: h.from === h.to }));
  return {
    title: `The journey of one request to ${f.site}`,
    intro:
      `What happens, hop by hop, when someone types ${f.site} into a browser and presses Enter. Addresses and ports are this design's own; ` +
      `where several servers do the same job, the first one stands for all of them.`,
    hops: numbered,
    outro: summary(numbered),
  };
}

function summary(hops: Hop[]): string {
  // A TCP handshake carries no data of the visitor's, so only hops that carry data count as sent in clear.
  const plain = hops.filter((h) => !h.encrypted && !h.sameHost && h.protocol !== "TCP");
  const local = hops.filter((h) => h.sameHost);
  const plainText = plain.length
    ? `Data crossing a network unencrypted: ${list(plain.map((h) => `step ${h.step} (${h.protocol}, ${h.from} to ${h.to})`))}.`
    : "Every hop that crossed a network was encrypted.";
  const localText = local.length ? ` ${local.length === 1 ? "Step" : "Steps"} ${list(local.map((h) => String(h.step)))} stayed inside one machine.` : "";
  return `In all, ${hops.length} hops. ${plainText}${localText}`;
}
