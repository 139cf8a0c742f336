import fc from 'fast-check';
import { parseDuration } from './duration';

describe('parseDuration', () => {
  it('reads Go durations', () => {
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('0')).toBe(0);
  });

  it('rejects what is not one', () => {
    for (const bad of ['', '5', 's', '5 s', '-5s', '5sec', '5s ', '1m30', 'ms5']) expect(parseDuration(bad)).toBeNull();
  });

  it('adds the parts of any sequence', () => {
    const part = fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(['ms', 1], ['s', 1000], ['m', 60_000], ['h', 3_600_000]));
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 5 }), (parts) => {
        const text = parts.map(([n, [unit]]) => `${n}${unit}`).join('');
        expect(parseDuration(text)).toBe(parts.reduce((sum, [n, [, ms]]) => sum + n * (ms as number), 0));
      }),
    );
  });
});
