import fc from 'fast-check';
import { formatLabels, parseLabels } from './parse-labels';
import { labelMap } from './label-arbitraries.spec-helper';

describe('parseLabels', () => {
  it('parses pairs with whitespace and empty values', () => {
    expect(parseLabels(' team=infra , corral.dev/ci=true,empty= ')).toEqual({
      team: 'infra',
      'corral.dev/ci': 'true',
      empty: '',
    });
    expect(parseLabels('')).toEqual({});
  });

  it.each([
    ['team', "missing '='"],
    ['a=1,,b=2', 'empty item'],
    ['a=1,a=2', 'duplicate key "a"'],
    ['Bad Key=1', 'label key'],
    ['a=b=c', 'label value "b=c"'],
    ['a=has space', 'label value'],
  ])('rejects %j', (input, why) => {
    expect(() => parseLabels(input)).toThrow(why);
  });

  it('round-trips formatLabels', () => {
    fc.assert(
      fc.property(labelMap, (labels) => {
        expect(parseLabels(formatLabels(labels))).toEqual(labels);
      }),
    );
  });
});
