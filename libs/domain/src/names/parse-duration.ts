const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];
// `ms` must be tried before `m`.
const PART = /^(\d+(?:\.\d+)?)(ms|d|h|m|s)/;
const EXAMPLES = 'e.g. "45s", "30m", "2h", "1h30m", "7d"';

export type DurationParseResult = { ok: true; ms: number } | { ok: false; error: string };

/**
 * Parses a duration such as "45s", "30m", "2h", "1h30m", "7d" or "1.5h" into milliseconds,
 * without throwing. Units are d, h, m, s and ms, each at most once, largest first; "0" alone
 * is zero. Fractions round to the nearest millisecond.
 */
export function tryParseDuration(input: string): DurationParseResult {
  const fail = (why: string): DurationParseResult => ({
    ok: false,
    error: `invalid duration ${JSON.stringify(input)}: ${why} (${EXAMPLES})`,
  });
  if (typeof input !== 'string') return fail('not a string');
  const text = input.trim();
  if (text === '') return fail('empty');
  if (text === '0') return { ok: true, ms: 0 };
  if (text.startsWith('-')) return fail('must not be negative');

  let rest = text;
  let total = 0;
  let lastUnitIndex = -1;
  while (rest.length > 0) {
    const match = PART.exec(rest);
    if (!match) {
      return /^\d+(\.\d+)?$/.test(rest)
        ? fail(`missing unit after "${rest}" (use d, h, m, s or ms)`)
        : fail(`unexpected "${rest}"`);
    }
    const unit = match[2] as Unit;
    const unitIndex = UNIT_ORDER.indexOf(unit);
    if (unitIndex <= lastUnitIndex) return fail(`unit "${unit}" repeated or out of order (largest unit first)`);
    lastUnitIndex = unitIndex;
    total += Number(match[1]) * UNIT_MS[unit];
    rest = rest.slice(match[0].length);
  }
  const ms = Math.round(total);
  if (!Number.isSafeInteger(ms)) return fail('too large');
  return { ok: true, ms };
}

/**
 * Parses a duration such as "45s", "30m", "2h", "1h30m" or "7d" into milliseconds.
 * @throws Error with a message naming the input and the accepted forms.
 */
export function parseDuration(input: string): number {
  const result = tryParseDuration(input);
  if (!result.ok) throw new Error(result.error);
  return result.ms;
}

/** Formats milliseconds the way parseDuration reads them, e.g. 5_400_000 -> "1h30m"; 0 -> "0s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`cannot format duration ${ms}`);
  let rest = Math.round(ms);
  let out = '';
  for (const unit of UNIT_ORDER) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * UNIT_MS[unit];
    }
  }
  return out === '' ? '0s' : out;
}
