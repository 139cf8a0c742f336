import type { CorralConfig } from '../config/corral-config';
import type { JobName } from './jobs';

/** How often the monitor tick runs (resyncs, scheduled snapshots, certificate expiry). */
export const MONITOR_TICK_MS = 30_000;
/** How often expired environments whose delayed expire job was lost are looked for. */
export const EXPIRY_SWEEP_MS = 60_000;
/** How often every active environment's Ingresses are read for a changed corral.dev/scale. */
export const INGRESS_SCALE_CHECK_MS = 5_000;
/** How often events past their retention and expired Idempotency-Keys are pruned. */
export const RETENTION_EVERY_MS = 10 * 60_000;

export interface RepeatableJob {
  name: JobName;
  everyMs: number;
}

/**
 * Every periodic job, in one place. JobSchedules registers each as a BullMQ job scheduler (one
 * per cluster of workers, not one per process); nothing else registers or runs periodic work.
 */
export function repeatableJobs(config: Pick<CorralConfig, 'sweepIntervalMs'>): RepeatableJob[] {
  return [
    { name: 'monitor-tick', everyMs: MONITOR_TICK_MS },
    { name: 'host-sweep', everyMs: config.sweepIntervalMs },
    { name: 'expiry-sweep', everyMs: EXPIRY_SWEEP_MS },
    { name: 'ingress-scale-check', everyMs: INGRESS_SCALE_CHECK_MS },
    { name: 'retention', everyMs: RETENTION_EVERY_MS },
  ];
}
