// One line per event on stdout: `<ISO time> <source> <event> key=value ...`.

/** Values a log field may carry. */
export type LogValue = string | number | boolean | null | undefined;

function formatValue(value: LogValue): string {
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

/** Formats one event line (no trailing newline); fields with undefined values are left out. */
export function formatEvent(source: string, event: string, fields: Record<string, LogValue> = {}, now = new Date()): string {
  const parts = [now.toISOString(), source, event];
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) parts.push(`${key}=${formatValue(value)}`);
  }
  return parts.join(" ");
}

/** Writes one event line to stdout. */
export function logEvent(source: string, event: string, fields: Record<string, LogValue> = {}): void {
  process.stdout.write(`${formatEvent(source, event, fields)}\n`);
}
