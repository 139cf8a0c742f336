import fc from 'fast-check';
import type { IngressScaleRequest } from '@corral/domain';
import { ingressScale, sameDemand, sortDemand } from './ingress.phase';
import { host, spec, view, written } from './reconcile-fixtures.spec-helper';

describe('ingress phase (corral.dev/scale from the stored demand)', () => {
  const controller = spec('ingress-controller');

  it('before any demand was read: as many instances as are placed (at least one), and no condition', () => {
    expect(ingressScale(null, view([host(1), host(2)]))).toEqual({ replicas: 1, condition: null });
    const twoPlaced = view([host(1), host(2), host(3)], [written('h1', controller), written('h2', controller)]);
    expect(ingressScale(null, twoPlaced)).toEqual({ replicas: 2, condition: null });
  });

  it('from a demand: the largest scale, capped by the active eligible hosts now', () => {
    const demand: IngressScaleRequest[] = [{ key: 'default/app', annotation: '3' }, { key: 'default/other', annotation: undefined }];
    const three = ingressScale(demand, view([host(1), host(2), host(3)]));
    expect(three).toEqual({ replicas: 3, condition: expect.objectContaining({ type: 'IngressScale', status: 'True', reason: 'Applied', message: '3 load balancer instance(s): the largest corral.dev/scale is 3 (default/app)' }) });
    // a lost host and a host that may not run one do not count
    const capped = ingressScale(demand, view([host(1), host(2, { state: 'lost' }), host(3, { roles: ['etcd'] })]));
    expect(capped.replicas).toBe(1);
    expect(capped.condition).toEqual(expect.objectContaining({ status: 'False', reason: 'ScaleCapped' }));
  });

  it('compares demands in any order, and never a read one with none read', () => {
    const request = fc.record({ key: fc.string({ maxLength: 8 }), annotation: fc.option(fc.string({ maxLength: 4 }), { nil: undefined }) });
    const demand = fc.uniqueArray(request, { selector: (r) => r.key, maxLength: 6 });
    fc.assert(
      fc.property(demand.chain((d) => fc.tuple(fc.constant(d), fc.shuffledSubarray(d, { minLength: d.length }))), ([d, shuffled]) => {
        expect(sameDemand(d, shuffled)).toBe(true);
        expect(sameDemand(d, sortDemand(d))).toBe(true);
        expect(sameDemand(d, null)).toBe(false);
        if (d.length > 0) expect(sameDemand(d, [...d.slice(1), { key: d[0].key, annotation: `${d[0].annotation ?? ''}x` }])).toBe(false);
      }),
    );
    expect(sameDemand(null, null)).toBe(true);
    // a stored demand comes back from jsonb without the absent annotation's key
    expect(sameDemand([{ key: 'a/b', annotation: undefined }], JSON.parse('[{"key":"a/b"}]'))).toBe(true);
  });
});
