import { EXPIRY_SWEEP_MS, INGRESS_SCALE_CHECK_MS, MONITOR_TICK_MS, RETENTION_EVERY_MS, repeatableJobs } from './repeatable-jobs';
import { jobId } from './jobs';

describe('repeatable jobs', () => {
  it('declares every periodic job once, with its period', () => {
    expect(repeatableJobs({ sweepIntervalMs: 5000 })).toEqual([
      { name: 'monitor-tick', everyMs: MONITOR_TICK_MS },
      { name: 'host-sweep', everyMs: 5000 },
      { name: 'expiry-sweep', everyMs: EXPIRY_SWEEP_MS },
      { name: 'ingress-scale-check', everyMs: INGRESS_SCALE_CHECK_MS },
      { name: 'retention', everyMs: RETENTION_EVERY_MS },
    ]);
  });

  it('gives creation and every later request of an environment the one reconcile job id, so they coalesce', () => {
    expect(jobId('reconcile', { environmentId: 'e1' })).toBe('reconcile-e1');
    expect(jobId('expiry-sweep', {})).toBe('expiry-sweep');
  });
});
