import { describeError } from './describe-error';

describe('describeError', () => {
  it('shows the network cause undici hides behind "fetch failed"', () => {
    const err = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }) });
    expect(describeError(err)).toBe('fetch failed: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:6443)');
  });

  it('shows HTTP status and the apiserver Status message', () => {
    expect(describeError(Object.assign(new Error('Forbidden'), { statusCode: 403 }))).toBe('HTTP 403: Forbidden');
    expect(describeError({ code: 401, body: '{"kind":"Status","message":"Unauthorized"}', message: 'HTTP-Code: 401\nMessage: ...' })).toBe('HTTP 401: Unauthorized');
  });

  it('names timeouts and copes with odd values', () => {
    expect(describeError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe('request timed out');
    expect(describeError(undefined)).toBe('unknown error');
    expect(describeError('boom')).toBe('boom');
    expect(describeError(Object.assign(new Error('read failed'), { code: 'ECONNRESET' }))).toBe('read failed (ECONNRESET)');
  });
});
