import fc from 'fast-check';
import { formatDuration, parseDuration, tryParseDuration } from './parse-duration';

describe('parseDuration', () => {
  it.each([
    ['45s', 45_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['7d', 604_800_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    [' 10m ', 600_000],
    ['0', 0],
    ['0s', 0],
  ])('%s -> %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([
    ['', 'empty'],
    ['10', 'missing unit'],
    ['-5m', 'negative'],
    ['5x', 'unexpected "5x"'],
    ['30m1h', 'out of order'],
    ['1h1h', 'repeated'],
    ['1h 30m', 'unexpected'],
    ['h', 'unexpected'],
    ['99999999999999999d', 'too large'],
  ])('rejects %j with a clear message', (input, why) => {
    expect(() => parseDuration(input)).toThrow(why);
    expect(() => parseDuration(input)).toThrow(`invalid duration ${JSON.stringify(input)}`);
    expect(tryParseDuration(input).ok).toBe(false);
  });

  it('round-trips through formatDuration', () => {
    fc.assert(
      fc.property(fc.nat({ max: 400 * 86_400_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });

  it('sums its parts', () => {
    fc.assert(
      fc.property(fc.nat(100), fc.nat(100), fc.nat(100), fc.nat(100), (d, h, m, s) => {
        expect(parseDuration(`${d}d${h}h${m}m${s}s`)).toBe(((d * 24 + h) * 60 + m) * 60_000 + s * 1000);
      }),
    );
  });

  it('never throws from tryParseDuration', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const result = tryParseDuration(s);
        if (result.ok) expect(Number.isSafeInteger(result.ms) && result.ms >= 0).toBe(true);
        else expect(result.error).toContain('invalid duration');
      }),
    );
  });
});
