// The app's env file (/etc/stacklab/app.env): KEY=VALUE lines, merged under the real environment.
import { readFileSync } from "node:fs";

/** One line the parser could not read, with its 1-based line number. */
export interface EnvFileProblem {
  line: number;
  message: string;
}

/** Parses KEY=VALUE lines; `#` starts a comment line, blank lines are skipped, values may be quoted. */
export function parseEnvFile(text: string): { values: Record<string, string>; problems: EnvFileProblem[] } {
  const values: Record<string, string> = {};
  const problems: EnvFileProblem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([\s\S]*)$/.exec(line);
    if (!match) {
      problems.push({ line: index + 1, message: `expected KEY=VALUE, got ${JSON.stringify(line.slice(0, 60))}` });
      return;
    }
    const [, key, rawValue] = match as unknown as [string, string, string];
    values[key] = unquote(rawValue);
  });
  return { values, problems };
}

function unquote(value: string): string {
  if (value.length >= 2) {
    const first = value[0];
    const last = value[value.length - 1];
    if (first === "'" && last === "'") return value.slice(1, -1);
    if (first === '"' && last === '"') {
      const escapes: Record<string, string> = { n: "\n", r: "\r", t: "\t" };
      return value.slice(1, -1).replace(/\\(["\\nrt])/g, (_, c: string) => escapes[c] ?? c);
    }
  }
  return value;
}

/** Reads an env file and lays the real environment over it (the real environment wins). */
export function loadEnv(file: string | undefined, environment: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const merged: Record<string, string> = {};
  if (file !== undefined) {
    const { values, problems } = parseEnvFile(readFileSync(file, "utf8"));
    if (problems.length > 0) {
      throw new Error(problems.map((p) => `${file}:${p.line}: ${p.message}`).join("\n"));
    }
    Object.assign(merged, values);
  }
  for (const [key, value] of Object.entries(environment)) {
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/** Writes KEY=VALUE lines (sorted keys) that parseEnvFile reads back exactly. */
export function formatEnvFile(values: Record<string, string | number | undefined>): string {
  return Object.keys(values)
    .sort()
    .flatMap((key) => {
      const value = values[key];
      return value === undefined ? [] : [`${envLine(key, String(value))}\n`];
    })
    .join("");
}

/**
 * One KEY=VALUE line that parseEnvFile reads back as exactly `value`: double-quoted and escaped whenever the value
 * holds a space, a quote, `#`, a backslash or a control character, or could be read as quoted. The key must be a name.
 */
export function envLine(key: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`env file: ${JSON.stringify(key)} is not a variable name`);
  // eslint-disable-next-line no-control-regex -- control characters are what must be escaped
  if (!/[\s"'#\\\u0000-\u001f\u007f]/.test(value)) return `${key}=${value}`;
  const escaped = value
    .replace(/(["\\])/g, "\\$1")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t");
  return `${key}="${escaped}"`;
}
