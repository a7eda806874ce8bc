// The one shell-quoting helper: every value that reaches a shell script (run scripts, a host's init) goes through it.

/**
 * Quotes a value as one word of a POSIX shell: inside single quotes nothing is special, and a single quote
 * is written as '\'' (close, escaped quote, reopen). Words made only of safe characters stay bare, so
 * scripts keep reading naturally. NUL cannot be passed to a shell at all and is refused.
 */
export function shellQuote(value: string | number): string {
  const text = String(value);
  if (text.includes("\0")) throw new Error(`a shell word cannot hold a NUL character: ${JSON.stringify(text.slice(0, 40))}`);
  if (text !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** A command line of quoted words. */
export function shellJoin(words: readonly (string | number)[]): string {
  return words.map(shellQuote).join(" ");
}
