import fc from 'fast-check';
import { planPodNetwork } from './plan-pod-network';

const workers = fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 20 }).map((ns) => ns.map((n) => ({ id: `h${String(n).padStart(2, '0')}`, address: `10.0.0.${n}` })));

describe('planPodNetwork', () => {
  it('routes every worker to every other worker\'s pod CIDR via its address, never to its own', () => {
    fc.assert(
      fc.property(workers, (hosts) => {
        const plan = planPodNetwork('10.42.0.0/16', 24, hosts);
        expect(plan.exhausted).toEqual([]);
        for (const h of hosts) {
          const own = plan.hosts[h.id]!;
          expect(own.routes.map((r) => r.cidr)).not.toContain(own.nodeCidr);
          const expected = hosts.filter((o) => o.id !== h.id).map((o) => ({ cidr: plan.hosts[o.id]!.nodeCidr, via: o.address }));
          expect(own.routes).toEqual(expected);
        }
        expect(new Set(Object.values(plan.hosts).map((p) => p.nodeCidr)).size).toBe(hosts.length);
      }),
    );
  });

  it('keeps each worker\'s CIDR as others come and go', () => {
    fc.assert(
      fc.property(workers, fc.integer({ min: 0, max: 19 }), (hosts, cut) => {
        const before = planPodNetwork('10.42.0.0/16', 24, hosts);
        const existing = Object.fromEntries(Object.entries(before.hosts).map(([id, p]) => [id, p.nodeCidr]));
        const after = planPodNetwork('10.42.0.0/16', 24, hosts.slice(0, cut), existing);
        for (const h of hosts.slice(0, cut)) expect(after.hosts[h.id]!.nodeCidr).toBe(before.hosts[h.id]!.nodeCidr);
      }),
    );
  });

  it('leaves workers without a CIDR out of every route when the range is full', () => {
    const hosts = [1, 2, 3].map((n) => ({ id: `h${n}`, address: `10.0.0.${n}` }));
    const plan = planPodNetwork('10.42.0.0/23', 24, hosts);
    expect(plan.exhausted).toEqual(['h3']);
    expect(plan.hosts.h3).toBeUndefined();
    expect(plan.hosts.h1).toEqual({ nodeCidr: '10.42.0.0/24', routes: [{ cidr: '10.42.1.0/24', via: '10.0.0.2' }] });
  });
});
