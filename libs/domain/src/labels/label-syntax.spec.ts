import fc from 'fast-check';
import { validateLabelKey, validateLabelValue, validateLabels } from './label-syntax';
import { labelKey, labelValue } from './label-arbitraries.spec-helper';

describe('label syntax', () => {
  it.each(['app', 'app.kubernetes.io/name', 'corral.dev/role', 'A_b.c-9', 'x/y'])('accepts key %s', (key) => {
    expect(validateLabelKey(key)).toBeNull();
  });

  it.each([
    ['', 'must not be empty'],
    ['/name', 'prefix before'],
    ['Corral.dev/x', 'must be a DNS subdomain'],
    ['corral.dev/', 'name part must not be empty'],
    ['-app', 'start and end'],
    ['a'.repeat(64), 'no more than 63'],
    ['a/b/c', 'name part must consist'],
  ])('rejects key %j', (key, why) => {
    expect(validateLabelKey(key)).toContain(why);
  });

  it('accepts empty and qualified values, rejects others', () => {
    expect(validateLabelValue('')).toBeNull();
    expect(validateLabelValue('v1.2_3-x')).toBeNull();
    expect(validateLabelValue('a b')).toContain('must be empty or consist');
    expect(validateLabelValue('x'.repeat(64))).toContain('no more than 63');
    expect(validateLabelValue('v/1')).not.toBeNull();
  });

  it('accepts every generated key and value', () => {
    fc.assert(
      fc.property(labelKey, labelValue, (k, v) => {
        expect(validateLabelKey(k)).toBeNull();
        expect(validateLabelValue(v)).toBeNull();
      }),
    );
  });

  it('validateLabels collects every problem', () => {
    expect(validateLabels({ ok: 'yes', 'bad key': 'x', good: 'bad value' })).toHaveLength(2);
    expect(validateLabels({})).toEqual([]);
  });
});
