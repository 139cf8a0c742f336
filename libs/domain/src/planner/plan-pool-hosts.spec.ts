import fc from 'fast-check';
import { HOST_STATES } from '../lifecycle/host-state';
import { planPoolHosts, type PoolHostView } from './plan-pool-hosts';

const CONTROL = ['etcd', 'kube-apiserver', 'kube-scheduler', 'kube-controller-manager', 'ingress-controller'];
const WORKER = ['kubelet', 'kube-proxy'];
const h = (id: string, state: PoolHostView['state'], kinds: string[] = WORKER): PoolHostView => ({ id, state, kinds });

const hostArb = fc.record({
  state: fc.constantFrom(...HOST_STATES),
  kinds: fc.subarray([...CONTROL, ...WORKER]),
});
const inputArb = fc.record({
  requested: fc.integer({ min: 1, max: 6 }),
  hosts: fc.array(hostArb, { maxLength: 9 }).map((hs) => hs.map((x, i) => ({ id: `h${i}`, ...x }))),
  maxUnhealthy: fc.constantFrom(0.34, 0.5, 1),
});

describe('planPoolHosts', () => {
  it('claims a replacement for a lost host', () => {
    const plan = planPoolHosts({ requested: 3, hosts: [h('a', 'active', CONTROL), h('b', 'active', CONTROL), h('c', 'lost', [])], maxUnhealthy: 0.5 });
    expect(plan).toEqual({ claim: 1, release: [] });
  });

  it('replaces nothing for a host that is only disconnected', () => {
    expect(planPoolHosts({ requested: 3, hosts: [h('a', 'active'), h('b', 'active'), h('c', 'disconnected')], maxUnhealthy: 0.5 })).toEqual({ claim: 0, release: [] });
  });

  it('replaces nothing when more than maxUnhealthy of the hosts are lost', () => {
    const hosts = [h('a', 'active'), h('b', 'lost'), h('c', 'lost')];
    expect(planPoolHosts({ requested: 3, hosts, maxUnhealthy: 0.5 }).claim).toBe(0);
    expect(planPoolHosts({ requested: 3, hosts, maxUnhealthy: 1 }).claim).toBe(2);
  });

  it('gives a worker-only host back once the lost one is back, never one with etcd or the control plane', () => {
    const hosts = [h('a', 'active', CONTROL), h('b', 'active', [...CONTROL, ...WORKER]), h('c', 'active', WORKER), h('d', 'active', [...CONTROL, ...WORKER])];
    expect(planPoolHosts({ requested: 3, hosts, maxUnhealthy: 0.5 })).toEqual({ claim: 0, release: ['c'] });
  });

  it('releases nothing while any host is not active (the surplus may still be needed)', () => {
    const hosts = [h('a', 'active', CONTROL), h('b', 'active', CONTROL), h('c', 'active'), h('d', 'disconnected')];
    expect(planPoolHosts({ requested: 3, hosts, maxUnhealthy: 0.5 }).release).toEqual([]);
  });

  it('never claims more than it lacks, and with the claim enough hosts serve', () => {
    fc.assert(
      fc.property(inputArb, ({ requested, hosts, maxUnhealthy }) => {
        const { claim } = planPoolHosts({ requested, hosts, maxUnhealthy });
        const usable = hosts.filter((x) => x.state !== 'removed' && x.state !== 'lost').length;
        expect(claim).toBeGreaterThanOrEqual(0);
        expect(claim).toBeLessThanOrEqual(Math.max(0, requested - usable));
        const counted = hosts.filter((x) => x.state !== 'removed').length;
        expect(claim).toBeGreaterThanOrEqual(Math.max(0, requested - counted));
      }),
    );
  });

  it('releases only surplus, worker-only hosts, and only when every host is active', () => {
    fc.assert(
      fc.property(inputArb, ({ requested, hosts, maxUnhealthy }) => {
        const { claim, release } = planPoolHosts({ requested, hosts, maxUnhealthy });
        if (release.length === 0) return;
        const counted = hosts.filter((x) => x.state !== 'removed');
        expect(counted.every((x) => x.state === 'active')).toBe(true);
        expect(claim).toBe(0);
        expect(counted.length - release.length).toBeGreaterThanOrEqual(requested);
        expect(new Set(release).size).toBe(release.length);
        for (const id of release) {
          const released = hosts.find((x) => x.id === id)!;
          expect(released.state).toBe('active');
          expect(released.kinds.every((k) => WORKER.includes(k))).toBe(true);
        }
      }),
    );
  });

  it('is stable: planning again after applying a release asks for nothing more', () => {
    fc.assert(
      fc.property(inputArb, ({ requested, hosts, maxUnhealthy }) => {
        const first = planPoolHosts({ requested, hosts, maxUnhealthy });
        const after = hosts.filter((x) => !first.release.includes(x.id));
        expect(planPoolHosts({ requested, hosts: after, maxUnhealthy }).release).toEqual([]);
      }),
    );
  });
});
