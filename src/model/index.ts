// The model layer: a normalized topology derived from a spec.
export * from "./types.js";
export { buildModel, type BuildOptions } from "./build.js";
export { labBlock, inLabRange, ipToInt, intToIp, LAB_SLOTS } from "./addresses.js";
export { PORTS } from "../spec/ports.js";
