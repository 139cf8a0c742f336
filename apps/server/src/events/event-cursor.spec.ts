import fc from 'fast-check';
import { EventCursor } from './event-cursor';

const ids = (...n: number[]) => n.map((id) => ({ id: String(id) }));

describe('EventCursor', () => {
  it('starts after the given id and ignores ids that are not numbers', () => {
    expect(new EventCursor('41').floor).toBe('41');
    expect(new EventCursor('x; DROP').floor).toBe('0');
    expect(new EventCursor('41').take(ids(40, 41, 42), 0).map((e) => e.id)).toEqual(['42']);
  });

  it('sends a late event whose id is below one already sent, once', () => {
    const cursor = new EventCursor('0', 2000);
    expect(cursor.take(ids(1, 3), 0).map((e) => e.id)).toEqual(['1', '3']);
    // id 2 committed later: the floor is still below it, so the next read finds it
    expect(BigInt(cursor.floor)).toBeLessThan(2n);
    expect(cursor.take(ids(1, 2, 3), 500).map((e) => e.id)).toEqual(['2']);
    expect(cursor.take(ids(1, 2, 3), 600)).toEqual([]);
  });

  it('settles after the lookback window, so reads stay small', () => {
    const cursor = new EventCursor('0', 2000);
    cursor.take(ids(5, 6), 0);
    cursor.settle(1999);
    expect(cursor.floor).toBe('0');
    cursor.settle(2000);
    expect(cursor.floor).toBe('6');
    expect(cursor.unsettled).toBe(false);
  });

  it('never sends an id twice, whatever the order and overlap of reads', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 10 }), { maxLength: 20 }), (reads) => {
        const cursor = new EventCursor('0', 3);
        const sent: string[] = [];
        reads.forEach((read, t) => sent.push(...cursor.take(ids(...[...new Set(read)].sort((a, b) => a - b)), t).map((e) => e.id)));
        expect(new Set(sent).size).toBe(sent.length);
      }),
    );
  });
});
