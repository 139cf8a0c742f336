/** Every queue and job in one typed map: the name, its payload and its deterministic id. */
export const CORRAL_QUEUE = 'corral';

export interface JobPayloads {
  /** level-based reconcile of one environment: creation, host changes and reports all ask for this one job, so requests coalesce */
  reconcile: { environmentId: string };
  delete: { environmentId: string };
  expire: { environmentId: string };
  'host-sweep': Record<string, never>;
  /** takes the environment's pending manual snapshots, and a scheduled one when due */
  'etcd-snapshot': { environmentId: string };
  /** periodic: resync reconciles, schedule snapshots, flag expiring certificates */
  'monitor-tick': Record<string, never>;
  /** periodic: reconcile environments whose Ingresses ask for another corral.dev/scale */
  'ingress-scale-check': Record<string, never>;
  /** periodic: prunes events past CORRAL_EVENT_RETENTION and expired Idempotency-Keys */
  retention: Record<string, never>;
  /** periodic: deletes environments whose expire job was lost */
  'expiry-sweep': Record<string, never>;
}
export type JobName = keyof JobPayloads;

/** Deterministic ids make bursts coalesce (BullMQ rejects ':' in custom ids). */
export function jobId<N extends JobName>(name: N, payload: JobPayloads[N]): string {
  return 'environmentId' in payload ? `${name}-${(payload as { environmentId: string }).environmentId}` : name;
}
