/**
 * Where an event stream reads from. Event ids come from one sequence but are committed in any
 * order, so an id below one already sent may still appear (its transaction was slower). The
 * cursor keeps re-reading a short window behind what it sent and skips what it already sent:
 * everything at or below `floor` is settled (sent, or seen lookbackMs ago and older).
 */
export class EventCursor {
  private floorId: bigint;
  /** ids sent and not yet settled, with when they were sent */
  private readonly recent = new Map<bigint, number>();

  constructor(
    after: string,
    private readonly lookbackMs = 2000,
  ) {
    this.floorId = BigInt(/^\d{1,19}$/.test(after) ? after : '0');
  }

  /** read events with ids above this */
  get floor(): string {
    return this.floorId.toString();
  }

  /** The events of a read that were not sent yet, in id order; marks them sent. */
  take<T extends { id: string }>(events: readonly T[], now: number): T[] {
    const fresh = events.filter((e) => BigInt(e.id) > this.floorId && !this.recent.has(BigInt(e.id)));
    for (const e of fresh) this.recent.set(BigInt(e.id), now);
    this.settle(now);
    return fresh;
  }

  /** Moves the floor up to the highest id sent at least lookbackMs ago. */
  settle(now: number): void {
    for (const [id, sentAt] of this.recent) {
      if (now - sentAt < this.lookbackMs) continue;
      if (id > this.floorId) this.floorId = id;
    }
    for (const id of this.recent.keys()) if (id <= this.floorId) this.recent.delete(id);
  }

  /** true while something sent recently may still have slower neighbours below it */
  get unsettled(): boolean {
    return this.recent.size > 0;
  }
}
