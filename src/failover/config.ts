// The failover's configuration files are rendered with the others, in render/config/failover.ts; kept here for the runtime's service files.
export * from "../render/config/failover.js";
