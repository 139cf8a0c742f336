import fc from 'fast-check';
import { assignIngressInstances } from './assign-ingress-instances';

const instanceArb = fc.ipV4();
const liveArb = fc.uniqueArray(instanceArb, { minLength: 0, maxLength: 8 });
const uidArb = fc.uuid();

describe('assignIngressInstances', () => {
  it('picks min(scale, live) distinct live instances', () => {
    fc.assert(
      fc.property(uidArb, fc.integer({ min: 0, max: 10 }), liveArb, (uid, scale, live) => {
        const chosen = assignIngressInstances(uid, scale, live);
        expect(chosen).toHaveLength(Math.min(scale, live.length));
        expect(new Set(chosen).size).toBe(chosen.length);
        for (const c of chosen) expect(live).toContain(c);
      }),
    );
  });

  it('gives every instance the same answer whatever order it lists the live set in', () => {
    fc.assert(
      fc.property(uidArb, fc.integer({ min: 1, max: 8 }), liveArb, (uid, scale, live) => {
        const reversed = [...live].reverse();
        expect(assignIngressInstances(uid, scale, reversed).sort()).toEqual(assignIngressInstances(uid, scale, live).sort());
      }),
    );
  });

  it('keeps the assignment when an instance that does not serve the Ingress goes away', () => {
    fc.assert(
      fc.property(uidArb, fc.integer({ min: 1, max: 8 }), liveArb, (uid, scale, live) => {
        const chosen = assignIngressInstances(uid, scale, live);
        const bystander = live.find((i) => !chosen.includes(i));
        fc.pre(bystander !== undefined);
        expect(assignIngressInstances(uid, scale, live.filter((i) => i !== bystander)).sort()).toEqual([...chosen].sort());
      }),
    );
  });

  it('replaces only the instance that went away when a serving one is lost', () => {
    fc.assert(
      fc.property(uidArb, fc.integer({ min: 1, max: 8 }), liveArb, fc.nat(), (uid, scale, live, pick) => {
        const chosen = assignIngressInstances(uid, scale, live);
        fc.pre(chosen.length > 0);
        const lost = chosen[pick % chosen.length]!;
        const after = assignIngressInstances(uid, scale, live.filter((i) => i !== lost));
        const kept = chosen.filter((i) => i !== lost);
        for (const k of kept) expect(after).toContain(k);
        expect(after.filter((i) => !kept.includes(i)).length).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('a new instance takes at most one slot of an Ingress', () => {
    fc.assert(
      fc.property(uidArb, fc.integer({ min: 1, max: 8 }), liveArb, instanceArb, (uid, scale, live, added) => {
        fc.pre(!live.includes(added));
        const before = assignIngressInstances(uid, scale, live);
        const after = assignIngressInstances(uid, scale, [...live, added]);
        expect(before.filter((i) => !after.includes(i)).length).toBeLessThanOrEqual(1);
        for (const i of after) expect([...before, added]).toContain(i);
      }),
    );
  });

  it('scaling up keeps the instances of the smaller scale', () => {
    fc.assert(
      fc.property(uidArb, fc.integer({ min: 0, max: 7 }), liveArb, (uid, scale, live) => {
        const smaller = assignIngressInstances(uid, scale, live);
        const larger = assignIngressInstances(uid, scale + 1, live);
        for (const i of smaller) expect(larger).toContain(i);
      }),
    );
  });

  it('spreads Ingresses of scale 1 over the instances', () => {
    const live = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const [chosen] = assignIngressInstances(`uid-${i}`, 1, live);
      counts.set(chosen!, (counts.get(chosen!) ?? 0) + 1);
    }
    for (const instance of live) expect(counts.get(instance)).toBeGreaterThan(800);
  });
});
