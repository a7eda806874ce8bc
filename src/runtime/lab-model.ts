// The model of a running lab: its spec, in its address block, with the addresses its hosts actually have.
import { buildModel } from "../model/build.js";
import type { Model } from "../model/types.js";
import type { LabState } from "./state.js";

/** Builds a running lab's model; after `scale` or `apply`, hosts keep the addresses they were given. */
export function labModel(state: Pick<LabState, "spec" | "slot" | "addresses">): Model {
  return buildModel(state.spec, { slot: state.slot, ...(state.addresses ? { pinned: state.addresses } : {}) });
}

/** The addresses of a model's hosts, to record in the lab's state. */
export function modelAddresses(model: Model): NonNullable<LabState["addresses"]> {
  return Object.fromEntries(model.hosts.map((h) => [h.name, Object.fromEntries(h.interfaces.map((i) => [i.network, i.address]))]));
}
