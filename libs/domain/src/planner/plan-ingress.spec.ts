import fc from 'fast-check';
import { availability, canRunKind } from './eligibility';
import { host, hostsArb } from './planner-fixtures.spec-helper';
import { planIngress } from './plan-ingress';
import type { PlannerHost } from './planner-types';

const labelled = (h: PlannerHost): PlannerHost => ({ ...h, labels: { 'corral.dev/ingress': 'true' } });
const noLoad = () => 0;

describe('planIngress', () => {
  it('prefers hosts labelled corral.dev/ingress=true', () => {
    const hosts = [host('h1', 'active', ['worker']), labelled(host('h2')), host('h3', 'active', ['worker']), labelled(host('h4'))];
    expect(planIngress(hosts, 2, new Set(), noLoad)).toEqual(['h2', 'h4']);
  });

  it('a labelled host is eligible whatever its roles', () => {
    const etcdOnly = labelled(host('h1', 'active', ['etcd']));
    expect(canRunKind(etcdOnly, 'ingress-controller')).toBe(true);
    expect(canRunKind(host('h2', 'active', ['etcd']), 'ingress-controller')).toBe(false);
    expect(planIngress([etcdOnly, host('h2', 'active', ['etcd'])], 2, new Set(), noLoad)).toEqual(['h1']);
  });

  it('scaling up adds hosts, scaling down keeps a subset, a lost host is replaced', () => {
    const hosts = [host('h1'), host('h2'), host('h3'), host('h4')];
    const two = planIngress(hosts, 2, new Set(), noLoad);
    const three = planIngress(hosts, 3, new Set(two), noLoad);
    expect(three).toEqual(expect.arrayContaining(two));
    const one = planIngress(hosts, 1, new Set(three), noLoad);
    expect(three).toContain(one[0]);
    const lost = hosts.map((h) => (h.id === three[0] ? { ...h, state: 'lost' as const } : h));
    const replaced = planIngress(lost, 3, new Set(three), noLoad);
    expect(replaced).toHaveLength(3);
    expect(replaced).not.toContain(three[0]);
    expect(replaced).toEqual(expect.arrayContaining(three.slice(1)));
  });

  it('places min(replicas, usable eligible hosts) on distinct eligible hosts, keeping what it may keep', () => {
    fc.assert(
      fc.property(hostsArb, fc.nat(6), fc.nat(255), (hosts, replicas, mask) => {
        const current = new Set(hosts.filter((_, i) => (mask >> i) & 1).map((h) => h.id));
        const placed = planIngress(hosts, replicas, current, noLoad);
        const byId = new Map(hosts.map((h) => [h.id, h]));
        expect(new Set(placed).size).toBe(placed.length);
        for (const id of placed) {
          expect(canRunKind(byId.get(id)!, 'ingress-controller')).toBe(true);
          expect(availability(byId.get(id)) === 'active' || current.has(id)).toBe(true);
        }
        const usable = hosts.filter((h) => canRunKind(h, 'ingress-controller') && (availability(h) === 'active' || (current.has(h.id) && availability(h) === 'held')));
        expect(placed).toHaveLength(Math.min(replicas, usable.length));
        const keepable = usable.filter((h) => current.has(h.id)).length;
        expect(placed.filter((id) => current.has(id)).length).toBe(Math.min(replicas, keepable));
      }),
    );
  });
});
