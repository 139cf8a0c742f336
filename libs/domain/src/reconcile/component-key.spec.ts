import fc from 'fast-check';
import { componentKey, isHealthyOnSpec } from './component-key';

describe('componentKey', () => {
  it('is one-to-one for host ids without a slash (uuids)', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), fc.string(), fc.string(), (h1, h2, n1, n2) => {
        const same = componentKey(h1, n1) === componentKey(h2, n2);
        return same === (h1 === h2 && n1 === n2);
      }),
    );
  });
});

describe('isHealthyOnSpec', () => {
  const report = { specHash: 'a', phase: 'running', healthy: true };
  it('holds only for a healthy, running report on the very spec', () => {
    fc.assert(
      fc.property(fc.constantFrom('a', 'b'), fc.constantFrom('running', 'starting', 'exited'), fc.boolean(), fc.constantFrom('a', 'b', undefined), (hash, phase, healthy, wanted) => {
        const expected = healthy && phase === 'running' && wanted !== undefined && hash === wanted;
        return isHealthyOnSpec({ specHash: hash, phase, healthy }, wanted) === expected;
      }),
    );
  });
  it('is false without a report', () => {
    expect(isHealthyOnSpec(undefined, 'a')).toBe(false);
    expect(isHealthyOnSpec(null, 'a')).toBe(false);
    expect(isHealthyOnSpec(report, 'a')).toBe(true);
  });
});
