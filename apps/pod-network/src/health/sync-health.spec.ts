import { SyncHealth } from './sync-health';

describe('SyncHealth', () => {
  it('is unhealthy until a sync finished, and follows the last one', () => {
    const health = new SyncHealth();
    expect(health.status()).toEqual({ healthy: false, reason: 'no sync has finished yet' });
    health.record([], new Date(0));
    expect(health.status()).toEqual({ healthy: true, reason: 'ok' });
    health.record(['`ip route replace x` exited 2: Error: boom', 'sysctl y: EROFS'], new Date(1000));
    expect(health.status()).toEqual({ healthy: false, reason: 'last sync (1970-01-01T00:00:01.000Z) failed: `ip route replace x` exited 2: Error: boom; sysctl y: EROFS' });
    health.record([], new Date(2000));
    expect(health.status().healthy).toBe(true);
  });
});
