import fc from 'fast-check';
import { componentKey, type PlacementPlan } from '@corral/domain';
import { etcdMemberHealth, placementPlanner, placeOnHosts, waitsForHosts, BASE_INGRESS_REPLICAS } from './placement.phase';
import { env, host, report, spec, view, written } from './reconcile-fixtures.spec-helper';

describe('placement phase', () => {
  const etcd = spec('etcd', ['--x=1']);

  it('counts an etcd member healthy only when it runs healthy on the spec written for it', () => {
    const other = spec('etcd', ['--x=2']);
    const v = view(
      [host(1), host(2), host(3), host(4)],
      ['h1', 'h2', 'h3', 'h4'].map((h) => written(h, etcd)),
      [report('h1', etcd), report('h2', other), report('h3', etcd, { healthy: false })],
    );
    expect(etcdMemberHealth(v)).toEqual({ h1: true, h2: false, h3: false, h4: false });
  });

  it('waits for hosts before etcd exists, and not once it does', () => {
    const none = view([]);
    const plan = placementPlanner(env(), none, 0.5, BASE_INGRESS_REPLICAS)(none.current);
    expect(waitsForHosts(plan, none.current)).toBe(true);
    const bootstrapped = view([host(1)], [written('h1', etcd)]);
    expect(waitsForHosts(plan, bootstrapped.current)).toBe(false);
  });

  it('places a single host with everything, on the planner’s decision', () => {
    const v = view([host(1)]);
    const plan = placementPlanner(env(), v, 0.5, BASE_INGRESS_REPLICAS)(v.current);
    const placed = placeOnHosts(env(), v, plan);
    expect(placed.etcdHosts.map((h) => h.id)).toEqual(['h1']);
    expect(placed.controlPlaneHosts.map((h) => h.id)).toEqual(['h1']);
    expect(placed.kindsByHost.get('h1')).toEqual(expect.arrayContaining(['etcd', 'kube-apiserver', 'containerd', 'kubelet']));
    expect(placed.podNetwork.hosts.h1?.nodeCidr).toBe('10.42.0.0/24');
  });

  it('keeps a worker’s written pod CIDR and leaves worker kinds out where the cluster CIDR is full', () => {
    const hosts = [host(1), host(2)];
    const podNet = spec('pod-network', ['--node-cidr=10.42.7.0/24']);
    const v = view(hosts, [written('h2', podNet)]);
    const plan = placementPlanner(env({ etcdMembers: 1 }), v, 0.5, BASE_INGRESS_REPLICAS)(v.current);
    const wide = placeOnHosts(env(), v, plan);
    expect(wide.kindsByHost.get('h2')).toContain('containerd');
    expect(wide.podNetwork.hosts.h2?.nodeCidr).toBe('10.42.7.0/24');
    expect(wide.podNetwork.hosts.h1?.nodeCidr).toBe('10.42.0.0/24');

    const narrow = placeOnHosts(env({ networking: { ...env().networking, clusterCidr: '10.42.0.0/24' } }), v, plan);
    expect(narrow.podNetwork.exhausted.length).toBe(1);
    const [exhausted] = narrow.podNetwork.exhausted;
    expect(narrow.kindsByHost.get(exhausted!)).not.toContain('kubelet');
    // the placement itself (what status and events see) is the plan's
    expect(narrow.placement.filter((p) => p.hostId === exhausted && p.kind === 'kubelet')).toHaveLength(1);
  });

  it('never places on a host the environment does not have (an etcd member known only to etcd)', () => {
    fc.assert(
      fc.property(fc.subarray([1, 2, 3, 4, 5], { minLength: 1 }), fc.constantFrom(1, 3), (ns, members) => {
        const v = view(ns.map((n) => host(n)));
        const plan = placementPlanner(env({ etcdMembers: members }), v, 0.5, BASE_INGRESS_REPLICAS)(v.current);
        const withStranger: PlacementPlan = { ...plan, placement: [...plan.placement, { hostId: 'etcd-member:abc', kind: 'etcd' }] };
        const placed = placeOnHosts(env(), v, withStranger);
        expect(placed.placement.every((p) => v.hostById.has(p.hostId))).toBe(true);
        expect(new Set(placed.placement.map((p) => componentKey(p.hostId, p.kind)))).toEqual(new Set(plan.placement.map((p) => componentKey(p.hostId, p.kind))));
        expect([...placed.kindsByHost.keys()].every((id) => v.hostById.has(id))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});
