import fc from 'fast-check';
import { formatLabelSelector, parseLabelSelector, type LabelRequirement } from './parse-label-selector';
import { matchesLabelSelector } from './matches-label-selector';
import { labelKey, labelMap, labelName, labelValue } from './label-arbitraries.spec-helper';

describe('parseLabelSelector', () => {
  it('parses every requirement form', () => {
    expect(parseLabelSelector('k=v,k2!=v2,k3,!k4,k in (a,b),k notin (c), k5==x')).toEqual([
      { key: 'k', operator: 'In', values: ['v'] },
      { key: 'k2', operator: 'NotIn', values: ['v2'] },
      { key: 'k3', operator: 'Exists', values: [] },
      { key: 'k4', operator: 'DoesNotExist', values: [] },
      { key: 'k', operator: 'In', values: ['a', 'b'] },
      { key: 'k', operator: 'NotIn', values: ['c'] },
      { key: 'k5', operator: 'In', values: ['x'] },
    ]);
  });

  it('accepts empty selectors, spacing, empty values and keys named like keywords', () => {
    expect(parseLabelSelector('')).toEqual([]);
    expect(parseLabelSelector('   ')).toEqual([]);
    expect(parseLabelSelector(' zone  in(a , b ) , ! spot ')).toEqual([
      { key: 'zone', operator: 'In', values: ['a', 'b'] },
      { key: 'spot', operator: 'DoesNotExist', values: [] },
    ]);
    expect(parseLabelSelector('k=,in=notin')).toEqual([
      { key: 'k', operator: 'In', values: [''] },
      { key: 'in', operator: 'In', values: ['notin'] },
    ]);
  });

  it.each([
    ['k in ()', 'needs at least one value'],
    ['k in (a', 'expected "," or ")", found end of input'],
    ['k in a', 'expected "(" after "in"'],
    ['k v', 'expected "=", "!=", "in", "notin"'],
    ['k=v,', 'expected a label key, found end of input'],
    [',k', 'expected a label key, found ","'],
    ['!', 'expected a label key after "!"'],
    ['k=(a)', 'expected a value after "="'],
    ['Bad Key=1', 'expected "=", "!=", "in", "notin"'],
    ['-k=1', 'start and end'],
    ['k=a b', 'expected "," between requirements, found "b"'],
    ['k in (a,)', 'expected a value'],
  ])('rejects %j with %s', (input, why) => {
    expect(() => parseLabelSelector(input)).toThrow(why);
    expect(() => parseLabelSelector(input)).toThrow(`invalid label selector ${JSON.stringify(input)}`);
  });

  const requirement: fc.Arbitrary<LabelRequirement> = fc.oneof(
    fc.record({ key: labelKey, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const), values: fc.constant<string[]>([]) }),
    fc.record({ key: labelKey, operator: fc.constantFrom('In' as const, 'NotIn' as const), values: fc.uniqueArray(labelName, { minLength: 1, maxLength: 3 }) }),
    fc.record({ key: labelKey, operator: fc.constantFrom('In' as const, 'NotIn' as const), values: labelValue.map((v) => [v]) }),
  );

  it('round-trips formatLabelSelector', () => {
    fc.assert(
      fc.property(fc.array(requirement, { maxLength: 5 }), (reqs) => {
        expect(parseLabelSelector(formatLabelSelector(reqs))).toEqual(reqs);
      }),
    );
  });

  it('never throws anything but a selector error', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ak=!(), in notin/.-'.split('')), maxLength: 25 }), (s) => {
        try {
          parseLabelSelector(s);
        } catch (e) {
          expect((e as Error).message).toMatch(/^invalid label selector .* at position \d+$/s);
        }
      }),
    );
  });
});

describe('matchesLabelSelector', () => {
  const labels = { env: 'prod', zone: 'a', gpu: '' };
  it.each([
    ['', true],
    ['env=prod', true],
    ['env=dev', false],
    ['env!=dev', true],
    ['missing!=x', true],
    ['gpu', true],
    ['!gpu', false],
    ['!spot', true],
    ['zone in (a,b)', true],
    ['zone notin (a)', false],
    ['missing notin (a)', true],
    ['missing in (a)', false],
    ['gpu=', true],
    ['env=prod,zone in (b)', false],
  ])('%s -> %s', (selector, expected) => {
    expect(matchesLabelSelector(labels, parseLabelSelector(selector))).toBe(expected);
  });

  it('every label map matches the selector made of its own equalities, and k!=v is the negation of k=v', () => {
    fc.assert(
      fc.property(labelMap, labelKey, labelValue, (map, key, value) => {
        const own = Object.entries(map).map(([k, v]) => `${k}=${v}`).join(',');
        expect(matchesLabelSelector(map, parseLabelSelector(own))).toBe(true);
        const eq = matchesLabelSelector(map, [{ key, operator: 'In', values: [value] }]);
        const ne = matchesLabelSelector(map, [{ key, operator: 'NotIn', values: [value] }]);
        expect(eq).toBe(!ne);
        const exists = matchesLabelSelector(map, [{ key, operator: 'Exists', values: [] }]);
        expect(exists).toBe(!matchesLabelSelector(map, [{ key, operator: 'DoesNotExist', values: [] }]));
      }),
    );
  });
});
