import fc from 'fast-check';
import { TooDeepError, canonicalJson, requestFingerprint } from './request-fingerprint';

describe('requestFingerprint', () => {
  it('ignores key order at every depth', () => {
    expect(requestFingerprint('POST', '/v1/environments', { name: 'a', hosts: { pool: 'ci', count: 2 } })).toBe(
      requestFingerprint('post', '/v1/environments', { hosts: { count: 2, pool: 'ci' }, name: 'a' }),
    );
  });

  it('differs for a different body, path or method', () => {
    const base = requestFingerprint('POST', '/v1/environments', { name: 'a' });
    expect(requestFingerprint('POST', '/v1/environments', { name: 'b' })).not.toBe(base);
    expect(requestFingerprint('POST', '/v1/other', { name: 'a' })).not.toBe(base);
    expect(requestFingerprint('PUT', '/v1/environments', { name: 'a' })).not.toBe(base);
    expect(requestFingerprint('POST', '/v1/environments', { name: 'a', ttl: '1h' })).not.toBe(base);
  });

  it('refuses a body nested too deep instead of overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40_000; i++) deep = [deep];
    expect(() => requestFingerprint('POST', '/x', deep)).toThrow(TooDeepError);
  });

  it('canonical JSON parses back to the same value', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)))));
  });
});
