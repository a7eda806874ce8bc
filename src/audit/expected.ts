// What the design allows, from the model's flows alone: which host may reach which address and port.
import { ipToInt } from "../model/addresses.js";
import type { Flow, Model } from "../model/types.js";
import { flowDestinations } from "../render/config/nftables.js";

/** True for the lab's own hosts that stand for the outside world (the visitor, the DNS server), not for servers of the design. */
export function outsider(model: Model, host: string): boolean {
  const roles = model.hosts.find((h) => h.name === host)?.roles ?? [];
  return roles.includes("user") || roles.includes("dns");
}

/**
 * The flow that lets `from` reach `to` at address:port, or undefined when the design declares none.
 * Visitors' flows come from anywhere outside the design; the design's own servers only open the flows they start.
 */
export function declaredFlow(model: Model, from: string, to: string, address: string, port: number, transport: Flow["transport"]): Flow | undefined {
  return model.flows.find(
    (f) =>
      f.transport === transport &&
      f.port === port &&
      (f.from.role === "user" ? outsider(model, from) : f.from.hosts.includes(from)) &&
      f.to.hosts.includes(to) &&
      flowDestinations(model, f, to).includes(address),
  );
}

/** True when an address lies in one of the subnets a host has an interface on (so it can be reached without routing). */
export function onLink(address: string, own: { address: string; prefix: number }[]): boolean {
  const target = ipToInt(address);
  return own.some((a) => {
    const size = 2 ** (32 - a.prefix);
    return Math.floor(target / size) === Math.floor(ipToInt(a.address) / size);
  });
}

/** The host that owns an address (its own interface, or a floating IP it may hold), or undefined. */
export function hostOfAddress(model: Model, address: string): string | undefined {
  return model.hosts.find((h) => h.interfaces.some((i) => i.address === address))?.name ?? model.entryPoints.find((e) => e.address === address)?.holders[0];
}
