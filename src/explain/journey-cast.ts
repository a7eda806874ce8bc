// The cast of the request's journey: which host plays each part, and the addresses between two hosts.
import type { Host } from "../model/index.js";
import { addressOf, type Facts } from "./facts.js";
import type { Hop } from "./types.js";

/** A hop before it is numbered. */
export type HopInput = Omit<Hop, "step" | "sameHost">;

/** The actors of the journey: the first of each group of identical servers stands for all. */
export interface Cast {
  user: Host;
  dns: Host;
  front: Host;
  lb: Host | null;
  web: Host;
  app: Host;
  /** Where the page's read goes: a replica when there is one. */
  reader: Host | null;
  primary: Host | null;
}

/** Picks the hosts the journey goes through. */
export function cast(f: Facts): Cast {
  const user = f.host("user");
  const dns = f.host(f.model.dns.server);
  const front = f.front;
  const lb = front.roles.includes("lb") ? front : null;
  const web = lb ? f.withRole("web")[0]! : front;
  const app = web.roles.includes("app") ? web : f.withRole("app")[0]!;
  const db = f.model.database;
  const primary = db.primary && f.usesDatabase ? f.host(db.primary) : null;
  const replicas = db.replicas.map((r) => f.host(r));
  const reader = primary ? (replicas.find((r) => r === app) ?? replicas[0] ?? primary) : null;
  return { user, dns, front, lb, web, app, reader, primary };
}

/** Address a host uses to reach another: the private side when both have one, else the public side. */
export function addr(from: Host, to: Host): { fromAddress: string; toAddress: string } {
  const bothPrivate = [from, to].every((h) => h.interfaces.some((i) => i.network === "private"));
  const net = bothPrivate ? "private" : "public";
  return { fromAddress: addressOf(from, net), toAddress: addressOf(to, net) };
}
