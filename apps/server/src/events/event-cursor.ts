/**
 * What the database said just before a read: its clock, and when the oldest transaction still
 * open (any session but the reader's) started, or null when none is open. Both in ms.
 */
export interface CommitHorizon {
  now: number;
  oldestOpenSince: number | null;
}

/**
 * Where an event stream reads from. Event ids come from one sequence but are committed in any
 * order, so an id below one already sent may still appear (its transaction was slower). Such a
 * late event took its id before the read that saw the higher one, so its transaction was open
 * then. The cursor therefore keeps re-reading above `floor` and skips what it sent, and moves
 * the floor past a read only once every transaction open at that read has ended: a read is
 * stamped with the database clock of the next horizon (taken after it), and it is settled by a
 * later horizon whose oldest open transaction started after that stamp (or that has none open).
 * The floor moves after the read that follows such a horizon, since that read is the one that
 * sees what those transactions committed. `maxWaitMs` bounds the wait for a transaction left open
 * for a long time (a stuck client): after it the read counts as settled anyway.
 */
export class EventCursor {
  private floorId: bigint;
  /** ids sent and not yet settled, with the stamp of the read that sent them (null: not stamped yet) */
  private readonly recent = new Map<bigint, number | null>();
  /** where the floor moves after the next read */
  private settleTo: bigint;

  constructor(
    after: string,
    private readonly maxWaitMs = 60_000,
  ) {
    this.floorId = BigInt(/^\d{1,19}$/.test(after) ? after : '0');
    this.settleTo = this.floorId;
  }

  /** read events with ids above this */
  get floor(): string {
    return this.floorId.toString();
  }

  /** Call with the database's horizon before each read. */
  observe(horizon: CommitHorizon): void {
    let settleTo = this.floorId;
    for (const [id, stamp] of this.recent) {
      if (stamp === null) {
        this.recent.set(id, horizon.now);
        if (horizon.oldestOpenSince !== null) continue;
      } else if (horizon.oldestOpenSince !== null && horizon.oldestOpenSince <= stamp && horizon.now - stamp < this.maxWaitMs) {
        continue;
      }
      if (id > settleTo) settleTo = id;
    }
    this.settleTo = settleTo;
  }

  /** The events of a read (made after the last observe) not sent yet, in id order; marks them sent. */
  take<T extends { id: string }>(events: readonly T[]): T[] {
    const fresh = events.filter((e) => BigInt(e.id) > this.floorId && !this.recent.has(BigInt(e.id)));
    for (const e of fresh) this.recent.set(BigInt(e.id), null);
    // the settled reads' slower neighbours are committed now and were in this read
    if (this.settleTo > this.floorId) this.floorId = this.settleTo;
    for (const id of this.recent.keys()) if (id <= this.floorId) this.recent.delete(id);
    return fresh;
  }

  /** true while something sent may still have slower neighbours below it */
  get unsettled(): boolean {
    return this.recent.size > 0;
  }
}
