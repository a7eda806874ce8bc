// Server sizes: how much CPU and memory a host of the design may use, as a real server of that size would have.
import { z } from "zod";

const UNITS: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** Bytes of a size written like Kubernetes quantities: 512Mi, 1Gi, 1.5Gi (binary units only). */
export function parseMemory(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)$/.exec(text);
  return m ? Math.round(Number(m[1]) * UNITS[m[2]!]!) : undefined;
}

/** A size in words: 512Mi, 1.5Gi. */
export function formatMemory(bytes: number): string {
  if (bytes >= UNITS.Gi! && bytes % (UNITS.Gi! / 4) === 0) return `${bytes / UNITS.Gi!}Gi`;
  return `${Math.round(bytes / UNITS.Mi!)}Mi`;
}

/** The smallest memory a host may have: MariaDB and the app's workers start in less, not much less. */
export const MIN_MEMORY = 64 * 1024 ** 2;

export const Size = z
  .strictObject({
    cpu: z
      .number({ error: "must be a number of cores, e.g. cpu: 0.5 (half a core) or cpu: 2" })
      .gt(0, "must be more than 0 cores, e.g. cpu: 0.5")
      .max(64, "at most 64 cores, e.g. cpu: 2")
      .describe("CPU in cores, fractions allowed: 0.5 is half of one core (enforced as a CFS quota)"),
    memory: z
      .string({ error: "must be a size such as 512Mi or 1Gi" })
      .max(16)
      .refine((v) => parseMemory(v) !== undefined, "must be a size such as 512Mi or 1Gi (Ki, Mi or Gi)")
      .refine((v) => (parseMemory(v) ?? MIN_MEMORY) >= MIN_MEMORY, "must be at least 64Mi, e.g. 256Mi")
      .refine((v) => (parseMemory(v) ?? 0) <= 1024 ** 4, "must be at most 1024Gi, e.g. 4Gi")
      .describe("Memory, e.g. 512Mi or 1Gi: past it the kernel kills the host's processes, as on a real server"),
  })
  .describe("The size of each server: the lab enforces it with the kernel's cgroups");
export type Size = z.infer<typeof Size>;
