export const HOST_STATES = ['active', 'disconnected', 'lost', 'removed'] as const;
export type HostState = (typeof HOST_STATES)[number];

export interface HeartbeatThresholds {
  /** silence after which an active host is marked disconnected (nothing moves yet) */
  disconnectedAfterMs: number;
  /** silence after which a host is lost and its movable components are re-placed */
  lostAfterMs: number;
}

const toMs = (t: Date | number): number => (typeof t === 'number' ? t : t.getTime());

/**
 * The state a host should be in given its last heartbeat. `removed` is final (an operator
 * removed the host). A host that never heart-beat (null) keeps its current state: pass its
 * registration time instead if a silent new host should age. A fresh heartbeat brings a
 * disconnected or lost host back to active. Heartbeats from the future (clock skew) count as now.
 * @throws Error when the thresholds are not 0 < disconnectedAfterMs < lostAfterMs.
 */
export function nextHostState(
  lastHeartbeatAt: Date | number | null,
  now: Date | number,
  thresholds: HeartbeatThresholds,
  current: HostState,
): HostState {
  const { disconnectedAfterMs, lostAfterMs } = thresholds;
  if (!(disconnectedAfterMs > 0 && lostAfterMs > disconnectedAfterMs)) {
    throw new Error(
      `heartbeat thresholds need 0 < disconnectedAfterMs < lostAfterMs (got ${disconnectedAfterMs}, ${lostAfterMs})`,
    );
  }
  if (current === 'removed' || lastHeartbeatAt === null) return current;
  const silence = toMs(now) - toMs(lastHeartbeatAt);
  if (silence >= lostAfterMs) return 'lost';
  if (silence >= disconnectedAfterMs) return 'disconnected';
  return 'active';
}
