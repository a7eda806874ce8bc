// A design without its servers' sizes (`up --no-sizes`): every host may use the whole machine.
import type { Stack } from "./schema.js";

/** The design with no `size` on any server group or on the load balancers; the same object when it had none. */
export function withoutSizes(stack: Stack): Stack {
  if (!hasSizes(stack)) return stack;
  const { size: _lb, ...loadBalancer } = stack.loadBalancer ?? {};
  return {
    ...stack,
    servers: stack.servers.map(({ size: _size, ...g }) => g),
    ...(stack.loadBalancer ? { loadBalancer: loadBalancer as NonNullable<Stack["loadBalancer"]> } : {}),
  };
}

/** Whether the design gives any server a size. */
export function hasSizes(stack: Stack): boolean {
  return stack.servers.some((g) => g.size !== undefined) || stack.loadBalancer?.size !== undefined;
}
