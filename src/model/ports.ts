// The well-known ports now live in the spec layer (spec/ports.ts), which checks firewall rules against them; kept here for the runtime's service files.
export { PORTS } from "../spec/ports.js";
