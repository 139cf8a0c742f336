import fc from 'fast-check';
import { HOST_STATES, nextHostState, type HostState } from './host-state';

const t = { disconnectedAfterMs: 30_000, lostAfterMs: 300_000 };
const now = new Date('2025-01-01T00:10:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

describe('nextHostState', () => {
  it.each<[number, HostState, HostState]>([
    [0, 'active', 'active'],
    [29_999, 'active', 'active'],
    [30_000, 'active', 'disconnected'],
    [299_999, 'disconnected', 'disconnected'],
    [300_000, 'disconnected', 'lost'],
    [300_000, 'active', 'lost'],
    [1_000, 'lost', 'active'],
    [1_000, 'disconnected', 'active'],
    [10_000_000, 'removed', 'removed'],
    [-5_000, 'active', 'active'],
  ])('silence %d ms from %s -> %s', (silence, current, expected) => {
    expect(nextHostState(ago(silence), now, t, current)).toBe(expected);
  });

  it('keeps the current state when there was never a heartbeat', () => {
    expect(nextHostState(null, now, t, 'active')).toBe('active');
  });

  it('rejects inconsistent thresholds', () => {
    expect(() => nextHostState(0, 1, { disconnectedAfterMs: 10, lostAfterMs: 10 }, 'active')).toThrow('0 < disconnectedAfterMs < lostAfterMs');
    expect(() => nextHostState(0, 1, { disconnectedAfterMs: 0, lostAfterMs: 10 }, 'active')).toThrow();
  });

  it('is monotonic in silence and never leaves removed', () => {
    const rank: Record<HostState, number> = { active: 0, disconnected: 1, lost: 2, removed: 3 };
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.nat(1_000_000), fc.constantFrom(...HOST_STATES), (a, b, current) => {
        const [short, long] = a <= b ? [a, b] : [b, a];
        const s1 = nextHostState(ago(short), now, t, current);
        const s2 = nextHostState(ago(long), now.getTime(), t, current);
        if (current === 'removed') expect([s1, s2]).toEqual(['removed', 'removed']);
        else expect(rank[s1]).toBeLessThanOrEqual(rank[s2]);
      }),
    );
  });
});
