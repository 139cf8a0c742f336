import { componentKey } from '@corral/domain';
import { specHash } from '@corral/kube';
import { rollOut } from './rollout.phase';
import { host, report, spec, view, written } from './reconcile-fixtures.spec-helper';

describe('rollout phase', () => {
  const hosts = [host(1), host(2)];
  const v1 = (name: string) => spec(name, ['--v=1']);
  const v2 = (name: string) => spec(name, ['--v=2']);

  it('releases one update of a healthy component at a time and keeps the rest on their written spec', () => {
    const components = hosts.map((h) => written(h.id, v1('etcd')));
    const state = view(hosts, components, hosts.map((h) => report(h.id, v1('etcd'))));
    const next = new Map(hosts.map((h) => [h.id, [v2('etcd')]]));
    const result = rollOut(state, next);

    expect(result.plan.release).toEqual([componentKey('h1', 'etcd')]);
    expect(result.plan.hold).toEqual([componentKey('h2', 'etcd')]);
    expect(result.writes).toEqual([
      { hostId: 'h1', specs: [v2('etcd')] },
      { hostId: 'h2', specs: [v1('etcd')] },
    ]);
    expect(result.desiredHash.get(componentKey('h2', 'etcd'))).toBe(specHash(v1('etcd')));
    expect(result.rollingUpdates).toEqual([{ hostId: 'h1', hostname: 'node-1', name: 'etcd' }]);
    expect(result.plan.waitingFor).toBeTruthy();
  });

  it('writes new components and removals at once, with no rolling-update event', () => {
    const state = view(hosts, [written('h1', v1('kubelet'))], [report('h1', v1('kubelet'))]);
    const next = new Map([
      ['h1', []],
      ['h2', [v1('kubelet')]],
    ]);
    const result = rollOut(state, next);
    expect(result.writes).toEqual([
      { hostId: 'h1', specs: [] },
      { hostId: 'h2', specs: [v1('kubelet')] },
    ]);
    expect(result.plan.hold).toEqual([]);
    expect(result.rollingUpdates).toEqual([]);
  });

  it('updates a component that is not healthy at once, without a rolling-update event', () => {
    const state = view(hosts, hosts.map((h) => written(h.id, v1('etcd'))), [report('h1', v1('etcd'), { healthy: false }), report('h2', v1('etcd'), { healthy: false })]);
    const result = rollOut(state, new Map(hosts.map((h) => [h.id, [v2('etcd')]])));
    expect(result.plan.hold).toEqual([]);
    expect(result.writes.map((w) => w.specs)).toEqual([[v2('etcd')], [v2('etcd')]]);
    expect(result.rollingUpdates).toEqual([]);
  });
});
