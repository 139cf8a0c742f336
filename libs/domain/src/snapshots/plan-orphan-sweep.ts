/** Something in the snapshot store that may be left over: a stored object, or an upload that never finished. */
export interface SweepCandidate {
  /** how the store names it (an object key; for an upload, the key it was writing) */
  key: string;
  /** the snapshot it belongs to, read from a key Corral made; null for anything else (never swept) */
  snapshotId: string | null;
  /** last written (an object, a partial file) or started (a multipart upload) */
  at: Date;
  kind: 'object' | 'incomplete';
}

/** What the snapshot rows say about the candidates. */
export interface SnapshotRowFacts {
  /** keys some snapshot row points at (its data) */
  referencedKeys: ReadonlySet<string>;
  /** snapshots still being written: pending (being taken), or locked by a rewrap re-sealing them */
  busySnapshotIds: ReadonlySet<string>;
}

/**
 * Which leftovers to remove: those older than the cutoff (now − grace period) that belong to a
 * snapshot Corral named, is not writing now, and whose row does not point at them. An unfinished
 * upload never holds a snapshot's data (the finished object is separate), so only the grace
 * period and a write in progress keep it; a stored object is kept while any row references it,
 * which is how a deleted environment's snapshots stay through CORRAL_DELETED_RETENTION.
 */
export function planOrphanSweep<C extends SweepCandidate>(candidates: readonly C[], facts: SnapshotRowFacts, cutoff: Date): C[] {
  return candidates.filter(
    (c) =>
      c.snapshotId !== null &&
      c.at.getTime() < cutoff.getTime() &&
      !facts.busySnapshotIds.has(c.snapshotId) &&
      (c.kind === 'incomplete' || !facts.referencedKeys.has(c.key)),
  );
}
