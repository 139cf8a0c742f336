import { decodeContinue, encodeContinue } from './object-store';

describe('continue tokens', () => {
  it('round-trip revision and start key', () => {
    expect(decodeContinue(encodeContinue(42, 'default/web\u0000'))).toEqual({ v: 'meta.k8s.io/v1', rv: 42, start: 'default/web\u0000' });
  });

  it('reject garbage with a BadRequest', () => {
    expect(() => decodeContinue('not-a-token')).toThrow(expect.objectContaining({ reason: 'BadRequest' }));
  });
});
