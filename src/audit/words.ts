// Small wording helpers for the audit's sentences.

/** "1 host", "3 hosts": a count with its noun, plural when needed (`many` for irregular plurals). */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "all 3 TLS endpoints" or "the 1 TLS endpoint". */
export function allOf(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? `the 1 ${one}` : `all ${n} ${many}`;
}
