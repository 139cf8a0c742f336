import fc from 'fast-check';
import { Backoff, backoffDelay, DEFAULT_BACKOFF } from './backoff';

describe('backoffDelay', () => {
  it('doubles from 1s and caps at 30s without jitter', () => {
    const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((a) => backoffDelay(a, noJitter))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });

  it('stays within [raw * (1 - jitter), raw] and never above the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const delay = backoffDelay(attempt, DEFAULT_BACKOFF, () => r);
        const raw = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 30));
        expect(delay).toBeLessThanOrEqual(raw);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(raw * 0.8));
      }),
    );
  });

  it('spreads retries with jitter', () => {
    const values = new Set(Array.from({ length: 20 }, () => backoffDelay(3)));
    expect(values.size).toBeGreaterThan(1);
  });
});

describe('Backoff', () => {
  it('grows per call and starts over after reset', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000, jitter: 0 });
    expect([b.next(), b.next(), b.next()]).toEqual([100, 200, 400]);
    b.reset();
    expect(b.next()).toBe(100);
  });
});
