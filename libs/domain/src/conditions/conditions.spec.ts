import fc from 'fast-check';
import { getCondition, isConditionTrue, setCondition, setConditions, type Condition, type ConditionInput } from './conditions';

const t0 = new Date('2025-01-01T00:00:00Z');
const t1 = new Date('2025-01-01T00:05:00Z');

describe('setCondition', () => {
  it('appends a new condition stamped now', () => {
    const out = setCondition([], { type: 'EtcdReady', status: 'False', reason: 'Starting', message: 'etcd starting' }, t0);
    expect(out).toEqual([
      { type: 'EtcdReady', status: 'False', reason: 'Starting', message: 'etcd starting', lastTransitionTime: t0.toISOString() },
    ]);
  });

  it('keeps lastTransitionTime when the status is unchanged but updates reason and message', () => {
    const first = setCondition([], { type: 'EtcdReady', status: 'False', reason: 'Starting', message: 'a' }, t0);
    const second = setCondition(first, { type: 'EtcdReady', status: 'False', reason: 'MemberUnhealthy', message: 'b' }, t1);
    expect(second[0]).toMatchObject({ reason: 'MemberUnhealthy', message: 'b', lastTransitionTime: t0.toISOString() });
    const third = setCondition(second, { type: 'EtcdReady', status: 'True', reason: 'AllMembersHealthy', message: '' }, t1);
    expect(third[0].lastTransitionTime).toBe(t1.toISOString());
    expect(first[0].reason).toBe('Starting');
  });

  it('helpers find conditions', () => {
    const c = setConditions([], [
      { type: 'Ready', status: 'True', reason: 'R', message: '' },
      { type: 'IngressReady', status: 'Unknown', reason: 'NotPlaced', message: '' },
    ], t0);
    expect(isConditionTrue(c, 'Ready')).toBe(true);
    expect(isConditionTrue(c, 'IngressReady')).toBe(false);
    expect(isConditionTrue(c, 'Missing')).toBe(false);
    expect(getCondition(c, 'IngressReady')?.reason).toBe('NotPlaced');
  });

  const input: fc.Arbitrary<ConditionInput> = fc.record({
    type: fc.constantFrom('A', 'B', 'C'),
    status: fc.constantFrom('True' as const, 'False' as const, 'Unknown' as const),
    reason: fc.string({ maxLength: 5 }),
    message: fc.string({ maxLength: 5 }),
  });

  it('keeps one condition per type, order of first appearance, and time moves only with status', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(input, fc.integer({ min: 0, max: 1e9 })), { maxLength: 30 }), (steps) => {
        let conditions: Condition[] = [];
        const order: string[] = [];
        for (const [cond, offset] of steps) {
          const before = getCondition(conditions, cond.type);
          const now = new Date(t0.getTime() + offset);
          conditions = setCondition(conditions, cond, now);
          if (!order.includes(cond.type)) order.push(cond.type);
          const after = getCondition(conditions, cond.type)!;
          expect(after.lastTransitionTime).toBe(
            before && before.status === cond.status ? before.lastTransitionTime : now.toISOString(),
          );
        }
        expect(conditions.map((c) => c.type)).toEqual(order);
      }),
    );
  });
});
