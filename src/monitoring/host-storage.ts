// Each host's own /var/lib/prometheus is prepared by the runtime (runtime/host-storage.ts); kept here for the runtime's service files.
export * from "../runtime/host-storage.js";
