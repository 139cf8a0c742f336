import fc from 'fast-check';
import { EventCursor } from './event-cursor';

const ids = (...n: number[]) => n.map((id) => ({ id: String(id) }));
const sentIds = (events: { id: string }[]) => events.map((e) => e.id);

describe('EventCursor', () => {
  it('starts after the given id and ignores ids that are not numbers', () => {
    expect(new EventCursor('41').floor).toBe('41');
    expect(new EventCursor('x; DROP').floor).toBe('0');
    expect(sentIds(new EventCursor('41').take(ids(40, 41, 42)))).toEqual(['42']);
  });

  it('sends a late event whose id is below one already sent, once', () => {
    const cursor = new EventCursor('0');
    cursor.observe({ now: 0, oldestOpenSince: null });
    expect(sentIds(cursor.take(ids(1, 3)))).toEqual(['1', '3']);
    // the transaction of id 2 opened before that read and is still open
    cursor.observe({ now: 10, oldestOpenSince: 5 });
    expect(cursor.floor).toBe('0');
    expect(cursor.take(ids(1, 3))).toEqual([]);
    cursor.observe({ now: 20, oldestOpenSince: 5 });
    expect(cursor.take(ids(1, 3))).toEqual([]);
    expect(cursor.floor).toBe('0');
    // it committed: the next read has it, and only then does the floor move
    cursor.observe({ now: 30, oldestOpenSince: null });
    expect(sentIds(cursor.take(ids(1, 2, 3)))).toEqual(['2']);
    expect(cursor.floor).toBe('3');
    cursor.observe({ now: 40, oldestOpenSince: null });
    cursor.take([]);
    expect(cursor.unsettled).toBe(false);
  });

  it('settles a read once every transaction open then has ended, even while newer ones are open', () => {
    const cursor = new EventCursor('0');
    cursor.observe({ now: 0, oldestOpenSince: null });
    cursor.take(ids(5, 6));
    cursor.observe({ now: 100, oldestOpenSince: 90 }); // stamps the read with 100; a transaction from 90 is open
    cursor.take(ids(5, 6));
    expect(cursor.floor).toBe('0');
    cursor.observe({ now: 200, oldestOpenSince: 150 }); // only transactions started after the read are open
    cursor.take(ids(5, 6));
    expect(cursor.floor).toBe('6');
    expect(cursor.unsettled).toBe(false);
  });

  it('stops waiting for a transaction left open longer than maxWaitMs', () => {
    const cursor = new EventCursor('0', 1000);
    cursor.observe({ now: 0, oldestOpenSince: null });
    cursor.take(ids(7));
    cursor.observe({ now: 10, oldestOpenSince: 1 });
    cursor.take([]);
    cursor.observe({ now: 500, oldestOpenSince: 1 });
    cursor.take([]);
    expect(cursor.floor).toBe('0');
    cursor.observe({ now: 1010, oldestOpenSince: 1 });
    cursor.take([]);
    expect(cursor.floor).toBe('7');
  });

  it('never sends an id twice, whatever the order and overlap of reads', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 10 }), fc.option(fc.nat(5))), { maxLength: 20 }), (reads) => {
        const cursor = new EventCursor('0', 3);
        const sent: string[] = [];
        reads.forEach(([read, open], t) => {
          cursor.observe({ now: t, oldestOpenSince: open === null ? null : Math.max(0, t - open) });
          sent.push(...sentIds(cursor.take(ids(...[...new Set(read)].sort((a, b) => a - b)))));
        });
        expect(new Set(sent).size).toBe(sent.length);
      }),
    );
  });

  it('sends every committed event exactly once, however transactions overlap and commit out of id order', () => {
    // transactions take their id when they start (a sequence) and commit any time later; the
    // stream looks at random moments; a commit may land between the horizon and the read
    const txArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 400 })), { minLength: 1, maxLength: 25 });
    const readsArb = fc.uniqueArray(fc.integer({ min: 0, max: 1500 }), { maxLength: 40 }).map((r) => r.sort((a, b) => a - b));
    fc.assert(
      fc.property(txArb, readsArb, fc.integer({ min: 0, max: 5 }), (txs, readTimes, gap) => {
        const transactions = txs
          .map(([start, duration]) => ({ start, commit: start + duration }))
          .sort((a, b) => a.start - b.start)
          .map((t, i) => ({ ...t, id: i + 1 }));
        const last = Math.max(...transactions.map((t) => t.commit));
        const cursor = new EventCursor('0', 1_000_000);
        const sent: number[] = [];
        for (const at of [...readTimes, last + 1, last + 10, last + 20]) {
          const open = transactions.filter((t) => t.start <= at && t.commit > at);
          cursor.observe({ now: at, oldestOpenSince: open.length ? Math.min(...open.map((t) => t.start)) : null });
          const visible = transactions.filter((t) => t.commit <= at + gap && t.id > Number(cursor.floor)).map((t) => t.id).sort((a, b) => a - b);
          sent.push(...cursor.take(ids(...visible)).map((e) => Number(e.id)));
        }
        expect([...sent].sort((a, b) => a - b)).toEqual(transactions.map((t) => t.id));
      }),
      { numRuns: 500 },
    );
  });
});
