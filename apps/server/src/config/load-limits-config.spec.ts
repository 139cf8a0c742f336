import { loadLimitsConfig } from './load-limits-config';

describe('loadLimitsConfig', () => {
  it('has defaults: 30 d of events, 20 repeats per component, 24 h idempotency keys, metrics on the API port', () => {
    const problems: string[] = [];
    const limits = loadLimitsConfig({}, problems);
    expect(problems).toEqual([]);
    expect(limits).toMatchObject({ eventRetentionMs: 30 * 86_400_000, eventRepeatCap: 20, idempotencyRetentionMs: 86_400_000, metricsPort: null, rateLimit: 1200, rateLimitWindowMs: 60_000 });
  });

  it('reads every variable and names the bad ones', () => {
    const problems: string[] = [];
    const limits = loadLimitsConfig({ CORRAL_EVENT_RETENTION: '7d', CORRAL_METRICS_PORT: '9464', CORRAL_MAX_STREAMS_PER_KEY: '0', CORRAL_RATE_LIMIT_WINDOW: 'soon' }, problems);
    expect(limits.eventRetentionMs).toBe(7 * 86_400_000);
    expect(limits.metricsPort).toBe(9464);
    expect(problems).toEqual([expect.stringContaining('CORRAL_MAX_STREAMS_PER_KEY must be a whole number from 1'), expect.stringContaining('CORRAL_RATE_LIMIT_WINDOW')]);
  });
});
