import fc from 'fast-check';
import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles from the base up to the cap without jitter, and starts over after reset', () => {
    const backoff = new Backoff({ baseMs: 100, maxMs: 1000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoff.attempts).toBe(6);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });

  it('takes off at most the jitter fraction and never exceeds the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempts, r) => {
        const backoff = new Backoff({ baseMs: 250, maxMs: 30_000, jitter: 0.3 }, () => r);
        for (let i = 0; i < attempts; i++) backoff.next();
        const raw = Math.min(30_000, 250 * 2 ** Math.min(attempts, 30));
        const delay = backoff.next();
        expect(delay).toBeLessThanOrEqual(raw);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(raw * 0.7));
      }),
    );
  });

  it('spreads equal attempts apart when the random source differs', () => {
    const low = new Backoff({ baseMs: 1000, maxMs: 30_000, jitter: 0.3 }, () => 0);
    const high = new Backoff({ baseMs: 1000, maxMs: 30_000, jitter: 0.3 }, () => 0.99);
    expect(low.next()).toBe(1000);
    expect(high.next()).toBe(703);
  });
});
