import fc from 'fast-check';
import { planSnapshotPruning, type PrunableSnapshot } from './plan-snapshot-pruning';

const snapshot = fc.record({
  id: fc.uuid(),
  state: fc.constantFrom('pending' as const, 'completed' as const, 'failed' as const),
  createdAt: fc.date({ min: new Date('2026-01-01'), max: new Date('2026-12-31'), noInvalidDate: true }),
  inUse: fc.boolean(),
});
const history = fc.uniqueArray(snapshot, { selector: (s) => s.id, maxLength: 40 });

const newest = (list: PrunableSnapshot[], state: string, n: number) =>
  [...list].filter((s) => s.state === state).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)).slice(0, n);

describe('planSnapshotPruning', () => {
  it('keeps the newest N completed ones whatever failed, and at most the newest few failed ones', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 1, max: 15 }), fc.integer({ min: 0, max: 5 }), (list, keep, keepFailed) => {
        const pruned = new Set(planSnapshotPruning(list, keep, keepFailed));
        for (const s of newest(list, 'completed', keep)) expect(pruned.has(s.id)).toBe(false);
        for (const s of newest(list, 'failed', keepFailed)) expect(pruned.has(s.id)).toBe(false);
        for (const s of list) {
          if (s.state === 'pending' || s.inUse) expect(pruned.has(s.id)).toBe(false);
        }
        const left = list.filter((s) => !pruned.has(s.id));
        expect(left.filter((s) => s.state === 'completed' && !s.inUse).length).toBeLessThanOrEqual(keep);
        expect(left.filter((s) => s.state === 'failed' && !s.inUse).length).toBeLessThanOrEqual(keepFailed);
        return true;
      }),
    );
  });

  it('12 failures in a row after 12 good backups delete no good backup', () => {
    const at = (h: number) => new Date(Date.UTC(2026, 0, 1, h));
    const good = Array.from({ length: 12 }, (_, i) => ({ id: `good-${i}`, state: 'completed' as const, createdAt: at(i), inUse: false }));
    const bad = Array.from({ length: 12 }, (_, i) => ({ id: `bad-${i}`, state: 'failed' as const, createdAt: at(12 + i), inUse: false }));
    const pruned = planSnapshotPruning([...good, ...bad], 12, 3);
    expect(pruned.filter((id) => id.startsWith('good'))).toEqual([]);
    expect(pruned.sort()).toEqual(['bad-0', 'bad-1', 'bad-2', 'bad-3', 'bad-4', 'bad-5', 'bad-6', 'bad-7', 'bad-8'].sort());
  });
});
