import { ApiError, CliExit, EXIT, UsageError, exitCodeForStatus, exitFor } from './exit-codes';

describe('exit codes', () => {
  it('maps API answers: auth and request errors are 3, the rest 1', () => {
    expect([400, 401, 403, 422].map(exitCodeForStatus)).toEqual([3, 3, 3, 3]);
    expect([404, 409, 500, 502, 503].map(exitCodeForStatus)).toEqual([1, 1, 1, 1, 1]);
  });

  it('maps whatever ended a command', () => {
    expect(exitFor(new UsageError('--hosts needs --pool'))).toEqual({ code: EXIT.usage, message: '--hosts needs --pool' });
    expect(exitFor(new ApiError(401, 'API key is not valid'))).toEqual({ code: 3, message: 'API key is not valid' });
    expect(exitFor(new ApiError(409, 'exists'))).toEqual({ code: 1, message: 'exists' });
    expect(exitFor(new CliExit(EXIT.timedOut, 'timed out'))).toEqual({ code: 2, message: 'timed out' });
    expect(exitFor(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' } }))).toEqual({
      code: 1,
      message: 'cannot reach the server: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:1',
    });
    expect(exitFor(new Error('boom'))).toEqual({ code: 1, message: 'boom' });
  });

  it('documents 0 ready, 1 failed, 2 timed out, 3 usage/auth, 130 interrupted', () => {
    expect(EXIT).toEqual({ ok: 0, failed: 1, timedOut: 2, usage: 3, interrupted: 130 });
  });
});
