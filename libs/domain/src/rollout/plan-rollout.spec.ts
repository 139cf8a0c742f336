import fc from 'fast-check';
import { planRollout, rolloutKey, type RolloutComponent } from './plan-rollout';

const healthy = (hostId: string, name: string, hash: string, next: string | null = hash): RolloutComponent => ({
  hostId,
  name,
  kind: name,
  currentHash: hash,
  nextHash: next,
  observed: { specHash: hash, healthy: true },
  hostActive: true,
});

describe('planRollout', () => {
  it('releases one update of a healthy component at a time, etcd first', () => {
    const plan = planRollout([healthy('h2', 'kube-apiserver', 'a', 'b'), healthy('h1', 'kube-apiserver', 'a', 'b'), healthy('h3', 'etcd', 'e', 'f')]);
    expect(plan.release).toEqual(['h3/etcd']);
    expect(plan.hold).toEqual(['h1/kube-apiserver', 'h2/kube-apiserver']);
    expect(plan.waitingFor).toContain('2 update(s) wait until etcd is healthy');
  });

  it('holds every update of a healthy component while another component is not healthy on its spec', () => {
    const rolling = { ...healthy('h1', 'etcd', 'f'), observed: { specHash: 'e', healthy: true } };
    const plan = planRollout([rolling, healthy('h2', 'kube-apiserver', 'a', 'b')]);
    expect(plan.release).toEqual([]);
    expect(plan.hold).toEqual(['h2/kube-apiserver']);
    expect(plan.waitingFor).toBe('1 update(s) wait until etcd is healthy');
  });

  it('lets updates of components that are down, on unreachable hosts, new or removed through at once', () => {
    const down = { ...healthy('h1', 'kubelet', 'a', 'b'), observed: { specHash: 'a', healthy: false } };
    const away = { ...healthy('h2', 'kubelet', 'a', 'b'), hostActive: false };
    const added: RolloutComponent = { ...healthy('h3', 'kubelet', 'x'), currentHash: null, observed: null };
    const removed = healthy('h4', 'kubelet', 'a', null);
    const plan = planRollout([down, away, added, removed, healthy('h5', 'kube-proxy', 'p', 'q')]);
    expect(plan.release.sort()).toEqual(['h1/kubelet', 'h2/kubelet']);
    // the new kubelet on h3 is not healthy yet: the healthy kube-proxy waits for it
    expect(plan.hold).toEqual(['h5/kube-proxy']);
  });

  it('never releases more than one update of a healthy component, and holds only such updates', () => {
    const component = fc.record({
      hostId: fc.constantFrom('h1', 'h2', 'h3'),
      name: fc.constantFrom('etcd', 'kube-apiserver', 'kubelet'),
      currentHash: fc.option(fc.constantFrom('a', 'b'), { nil: null }),
      nextHash: fc.option(fc.constantFrom('a', 'b'), { nil: null }),
      observed: fc.option(fc.record({ specHash: fc.constantFrom('a', 'b'), healthy: fc.boolean() }), { nil: null }),
      hostActive: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.uniqueArray(component, { selector: (c) => `${c.hostId}/${c.name}` }), (raw) => {
        const components: RolloutComponent[] = raw.map((c) => ({ ...c, kind: c.name }));
        const plan = planRollout(components);
        const byKey = new Map(components.map((c) => [rolloutKey(c), c]));
        const settled = (c: RolloutComponent) => c.observed?.specHash === c.currentHash && c.observed?.healthy === true;
        const releasedHealthy = plan.release.filter((k) => byKey.get(k)!.hostActive && settled(byKey.get(k)!));
        expect(releasedHealthy.length).toBeLessThanOrEqual(1);
        for (const k of [...plan.release, ...plan.hold]) {
          const c = byKey.get(k)!;
          expect(c.currentHash !== null && c.nextHash !== null && c.currentHash !== c.nextHash).toBe(true);
        }
        for (const k of plan.hold) expect(settled(byKey.get(k)!) && byKey.get(k)!.hostActive).toBe(true);
        expect(new Set([...plan.release, ...plan.hold]).size).toBe(plan.release.length + plan.hold.length);
        expect(plan.waitingFor === null).toBe(plan.hold.length === 0);
      }),
    );
  });
});
