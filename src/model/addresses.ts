// Address allocation: every lab gets its own /22 inside 198.18.0.0/15 (RFC 2544 benchmarking space).

/** How many labs fit side by side: 198.18.0.0/15 holds 128 blocks of /22. */
export const LAB_SLOTS = 128;
const BASE = ipToInt("198.18.0.0");

/** Turns a dotted quad into an unsigned 32-bit integer. */
export function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

/** Turns an unsigned 32-bit integer into a dotted quad. */
export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** The lab's block and its two /24 segments for a slot number (0..127). */
export function labBlock(slot: number): { block: string; public: string; private: string; publicBase: number; privateBase: number } {
  if (!Number.isInteger(slot) || slot < 0 || slot >= LAB_SLOTS) throw new RangeError(`lab slot ${slot} is outside 0..${LAB_SLOTS - 1}`);
  const base = BASE + slot * 1024;
  return {
    block: `${intToIp(base)}/22`,
    public: `${intToIp(base)}/24`,
    private: `${intToIp(base + 256)}/24`,
    publicBase: base,
    privateBase: base + 256,
  };
}

/** True when an address lies inside 198.18.0.0/15. */
export function inLabRange(ip: string): boolean {
  const n = ipToInt(ip);
  return n >= BASE && n < BASE + 2 ** 17;
}
