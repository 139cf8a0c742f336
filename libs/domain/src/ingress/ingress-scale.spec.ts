import fc from 'fast-check';
import { ingressScaleRequests, parseIngressScale, planIngressScale } from './ingress-scale';

describe('parseIngressScale', () => {
  it.each([
    [undefined, { valid: true, scale: 1 }],
    ['1', { valid: true, scale: 1 }],
    ['3', { valid: true, scale: 3 }],
    [' 2 ', { valid: true, scale: 2 }],
    ['99999999999999999999', { valid: true, scale: 1e20 }],
  ])('%j reads as %j', (raw, expected) => {
    expect(parseIngressScale(raw)).toEqual(expected);
  });

  it.each(['abc', '0', '-1', '1.5', '', '2e3', '0x2', 'Infinity'])('%j is invalid and served as 1', (raw) => {
    const read = parseIngressScale(raw);
    expect(read.valid).toBe(false);
    expect(read.scale).toBe(1);
    expect(!read.valid && read.reason).toContain('corral.dev/scale');
  });

  it('never throws and always gives a whole scale >= 1', () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: undefined }), (raw) => {
        const read = parseIngressScale(raw);
        expect(Number.isInteger(read.scale) && read.scale >= 1).toBe(true);
      }),
    );
  });
});

describe('planIngressScale', () => {
  const ing = (key: string, annotation?: string) => ({ key, annotation });

  it('places the largest requested scale', () => {
    const plan = planIngressScale(1, [ing('default/a', '2'), ing('default/b')], 3);
    expect(plan.replicas).toBe(2);
    expect(plan.condition).toMatchObject({ status: 'True', reason: 'Applied' });
    expect(plan.condition.message).toContain('default/a');
  });

  it('never goes below ingressReplicas', () => {
    expect(planIngressScale(1, [], 3).replicas).toBe(1);
    expect(planIngressScale(2, [ing('default/a', '1')], 3).replicas).toBe(2);
  });

  it('caps at the eligible hosts and says so, naming the Ingress', () => {
    const plan = planIngressScale(1, [ing('shop/big', '1000000')], 3);
    expect(plan.replicas).toBe(3);
    expect(plan.condition).toMatchObject({ status: 'False', reason: 'ScaleCapped' });
    expect(plan.condition.message).toContain('shop/big asks for 1000000');
  });

  it('serves an invalid value as 1 and names the Ingress and the value', () => {
    const plan = planIngressScale(1, [ing('shop/bad', 'abc'), ing('shop/good', '2')], 3);
    expect(plan.replicas).toBe(2);
    expect(plan.condition).toMatchObject({ status: 'False', reason: 'InvalidScale' });
    expect(plan.condition.message).toContain('shop/bad: corral.dev/scale "abc" is not a whole number');
  });

  it('replicas stay within [base, max(base, eligible hosts)] and cover every valid request the hosts allow', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.record({ key: fc.string(), annotation: fc.option(fc.oneof(fc.integer({ min: -2, max: 9 }).map(String), fc.string()), { nil: undefined }) }), { maxLength: 6 }),
        fc.integer({ min: 0, max: 6 }),
        (base, ingresses, eligible) => {
          const { replicas, condition } = planIngressScale(base, ingresses, eligible);
          expect(replicas).toBeGreaterThanOrEqual(base);
          expect(replicas).toBeLessThanOrEqual(Math.max(base, eligible));
          for (const i of ingresses) expect(replicas).toBeGreaterThanOrEqual(Math.min(parseIngressScale(i.annotation).scale, eligible));
          expect(condition.status === 'True').toBe(ingresses.every((i) => { const r = parseIngressScale(i.annotation); return r.valid && r.scale <= eligible; }));
        },
      ),
    );
  });
});

describe('ingressScaleRequests', () => {
  it('reads the Ingresses of the class or of none, by class name first, then the legacy annotation', () => {
    const requests = ingressScaleRequests(
      [
        { metadata: { name: 'a', namespace: 'shop', annotations: { 'corral.dev/scale': '2' } } },
        { metadata: { name: 'b', namespace: 'shop', annotations: { 'corral.dev/scale': '3' } }, spec: { ingressClassName: 'corral' } },
        { metadata: { name: 'c', namespace: 'shop', annotations: { 'corral.dev/scale': '5', 'kubernetes.io/ingress.class': 'nginx' } } },
        { metadata: { name: 'd', namespace: 'shop', annotations: { 'kubernetes.io/ingress.class': 'corral' } }, spec: { ingressClassName: 'nginx' } },
      ],
      'corral',
    );
    expect(requests).toEqual([
      { key: 'shop/a', annotation: '2' },
      { key: 'shop/b', annotation: '3' },
    ]);
  });
});
