import fc from 'fast-check';
import { planOrphanSweep, type SweepCandidate } from './plan-orphan-sweep';

const ids = ['s1', 's2', 's3', 's4'];
const candidate = fc.record({
  key: fc.constantFrom('e/s1.k1.etcd.sealed', 'e/s1.k2.etcd.sealed', 'e/s2.k1.etcd.sealed', 'e/s3.k1.etcd.sealed', 'other/file'),
  snapshotId: fc.option(fc.constantFrom(...ids), { nil: null }),
  at: fc.date({ min: new Date('2026-12-01T00:00:00Z'), max: new Date('2026-12-02T00:00:00Z'), noInvalidDate: true }),
  kind: fc.constantFrom('object' as const, 'incomplete' as const),
});
const facts = fc.record({
  referencedKeys: fc.uniqueArray(fc.constantFrom('e/s1.k1.etcd.sealed', 'e/s1.k2.etcd.sealed', 'e/s2.k1.etcd.sealed', 'e/s3.k1.etcd.sealed')).map((k) => new Set<string>(k)),
  busySnapshotIds: fc.uniqueArray(fc.constantFrom(...ids)).map((k) => new Set<string>(k)),
});
const cutoff = fc.date({ min: new Date('2026-12-01T00:00:00Z'), max: new Date('2026-12-02T00:00:00Z'), noInvalidDate: true });

describe('planOrphanSweep', () => {
  it('never removes what is young, foreign, being written, or a referenced object; removes every other leftover', () => {
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 30 }), facts, cutoff, (list, f, before) => {
        const removed = new Set<SweepCandidate>(planOrphanSweep(list, f, before));
        for (const c of list) {
          const keep =
            c.snapshotId === null || c.at >= before || f.busySnapshotIds.has(c.snapshotId) || (c.kind === 'object' && f.referencedKeys.has(c.key));
          expect(removed.has(c)).toBe(!keep);
        }
        return true;
      }),
    );
  });

  it('removes an unfinished upload even of a referenced key (the finished object is apart), but not a referenced object', () => {
    const old = new Date('2026-12-01T00:00:00Z');
    const key = 'e/s1.k1.etcd.sealed';
    const out = planOrphanSweep(
      [
        { key, snapshotId: 's1', at: old, kind: 'object' },
        { key, snapshotId: 's1', at: old, kind: 'incomplete' },
      ],
      { referencedKeys: new Set([key]), busySnapshotIds: new Set() },
      new Date('2026-12-01T01:00:00Z'),
    );
    expect(out).toEqual([{ key, snapshotId: 's1', at: old, kind: 'incomplete' }]);
  });
});
