// Checks a submitted guestbook entry (JSON API or HTML form) against the column sizes.
import { LIMITS } from "./schema.js";

/** A valid submission, trimmed. */
export interface Submission {
  author: string;
  message: string;
}

/** The submission, or the reason it was refused (shown to the user). */
export type SubmissionResult = { ok: true; value: Submission } | { ok: false; error: string };

function field(name: keyof typeof LIMITS, value: unknown): string | { error: string } {
  if (typeof value !== "string") return { error: `${name} must be a string` };
  const trimmed = value.trim();
  const length = [...trimmed].length;
  if (length === 0) return { error: `${name} must not be empty` };
  if (length > LIMITS[name]) return { error: `${name} must be at most ${LIMITS[name]} characters (got ${length})` };
  return trimmed;
}

/** Validates `{author, message}` from any source. */
export function validateSubmission(input: unknown): SubmissionResult {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return { ok: false, error: "expected an object {author, message}" };
  const record = input as Record<string, unknown>;
  const author = field("author", record.author);
  if (typeof author !== "string") return { ok: false, error: author.error };
  const message = field("message", record.message);
  if (typeof message !== "string") return { ok: false, error: message.error };
  return { ok: true, value: { author, message } };
}

/** Parses a `?limit=N` value: default 20, 1 to 100. */
export function parseLimit(raw: string | null): number | { error: string } {
  if (raw === null || raw === "") return 20;
  if (!/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > 100) return { error: "limit must be an integer from 1 to 100" };
  return Number(raw);
}
