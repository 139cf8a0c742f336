import { componentKey } from '@corral/domain';
import { host, report, spec, view, written } from './reconcile-fixtures.spec-helper';

describe('observe phase (indexView)', () => {
  const etcd = spec('etcd');
  const kubelet = spec('kubelet');

  it('indexes written components and reports by componentKey, and derives the current placement', () => {
    const v = view([host(1)], [written('h1', etcd), written('h1', kubelet)], [report('h1', etcd)]);
    expect(v.written.get(componentKey('h1', 'etcd'))?.spec).toEqual(etcd);
    expect(v.statusOf.get(componentKey('h1', 'etcd'))?.healthy).toBe(true);
    expect(v.current).toEqual([
      { hostId: 'h1', kind: 'etcd' },
      { hostId: 'h1', kind: 'kubelet' },
    ]);
    expect(v.hostById.get('h1')?.hostname).toBe('node-1');
  });

  it('gives status derivation only reports of written components, each with its kind', () => {
    const leftover = spec('old-thing');
    const v = view([host(1)], [written('h1', spec('ingress', [], 'ingress-controller'))], [report('h1', spec('ingress', [], 'ingress-controller')), report('h1', leftover)]);
    expect(v.componentStatuses.map((s) => [s.hostId, s.kind])).toEqual([['h1', 'ingress-controller']]);
    expect(v.statusOf.has(componentKey('h1', 'old-thing'))).toBe(true);
  });
});
