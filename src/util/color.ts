// Terminal styling for text output, shared by every layer that formats a result (colours only on a terminal).

/** True when colours may be used on stdout: a terminal, and NO_COLOR unset. */
export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !("NO_COLOR" in process.env) && process.env.TERM !== "dumb";
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
/** Wraps text in an ANSI colour when colours are on. */
export function color(name: keyof typeof CODES, text: string): string {
  return useColor() ? `\u001b[${CODES[name]}m${text}\u001b[0m` : text;
}
