import { createHash } from 'node:crypto';

/** Deeper bodies are refused before they are walked (the validation pipe refuses them anyway). */
export const MAX_FINGERPRINT_DEPTH = 64;

export class TooDeepError extends Error {}

/** JSON with object keys sorted at every depth: equal for bodies that differ only in key order. */
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > MAX_FINGERPRINT_DEPTH) throw new TooDeepError(`request body nests deeper than ${MAX_FINGERPRINT_DEPTH} levels`);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null, depth + 1)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** What makes two requests "the same" for an Idempotency-Key: method, path and body. */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method.toUpperCase()} ${path}\n${canonicalJson(body ?? null)}`).digest('hex');
}
