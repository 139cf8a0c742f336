import fc from 'fast-check';

const alnum = fc.constantFrom(...'abcXYZ019'.split(''));
const inner = fc.string({ unit: fc.constantFrom(...'aZ9-_.'.split('')), maxLength: 8 });

/** Valid label name / non-empty value. */
export const labelName = fc.tuple(alnum, inner, alnum, fc.boolean()).map(([a, m, b, single]) => (single ? a : a + m + b));
const subdomainLabel = fc
  .tuple(fc.constantFrom(...'abz09'.split('')), fc.string({ unit: fc.constantFrom('a', '0', '-'), maxLength: 5 }), fc.constantFrom('a', '9'))
  .map(([a, m, b]) => a + m + b);
/** Valid label key, with or without a DNS-subdomain prefix. */
export const labelKey = fc.tuple(fc.option(fc.array(subdomainLabel, { minLength: 1, maxLength: 3 })), labelName).map(
  ([prefix, name]) => (prefix ? `${prefix.join('.')}/${name}` : name),
);
export const labelValue = fc.oneof(labelName, fc.constant(''));
export const labelMap = fc.dictionary(labelKey, labelValue, { maxKeys: 5 });
