export interface PrunableSnapshot {
  id: string;
  state: 'pending' | 'completed' | 'failed';
  createdAt: Date;
  /** a restore in progress reads it */
  inUse: boolean;
}

/** How many failed snapshots are kept (they hold no data, only why they failed). */
export const FAILED_SNAPSHOTS_KEPT = 3;

/**
 * Which scheduled snapshots to delete: beyond the newest `keepCompleted` completed ones, and
 * beyond the newest `keepFailed` failed ones, each counted apart, so failures in a row never
 * push a good backup out. Pending ones and those a restore reads stay.
 */
export function planSnapshotPruning(snapshots: readonly PrunableSnapshot[], keepCompleted: number, keepFailed = FAILED_SNAPSHOTS_KEPT): string[] {
  const newestFirst = [...snapshots].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  const beyond = (state: PrunableSnapshot['state'], keep: number) => newestFirst.filter((s) => s.state === state).slice(keep);
  return [...beyond('completed', keepCompleted), ...beyond('failed', keepFailed)].filter((s) => !s.inUse).map((s) => s.id);
}
