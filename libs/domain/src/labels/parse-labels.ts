import { validateLabelKey, validateLabelValue } from './label-syntax';

/**
 * Parses "k=v,k2=v2" (as given to `--labels`) into a label map. Whitespace around items is
 * ignored; an empty string gives {}. Keys and values must be valid Kubernetes label syntax.
 * @throws Error naming the offending item (missing '=', duplicate key, invalid key or value).
 */
export function parseLabels(input: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const text = input.trim();
  if (text === '') return labels;
  for (const raw of text.split(',')) {
    const item = raw.trim();
    const fail = (why: string) => new Error(`invalid labels ${JSON.stringify(input)}: ${why}`);
    if (item === '') throw fail('empty item (stray comma?)');
    const eq = item.indexOf('=');
    if (eq < 0) throw fail(`"${item}" is missing '=' (write key=value)`);
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    const problem = validateLabelKey(key) ?? validateLabelValue(value);
    if (problem) throw fail(problem);
    if (Object.prototype.hasOwnProperty.call(labels, key)) throw fail(`duplicate key "${key}"`);
    labels[key] = value;
  }
  return labels;
}

/** Formats a label map as "k=v,k2=v2" with keys sorted; the inverse of parseLabels. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}
