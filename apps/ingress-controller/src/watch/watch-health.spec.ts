import { WatchHealth } from './watch-health';

describe('WatchHealth', () => {
  const make = () => new WatchHealth({ reconnectGraceMs: 5_000 }, 0);

  it('is unhealthy until the informer synced and its watch connected', () => {
    const h = make();
    expect(h.status(0)).toMatchObject({ healthy: false, synced: false, phase: 'connecting' });
    expect(h.status(0).reason).toContain('has not synced');
    h.markSynced();
    h.attempt(10);
    expect(h.status(10).healthy).toBe(false);
    h.connected(20);
    expect(h.status(20)).toEqual({ healthy: true, reason: 'ok', synced: true, phase: 'connected' });
  });

  it('tells why the initial list has not happened', () => {
    const h = make();
    h.failed('fetch failed: ECONNREFUSED', 100, 1100);
    expect(h.status(100).reason).toBe('ingress informer has not synced: initial list of Ingresses not done; last error: fetch failed: ECONNREFUSED');
  });

  it('stays healthy through a reconnect after a normal end, within the grace period only', () => {
    const h = make();
    h.markSynced();
    h.attempt(0);
    h.connected(0);
    h.endedNormally(30_000);
    h.attempt(30_001);
    expect(h.status(34_000).healthy).toBe(true);
    expect(h.status(35_001)).toMatchObject({ healthy: false, phase: 'connecting' });
    expect(h.status(35_001).reason).toContain('reconnecting for 5.0s');
    h.connected(36_000);
    expect(h.status(36_000).healthy).toBe(true);
  });

  it('is unhealthy at once on an error, with the reason and the next attempt, and recovers', () => {
    const h = make();
    h.markSynced();
    h.attempt(0);
    h.connected(0);
    h.failed('fetch failed: ECONNREFUSED', 1_000, 3_000);
    expect(h.status(2_000)).toEqual({ healthy: false, synced: true, phase: 'disconnected', reason: 'apiserver watch disconnected for 1.0s: fetch failed: ECONNREFUSED; next attempt in 1.0s' });
    h.attempt(3_000);
    expect(h.status(3_500).reason).toContain('last error: fetch failed: ECONNREFUSED');
    expect(h.connected(4_000)).toBe(true);
    expect(h.status(4_000).healthy).toBe(true);
    // a plain reconnect is no recovery
    h.endedNormally(5_000);
    expect(h.connected(5_001)).toBe(false);
  });

  it('reports how long the connection that ended had lasted, once', () => {
    const h = make();
    h.markSynced();
    h.connected(1_000);
    h.failed('reset', 13_000);
    expect(h.takeLastConnectionMs()).toBe(12_000);
    expect(h.takeLastConnectionMs()).toBe(0);
    h.failed('refused', 14_000);
    expect(h.takeLastConnectionMs()).toBe(0);
  });
});
