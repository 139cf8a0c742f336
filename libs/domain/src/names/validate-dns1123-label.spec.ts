import fc from 'fast-check';
import { validateDns1123Label } from './validate-dns1123-label';

describe('validateDns1123Label', () => {
  it.each(['a', 'my-env', 'e2e-1', '0', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(validateDns1123Label(name)).toBeNull();
  });

  it.each([
    ['', 'must not be empty'],
    ['a'.repeat(64), 'no more than 63'],
    ['My-env', 'not a valid DNS-1123 label'],
    ['-env', 'not a valid'],
    ['env-', 'not a valid'],
    ['my_env', 'not a valid'],
    ['my.env', 'not a valid'],
  ])('rejects %j', (name, message) => {
    expect(validateDns1123Label(name)).toContain(message);
  });

  it('accepts every string built from the grammar', () => {
    const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
    const inner = fc.string({ unit: fc.constantFrom(...'abcz09-'.split('')), maxLength: 61 });
    fc.assert(
      fc.property(alnum, inner, alnum, fc.boolean(), (first, middle, last, single) => {
        const name = single ? first : first + middle + last;
        expect(validateDns1123Label(name)).toBeNull();
      }),
    );
  });

  it('rejects any string with a character outside the alphabet', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.constantFrom('A', '_', '.', ' ', '/', 'é'), fc.nat(20), (s, bad, at) => {
        const i = Math.min(at, s.length);
        expect(validateDns1123Label(s.slice(0, i) + bad + s.slice(i))).not.toBeNull();
      }),
    );
  });
});
