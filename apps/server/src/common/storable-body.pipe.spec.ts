import { BadRequestException } from '@nestjs/common';
import { FieldValidationException } from './field-validation.exception';
import { MAX_BODY_DEPTH, StorableBodyPipe, findUnstorable } from './storable-body.pipe';

function nest(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}
const pipe = new StorableBodyPipe();

describe('StorableBodyPipe', () => {
  it('lets the deepest allowed body through and refuses one level more, of either kind', () => {
    for (const kind of ['array', 'object'] as const) {
      const ok = nest(MAX_BODY_DEPTH, kind);
      expect(pipe.transform(ok, { type: 'body' })).toBe(ok);
      expect(() => pipe.transform(nest(MAX_BODY_DEPTH + 1, kind), { type: 'body' })).toThrow(BadRequestException);
    }
  });

  it('measures a 200,000-deep body without overflowing the stack', () => {
    expect(() => pipe.transform(nest(200_000, 'array'), { type: 'body' })).toThrow(/nested deeper than 32 levels/);
  });

  it('names the field holding a NUL or an unpaired surrogate, in values and in keys', () => {
    expect(findUnstorable({ name: 'a\u0000b' }, 32)).toEqual({ field: 'name', message: 'must not contain the NUL character (U+0000)' });
    expect(findUnstorable({ components: [{ ok: 'x' }, { message: 'x\ud800' }] }, 32)).toEqual({ field: 'components.1.message', message: 'must not contain an unpaired UTF-16 surrogate' });
    expect(findUnstorable({ env: { ['\udc00']: 'v' } }, 32)).toEqual({ field: 'env', message: 'keys must not contain an unpaired UTF-16 surrogate' });
    expect(() => pipe.transform({ labels: { a: '\u0000' } }, { type: 'body' })).toThrow(FieldValidationException);
  });

  it('accepts paired surrogates, other control characters and any scalar', () => {
    expect(findUnstorable({ a: '💥 \t\u0001\ufffd', b: [1, true, null, 2.5], c: {} }, 32)).toBeNull();
  });

  it('leaves query and path values alone', () => {
    const odd = { a: '\u0000' };
    expect(pipe.transform(odd, { type: 'query' })).toBe(odd);
  });
});
