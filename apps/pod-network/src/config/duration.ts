const UNITS_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/** A Go duration ("5s", "1m30s", "250ms") in milliseconds, or null when the text is not one. */
export function parseDuration(text: string): number | null {
  if (text === '0') return 0;
  if (text === '') return null;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const match = PART.exec(text);
    if (!match || match.index !== start) return null;
    total += Number(match[1]) * UNITS_MS[match[2]!]!;
  }
  return total;
}
